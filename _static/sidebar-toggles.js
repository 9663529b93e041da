// The menu buttons a reader sees (the page header's "Toggle primary sidebar" and "Toggle
// secondary sidebar") must open the site navigation and the page contents, on a phone as a
// drawer. The theme's scripts listen only to the first .primary-toggle and .secondary-toggle of
// the page, which are the top bar's hidden twins (pydata-sphinx-theme 0.17 with
// sphinx-book-theme, upstream issue pydata/pydata-sphinx-theme#2451), so the visible buttons
// did nothing. Each other toggle hands its click to the one the theme listens to.
(function () {
  "use strict";

  function forward(selector) {
    var wired = document.querySelector(selector);
    document.querySelectorAll(selector).forEach(function (button) {
      if (button === wired) {
        return;
      }
      button.addEventListener("click", function (event) {
        event.preventDefault();
        wired.click();
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    forward(".primary-toggle");
    forward(".secondary-toggle");
  });
})();
