// A display equation wider than the text column scrolls sideways. Make each such equation
// reachable with the keyboard (Tab, then the arrow keys scroll it), as WCAG 2.1.1 asks; an
// equation that fits gets no tab stop. Checked again when the window is resized.
(function () {
  "use strict";

  function markScrollable() {
    document.querySelectorAll('mjx-container[display="true"]').forEach(function (math) {
      if (math.scrollWidth > math.clientWidth) {
        math.setAttribute("tabindex", "0");
      } else {
        math.removeAttribute("tabindex");
      }
    });
  }

  function whenTypeset(triesLeft) {
    var startup = window.MathJax && window.MathJax.startup;
    if (startup && startup.promise) {
      startup.promise.then(markScrollable);
      window.addEventListener("resize", markScrollable);
    } else if (triesLeft > 0 && document.querySelector(".math")) {
      setTimeout(function () { whenTypeset(triesLeft - 1); }, 50);
    }
  }

  document.addEventListener("DOMContentLoaded", function () { whenTypeset(100); });
})();
