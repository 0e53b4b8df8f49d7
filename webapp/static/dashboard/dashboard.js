/* Samen dashboard: draw the Plotly figures embedded as JSON next to each chart.
   Loaded as a file (the Content-Security-Policy allows no inline script). Without
   JavaScript the tables under each chart hold every number. */
(function () {
  "use strict";
  document.documentElement.classList.add("js");
  if (typeof window.Plotly === "undefined") { return; }
  var config = { displayModeBar: false, responsive: true, staticPlot: false };

  function draw(el) {
    if (el.dataset.drawn) { return; }
    var source = document.getElementById(el.dataset.figure);
    if (!source) { return; }
    var figure = JSON.parse(source.textContent);
    el.dataset.drawn = "1";
    window.Plotly.newPlot(el, figure.data, figure.layout, config);
  }

  document.querySelectorAll(".chart").forEach(function (el) {
    var details = el.closest("details");
    if (details && !details.open) {
      details.addEventListener("toggle", function () {
        if (details.open) { draw(el); }
      });
    } else {
      draw(el);
    }
  });
})();
