// A display equation wider than the text column scrolls sideways. Make each such equation
// reachable with the keyboard (Tab, then the arrow keys scroll it), as WCAG 2.1.1 asks; an
// equation that fits gets no tab stop. MathJax draws formulas as they come into view, and the
// window may be resized, so each equation is checked again whenever its size changes.
(function () {
  "use strict";

  // Each display equation is a div.math that stays put; MathJax puts its drawing inside.
  function mark(block) {
    var math = block.querySelector('mjx-container[display="true"]');
    if (!math) {
      return;
    }
    if (math.scrollWidth > math.clientWidth) {
      math.setAttribute("tabindex", "0");
    } else {
      math.removeAttribute("tabindex");
    }
  }

  function watch() {
    var blocks = document.querySelectorAll("div.math");
    if (!("ResizeObserver" in window)) {
      blocks.forEach(mark);
      return;
    }
    var observer = new ResizeObserver(function (entries) {
      entries.forEach(function (entry) { mark(entry.target); });
    });
    blocks.forEach(function (block) { observer.observe(block); });
  }

  function whenTypeset(triesLeft) {
    var startup = window.MathJax && window.MathJax.startup;
    if (startup && startup.promise) {
      startup.promise.then(watch);
    } else if (triesLeft > 0 && document.querySelector(".math")) {
      setTimeout(function () { whenTypeset(triesLeft - 1); }, 50);
    }
  }

  document.addEventListener("DOMContentLoaded", function () { whenTypeset(100); });
})();
