/* Samen: a table region wider than the page says so above itself ("scroll sideways"),
   so no column is hidden without a word. Loaded as a file (the Content-Security-Policy
   allows no inline script); the words come from #scroll-hint-text in the page's language. */
(function () {
  "use strict";
  var source = document.getElementById("scroll-hint-text");
  var words = source ? source.textContent : "";

  // All widths are read first and the hints written after, so the browser lays the page
  // out once, not once per table. A region is measured only when it comes near the screen
  // (a dashboard holds some 45 tables: measuring them all at load made a slow phone lay
  // out the whole page, most of a second, before the first paint was done with).
  function mark(regions) {
    var over = regions.map(function (region) {
      return region.scrollWidth > region.clientWidth + 1;
    });
    regions.forEach(function (region, index) {
      region.classList.toggle("overflowing", over[index]);
      var hint = region.previousElementSibling;
      var has = hint && hint.classList.contains("scroll-hint");
      if (over[index] && !has && words) {
        hint = document.createElement("p");
        hint.className = "scroll-hint";
        hint.textContent = words;
        region.parentNode.insertBefore(hint, region);
      } else if (!over[index] && has) {
        hint.remove();
      }
    });
  }

  var all = Array.prototype.slice.call(document.querySelectorAll(".table-scroll"));
  var near = [];
  if ("IntersectionObserver" in window) {
    var observer = new window.IntersectionObserver(function (entries) {
      var now = [];
      entries.forEach(function (entry) {
        var at = near.indexOf(entry.target);
        if (entry.isIntersecting) {
          if (at < 0) { near.push(entry.target); }
          now.push(entry.target);
        } else if (at >= 0) {
          near.splice(at, 1);
        }
      });
      mark(now);
    }, { rootMargin: "300px 0px" });
    all.forEach(function (region) { observer.observe(region); });
  } else {
    near = all;
    mark(all);
  }
  // A region off screen is measured again when it comes near.
  window.addEventListener("resize", function () { mark(near); });
  document.addEventListener("toggle", function () { mark(near); }, true);
})();
