/* Manager dashboard: charts drawn with the vendored Chart.js from the json_script
   "dashboard-data"; every chart's numbers are also in the table after it. No inline script
   (strict CSP). Clicks: a scatter point opens its account, a scatter area lists its quadrant,
   a tier bar lists its tier. */
(function () {
  "use strict";

  var charts = {};
  window.dashboardCharts = charts;

  function draw(id, config) {
    var canvas = document.getElementById(id);
    if (!canvas) return null;
    config.options = Object.assign({ animation: false, maintainAspectRatio: false, responsive: true }, config.options || {});
    charts[id] = new window.Chart(canvas, config);
    return charts[id];
  }

  function legend() { return { legend: { position: "bottom" } }; }

  function tiers(d) {
    var chart = draw("chart-tiers", {
      type: "bar",
      data: {
        labels: d.labels,
        datasets: [
          { label: d.customerLabel, data: d.customerShare, backgroundColor: "#98a2b3" },
          { label: d.revenueLabel, data: d.revenueShare, backgroundColor: "#1f5fbf" }
        ]
      },
      options: {
        scales: { y: { min: 0, max: 100 } },
        plugins: legend(),
        onClick: function (event, elements) {
          if (elements.length) window.location.href = d.links[elements[0].index];
        }
      }
    });
    return chart;
  }

  function pareto(d) {
    if (!d.x.length) return;
    var points = d.x.map(function (x, i) { return { x: x, y: d.y[i] }; });
    draw("chart-pareto", {
      type: "line",
      data: {
        datasets: [
          { label: d.label, data: points, borderColor: "#1f5fbf", backgroundColor: "rgba(31,95,191,.12)",
            fill: true, pointRadius: 0, borderWidth: 2, tension: 0 },
          { label: "20%", data: [{ x: 20, y: 0 }, { x: 20, y: d.mark20 }, { x: 0, y: d.mark20 }],
            borderColor: "#b42318", borderDash: [4, 4], pointRadius: 0, borderWidth: 1, fill: false },
          { label: "80%", data: [{ x: d.mark80, y: 0 }, { x: d.mark80, y: 80 }, { x: 0, y: 80 }],
            borderColor: "#b54708", borderDash: [2, 3], pointRadius: 0, borderWidth: 1, fill: false }
        ]
      },
      options: {
        parsing: false,
        scales: {
          x: { type: "linear", min: 0, max: 100, title: { display: true, text: d.xLabel } },
          y: { min: 0, max: 100, title: { display: true, text: d.yLabel } }
        },
        plugins: legend()
      }
    });
  }

  var QUADRANT_COLOURS = { 1: "#667085", 2: "#067647", 3: "#1f5fbf", 4: "#b42318" };
  var QUADRANT_FILLS = { 1: "rgba(102,112,133,.06)", 2: "rgba(6,118,71,.07)", 3: "rgba(31,95,191,.07)", 4: "rgba(180,35,24,.07)" };

  function quadrantOf(d, x, y) {
    var highInput = x > d.input, highOutput = y > d.output;
    if (highOutput) return highInput ? 3 : 2;
    return highInput ? 4 : 1;
  }

  // Shades the four areas split at the thresholds, behind the points.
  var quadrantAreas = {
    id: "quadrantAreas",
    beforeDatasetsDraw: function (chart, args, options) {
      var d = options.data;
      if (!d) return;
      var xs = chart.scales.x, ys = chart.scales.y, area = chart.chartArea, ctx = chart.ctx;
      var xt = Math.min(Math.max(xs.getPixelForValue(d.input), area.left), area.right);
      var yt = Math.min(Math.max(ys.getPixelForValue(d.output), area.top), area.bottom);
      var boxes = { 2: [area.left, area.top, xt, yt], 3: [xt, area.top, area.right, yt],
                    1: [area.left, yt, xt, area.bottom], 4: [xt, yt, area.right, area.bottom] };
      ctx.save();
      Object.keys(boxes).forEach(function (q) {
        var b = boxes[q];
        ctx.fillStyle = QUADRANT_FILLS[q];
        ctx.fillRect(b[0], b[1], b[2] - b[0], b[3] - b[1]);
        ctx.fillStyle = QUADRANT_COLOURS[q];
        ctx.font = "bold 14px sans-serif";
        ctx.fillText(q, q === "1" || q === "2" ? b[0] + 6 : b[2] - 16, q === "2" || q === "3" ? b[1] + 16 : b[3] - 6);
      });
      ctx.strokeStyle = "#98a2b3";
      ctx.setLineDash([4, 4]);
      ctx.beginPath();
      ctx.moveTo(xt, area.top); ctx.lineTo(xt, area.bottom);
      ctx.moveTo(area.left, yt); ctx.lineTo(area.right, yt);
      ctx.stroke();
      ctx.restore();
    }
  };

  function scatter(d) {
    if (!d.points.length) return;
    var byQuadrant = { 1: [], 2: [], 3: [], 4: [] };
    d.points.forEach(function (p) { byQuadrant[p.q].push(p); });
    var datasets = Object.keys(byQuadrant).map(function (q) {
      return { label: d.quadrantLabels[q], data: byQuadrant[q], backgroundColor: QUADRANT_COLOURS[q],
               pointRadius: 4, pointHoverRadius: 6 };
    });
    var chart = draw("chart-scatter", {
      type: "scatter",
      data: { datasets: datasets },
      plugins: [quadrantAreas],
      options: {
        parsing: { xAxisKey: "x", yAxisKey: "y" },
        scales: {
          x: { type: "linear", beginAtZero: true, title: { display: true, text: d.xLabel } },
          y: { type: "linear", beginAtZero: true, title: { display: true, text: d.yLabel } }
        },
        plugins: {
          legend: { position: "bottom" },
          quadrantAreas: { data: d },
          tooltip: { callbacks: { label: function (item) { return item.raw.name; } } }
        },
        onHover: function (event, elements, c) {
          c.canvas.style.cursor = elements.length ? "pointer" : "crosshair";
        },
        onClick: function (event, elements, c) {
          if (elements.length) {
            var el = elements[0];
            window.location.href = c.data.datasets[el.datasetIndex].data[el.index].url;
            return;
          }
          var area = c.chartArea;
          if (event.x < area.left || event.x > area.right || event.y < area.top || event.y > area.bottom) return;
          var x = c.scales.x.getValueForPixel(event.x), y = c.scales.y.getValueForPixel(event.y);
          window.location.href = d.quadrantLinks[String(quadrantOf(d, x, y))];
        }
      }
    });
    return chart;
  }

  function effort(d) {
    draw("chart-effort", {
      type: "bar",
      data: {
        labels: d.labels,
        datasets: [
          { label: d.visitLabel, data: d.visitShare, backgroundColor: "#98a2b3" },
          { label: d.hoursLabel, data: d.hoursShare, backgroundColor: "#b54708" },
          { label: d.revenueLabel, data: d.revenueShare, backgroundColor: "#1f5fbf" }
        ]
      },
      options: { scales: { y: { min: 0, max: 100 } }, plugins: legend() }
    });
  }

  function pipeline(d) {
    if (!d.labels.length) return;
    draw("chart-pipeline", {
      type: "bar",
      data: {
        labels: d.labels,
        datasets: [
          { label: d.greenLabel, data: d.green, backgroundColor: "#12b76a", stack: "p" },
          { label: d.yellowLabel, data: d.yellow, backgroundColor: "#fdb022", stack: "p" },
          { label: d.redLabel, data: d.red, backgroundColor: "#f04438", stack: "p" },
          { type: "line", label: d.shareLabel, data: d.share, showLine: false,
            borderColor: "#101828", backgroundColor: "#101828", pointStyle: "line", pointRadius: 12, borderWidth: 2 }
        ]
      },
      options: { indexAxis: "x", scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true } }, plugins: legend() }
    });
  }

  function worksheets(d) {
    draw("chart-worksheets", {
      type: "bar",
      data: { labels: d.labels, datasets: [{ label: d.label, data: d.accounts, backgroundColor: "#1f5fbf" }] },
      options: { scales: { y: { beginAtZero: true, ticks: { precision: 0 } } }, plugins: { legend: { display: false } } }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var button = document.querySelector("[data-print]");
    if (button) button.addEventListener("click", function () { window.print(); });
    var source = document.getElementById("dashboard-data");
    if (!source || typeof window.Chart === "undefined") return;
    var data = JSON.parse(source.textContent);
    if (!data) return;
    tiers(data.tiers);
    pareto(data.pareto);
    scatter(data.scatter);
    effort(data.effort);
    pipeline(data.pipeline);
    worksheets(data.worksheets);
  });
})();
