/* leankit report: render plotly figures lazily (when they scroll into view), all at once
   before printing, and open collapsed sections that contain the printed page. */
(function () {
  "use strict";
  var rendered = new WeakSet();
  var templates = {};
  function render(el) {
    if (rendered.has(el)) { return; }
    rendered.add(el);
    var data = document.getElementById(el.id + "-data");
    if (!data) { return; }
    var spec = JSON.parse(data.textContent);
    var tid = data.getAttribute("data-template");
    if (tid && !templates[tid]) {
      var t = document.getElementById(tid);
      templates[tid] = t ? JSON.parse(t.textContent) : null;
    }
    spec.layout = spec.layout || {};
    if (tid && templates[tid]) { spec.layout.template = templates[tid]; }
    var config = {responsive: true, displaylogo: false, toImageButtonOptions: {format: "png"}};
    window.Plotly.newPlot(el, spec.data, spec.layout, config);
  }
  function renderAll() {
    document.querySelectorAll("details.lk-item").forEach(function (d) { d.open = true; });
    document.querySelectorAll(".lk-plot").forEach(render);
  }
  window.leankitRenderAll = renderAll;
  window.addEventListener("beforeprint", renderAll);
  document.addEventListener("DOMContentLoaded", function () {
    var plots = document.querySelectorAll(".lk-plot");
    if (!("IntersectionObserver" in window)) { plots.forEach(render); return; }
    var io = new IntersectionObserver(function (entries) {
      entries.forEach(function (e) { if (e.isIntersecting) { render(e.target); io.unobserve(e.target); } });
    }, {rootMargin: "300px"});
    plots.forEach(function (p) { io.observe(p); });
    document.querySelectorAll("details.lk-item").forEach(function (d) {
      d.addEventListener("toggle", function () {
        if (d.open) { d.querySelectorAll(".lk-plot").forEach(function (p) { render(p); }); }
      });
    });
  });
})();
