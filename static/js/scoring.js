/* Scoring pages: the Pareto chart (Chart.js, data from json_script) and the progress of a
   queued recompute. No inline scripts: everything is wired from data attributes. */
(function () {
  "use strict";

  function paretoChart() {
    var canvas = document.getElementById("pareto-chart");
    var source = document.getElementById("pareto-data");
    if (!canvas || !source || typeof window.Chart === "undefined") return;
    var data = JSON.parse(source.textContent);
    if (!data) return;
    var points = data.x.map(function (x, i) { return { x: x, y: data.y[i] }; });
    new window.Chart(canvas, {
      type: "line",
      data: {
        datasets: [
          { label: data.label, data: points, borderColor: "#1f5fbf", backgroundColor: "rgba(31,95,191,.12)",
            fill: true, pointRadius: 0, borderWidth: 2, tension: 0 },
          { label: "20%", data: [{ x: 20, y: 0 }, { x: 20, y: data.mark20 }, { x: 0, y: data.mark20 }],
            borderColor: "#b42318", borderDash: [4, 4], pointRadius: 0, borderWidth: 1, fill: false },
          { label: "80%", data: [{ x: data.mark80, y: 0 }, { x: data.mark80, y: 80 }, { x: 0, y: 80 }],
            borderColor: "#b54708", borderDash: [2, 3], pointRadius: 0, borderWidth: 1, fill: false }
        ]
      },
      options: {
        animation: false,
        maintainAspectRatio: false,
        parsing: false,
        scales: {
          x: { type: "linear", min: 0, max: 100, title: { display: true, text: data.xLabel } },
          y: { min: 0, max: 100, title: { display: true, text: data.yLabel } }
        },
        plugins: { legend: { position: "bottom" } }
      }
    });
  }

  function pollRun() {
    var holder = document.querySelector("[data-run-poll]");
    if (!holder) return;
    var url = holder.getAttribute("data-run-poll");
    var tries = 0;
    function check() {
      tries += 1;
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (run) {
          if (run && (run.status === "succeeded" || run.status === "failed")) {
            window.location.reload();
          } else if (tries < 600) {
            window.setTimeout(check, Math.min(2000 + tries * 250, 10000));
          }
        })
        .catch(function () { if (tries < 600) window.setTimeout(check, 5000); });
    }
    window.setTimeout(check, 1500);
  }

  document.addEventListener("DOMContentLoaded", function () {
    paretoChart();
    pollRun();
  });
})();
