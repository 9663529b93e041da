// A display equation wider than the text column scrolls sideways. Make each such equation
// reachable with the keyboard (Tab, then the arrow keys scroll it), as WCAG 2.1.1 asks; an
// equation that fits gets no tab stop. Phones show no scroll bar, so the classes more-left and
// more-right say on which side the equation goes on, and book.css fades that edge. MathJax draws
// formulas as they come into view, and the window may be resized, so each equation is checked
// again whenever its size changes, and its edges again whenever it is scrolled. A wide table
// gets the same classes on the container that scrolls it.
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
    edges(math);
  }

  function edges(math) {
    var hidden = math.scrollWidth - math.clientWidth;
    math.classList.toggle("more-left", hidden > 1 && math.scrollLeft > 1);
    math.classList.toggle("more-right", hidden > 1 && math.scrollLeft < hidden - 1);
  }

  // Scroll events do not bubble; the block catches its equation's on the way down.
  function scrolled(event) {
    if (event.target.matches && event.target.matches('mjx-container[display="true"]')) {
      edges(event.target);
    }
  }

  function watch() {
    var blocks = document.querySelectorAll("div.math");
    blocks.forEach(function (block) { block.addEventListener("scroll", scrolled, true); });
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

  // A wide table scrolls inside the container the theme wraps it in (which also gives it its tab
  // stop); its edges are marked the same way. Its width changes as the window does and as
  // MathJax typesets the formulas in its cells, so both the container and the table are watched.
  function watchTables() {
    var boxes = document.querySelectorAll(".pst-scrollable-table-container");
    boxes.forEach(function (box) {
      box.addEventListener("scroll", function () { edges(box); });
      edges(box);
    });
    if (!("ResizeObserver" in window)) {
      return;
    }
    var observer = new ResizeObserver(function (entries) {
      entries.forEach(function (entry) {
        edges(entry.target.closest(".pst-scrollable-table-container"));
      });
    });
    boxes.forEach(function (box) {
      observer.observe(box);
      box.querySelectorAll("table").forEach(function (table) { observer.observe(table); });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    watchTables();
    whenTypeset(100);
  });
})();
