/* Samen dashboard: draw the Plotly figures embedded as JSON next to each chart.
   Loaded as a file (the Content-Security-Policy allows no inline script). Without
   JavaScript the tables under each chart hold every number.

   On a phone the tables come first: this script is deferred and small, and plotly.js
   (the URL in this script's data-plotly, its style sheet in data-plotly-css) is fetched
   only after the page's load event,
   so it never holds up the first paint or the load event. A chart is drawn when it comes
   near the screen (IntersectionObserver), one at a time, so a long page does not draw
   a dozen charts at once; a chart inside a closed <details> waits until it is opened. */
(function () {
  "use strict";
  document.documentElement.classList.add("js");
  var me = document.currentScript;
  var source = me && me.getAttribute("data-plotly");
  var styles = me && me.getAttribute("data-plotly-css");
  if (!source) { return; }
  var config = { displayModeBar: false, responsive: true, staticPlot: false };
  var waiting = [];
  var requested = false;
  var failed = false;

  function fetchPlotly() {
    if (requested) { return; }
    requested = true;
    // plotly.js's own rules, as a file (the Content-Security-Policy allows no inline style):
    // plotly.js writes no <style> of its own when it finds this element, and it is linked
    // here rather than in the page so it does not hold up the page's first paint.
    if (styles && !document.getElementById("plotly.js-style-global")) {
      var link = document.createElement("link");
      link.rel = "stylesheet";
      link.id = "plotly.js-style-global";
      link.className = "no-inline-styles";
      link.href = styles;
      document.head.appendChild(link);
    }
    var script = document.createElement("script");
    script.src = source;
    script.onload = function () { drawNext(); };
    script.onerror = function () { failed = true; };
    document.head.appendChild(script);
  }

  function draw(el) {
    var data = document.getElementById(el.getAttribute("data-figure"));
    if (!data) { return; }
    var figure = JSON.parse(data.textContent);
    el.setAttribute("data-drawn", "1");
    window.Plotly.newPlot(el, figure.data, figure.layout, config);
  }

  // Draw the charts in view one per animation frame, so the page stays responsive.
  function drawNext() {
    if (failed || typeof window.Plotly === "undefined") { return; }
    var el = waiting.shift();
    if (!el) { return; }
    if (!el.getAttribute("data-drawn")) { draw(el); }
    if (waiting.length) { window.requestAnimationFrame(drawNext); }
  }

  function want(el) {
    waiting.push(el);
    if (typeof window.Plotly !== "undefined") {
      if (waiting.length === 1) { window.requestAnimationFrame(drawNext); }
    } else if (document.readyState === "complete") {
      fetchPlotly();
    }
  }

  var observer = "IntersectionObserver" in window
    ? new window.IntersectionObserver(function (entries) {
        entries.forEach(function (entry) {
          if (entry.isIntersecting) {
            observer.unobserve(entry.target);
            want(entry.target);
          }
        });
      }, { rootMargin: "300px 0px" })
    : null;

  function watch(el) {
    if (observer) { observer.observe(el); } else { want(el); }
  }

  document.querySelectorAll(".chart").forEach(function (el) {
    var details = el.closest("details");
    if (details && !details.open) {
      details.addEventListener("toggle", function () {
        if (details.open && !el.getAttribute("data-drawn")) { watch(el); }
      });
    } else {
      watch(el);
    }
  });

  // After the load event plotly.js is fetched whether or not a chart is in view yet, so
  // it is at hand (and cached for a year) by the time one scrolls near.
  if (document.readyState === "complete") {
    fetchPlotly();
  } else {
    window.addEventListener("load", fetchPlotly);
  }
})();
