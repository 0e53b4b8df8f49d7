/* Samen: a table region wider than the page says so above itself ("scroll sideways"),
   so no column is hidden without a word. Loaded as a file (the Content-Security-Policy
   allows no inline script); the words come from #scroll-hint-text in the page's language. */
(function () {
  "use strict";
  var source = document.getElementById("scroll-hint-text");
  var words = source ? source.textContent : "";

  function mark() {
    document.querySelectorAll(".table-scroll").forEach(function (region) {
      var over = region.scrollWidth > region.clientWidth + 1;
      region.classList.toggle("overflowing", over);
      var hint = region.previousElementSibling;
      var has = hint && hint.classList.contains("scroll-hint");
      if (over && !has && words) {
        hint = document.createElement("p");
        hint.className = "scroll-hint";
        hint.textContent = words;
        region.parentNode.insertBefore(hint, region);
      } else if (!over && has) {
        hint.remove();
      }
    });
  }

  mark();
  window.addEventListener("resize", mark);
  document.addEventListener("toggle", mark, true);
})();
