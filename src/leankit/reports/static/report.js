/* leankit report: render plotly figures lazily (when they scroll into view); before
   printing, open every item, render every figure and size it to the printed width (and
   back afterwards); the contents collapse on narrow screens; each table's "Download CSV"
   button saves the CSV embedded in the page (no network). */
(function () {
  "use strict";
  // Printed chart width when the print layout cannot be measured: A4 (210 mm) less the
  // 2 x 12.7 mm page margins of report.css is 184.6 mm = 697.7 px at 96 px per inch
  // (US Letter: 720 px), less the item's border; the print-media listener below then
  // sets each chart to its box's width in the print layout.
  var PRINT_WIDTH = 680;
  // On a phone (a chart box narrower than NARROW px) a figure sized for paper (the A3
  // report's charts are a third of a sheet high) is drawn at least NARROW_HEIGHT px
  // high: its category labels turn vertical there, and the plot area must keep room.
  var NARROW = 500;
  var NARROW_HEIGHT = 360;
  var rendered = new WeakSet();
  var templates = {};
  var printing = false;
  var reopened = [];
  var sized = [];

  function Plotly() { return window.Plotly; }

  function printWidth(el, limit) {
    var w = Math.floor(el.clientWidth);
    if (limit && (!w || w > limit)) { w = limit; }
    return w;
  }

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
    if (!printing && spec.layout.height && el.clientWidth && el.clientWidth < NARROW &&
        spec.layout.height < NARROW_HEIGHT) {
      el.setAttribute("data-paper-height", spec.layout.height);  // printed at this height
      spec.layout.height = NARROW_HEIGHT;
    }
    if (printing) {  // drawn for paper straight away
      sized.push({el: el, width: spec.layout.width, autosize: spec.layout.autosize});
      spec.layout.width = printWidth(el, PRINT_WIDTH);
      spec.layout.autosize = false;
    }
    var config = {responsive: true, displaylogo: false, toImageButtonOptions: {format: "png"}};
    Plotly().newPlot(el, spec.data, spec.layout, config);
  }

  /* Every drawn chart to the width of its box (at most *limit* px when given). */
  function fitPlots(limit) {
    document.querySelectorAll(".lk-plot.js-plotly-plot").forEach(function (el) {
      var paper = el.getAttribute("data-paper-height");  // drawn taller for a phone
      // back to its paper height, and so at least the paper width, never phone-narrow
      var w = paper && limit ? limit : printWidth(el, limit);
      var full = el._fullLayout;
      if (!w || !full || Math.abs(full.width - w) < 1) { return; }
      if (!sized.some(function (s) { return s.el === el; })) {
        sized.push({el: el, width: el.layout.width, autosize: el.layout.autosize,
                    height: el.layout.height});
      }
      var update = {width: w, autosize: false};
      if (paper) { update.height = Number(paper); }
      Plotly().relayout(el, update);
    });
  }

  function renderAll() {
    document.querySelectorAll("details.lk-item").forEach(function (d) { d.open = true; });
    document.querySelectorAll(".lk-plot").forEach(render);
  }

  function beforePrint() {
    if (printing) { return; }
    printing = true;
    reopened = [];
    document.querySelectorAll("details.lk-item").forEach(function (d) {
      if (!d.open) { reopened.push(d); d.open = true; }
    });
    document.querySelectorAll(".lk-plot").forEach(render);
    fitPlots(PRINT_WIDTH);
  }

  function afterPrint() {
    if (!printing) { return; }
    printing = false;
    var back = sized;
    sized = [];
    back.forEach(function (s) {  // while their items are still open, so they can measure
      if (s.el._initialAutoSize) {  // drawn for the screen first: back to its own width
        var restore = {width: s.width === undefined ? null : s.width,
                       autosize: s.autosize === undefined ? null : s.autosize};
        if (s.height !== undefined) { restore.height = s.height; }
        Plotly().relayout(s.el, restore);
      } else {  // drawn for paper: drawn again for the screen when next seen
        Plotly().purge(s.el);
        rendered.delete(s.el);
      }
    });
    reopened.forEach(function (d) { d.open = false; });
    reopened = [];
    back.forEach(function (s) {
      if (!rendered.has(s.el) && s.el.offsetParent !== null) { render(s.el); }
    });
  }

  function onPrintMedia(e) {  // Chromium calls this while the print layout is active
    if (e.matches && printing) { fitPlots(0); }
  }

  function listen(mq, fn) {
    if (mq.addEventListener) { mq.addEventListener("change", fn); } else { mq.addListener(fn); }
  }

  /* ---- tables: Download CSV */
  function csvName(box) {
    var owner = box.closest("details.lk-item, section.lk-section");
    if (!owner || !owner.id) { return "table.csv"; }
    var mine = Array.prototype.filter.call(owner.querySelectorAll(".lk-table-box"), function (b) {
      return b.closest("details.lk-item, section.lk-section") === owner;
    });
    var k = mine.indexOf(box);
    return owner.id + (mine.length > 1 ? "-" + (k + 1) : "") + ".csv";
  }

  function downloadCsv(btn) {
    var box = btn.closest(".lk-table-box");
    var data = box && box.querySelector("script.lk-csv-data");
    if (!data) { return; }
    var text = JSON.parse(data.textContent);
    // UTF-8 with a byte order mark, so spreadsheets read non-ASCII names correctly
    var blob = new Blob(["\ufeff", text], {type: "text/csv;charset=utf-8"});
    var a = document.createElement("a");
    a.href = URL.createObjectURL(blob);
    a.download = csvName(box);
    a.style.display = "none";
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(function () { URL.revokeObjectURL(a.href); }, 30000);
  }

  /* ---- contents: collapsed on narrow screens */
  function setupToc() {
    var box = document.querySelector("details.lk-toc-box");
    if (!box || !window.matchMedia) { return; }
    var narrow = window.matchMedia("(max-width: 800px)");
    var apply = function () { box.open = !narrow.matches; };
    apply();
    listen(narrow, apply);
    box.addEventListener("click", function (e) {
      if (narrow.matches && e.target.closest && e.target.closest("a")) { box.open = false; }
    });
  }

  window.leankitRenderAll = renderAll;
  window.addEventListener("beforeprint", beforePrint);
  window.addEventListener("afterprint", afterPrint);
  if (window.matchMedia) { listen(window.matchMedia("print"), onPrintMedia); }
  document.addEventListener("click", function (e) {
    var btn = e.target.closest && e.target.closest("button.lk-csv-btn");
    if (btn) { downloadCsv(btn); }
  });
  document.addEventListener("DOMContentLoaded", function () {
    setupToc();
    var plots = document.querySelectorAll(".lk-plot");
    if (!("IntersectionObserver" in window)) { plots.forEach(render); return; }
    var io = new IntersectionObserver(function (entries) {
      entries.forEach(function (e) { if (e.isIntersecting) { render(e.target); io.unobserve(e.target); } });
    }, {rootMargin: "300px"});
    plots.forEach(function (p) { io.observe(p); });
    document.querySelectorAll("details.lk-item").forEach(function (d) {
      d.addEventListener("toggle", function () {
        if (!d.open) { return; }
        d.querySelectorAll(".lk-plot").forEach(function (p) {
          if (!rendered.has(p)) {
            render(p);
          } else if (!printing && p._fullLayout && p.offsetParent !== null) {
            Plotly().Plots.resize(p);  // drawn while hidden or at another width
          }
        });
      });
    });
  });
})();
