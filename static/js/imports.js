// Imports: poll a running check, import or undo and move the progress bar; reload when it ends.
(function () {
  "use strict";
  var box = document.getElementById("imp-progress");
  if (!box) { return; }
  var url = box.getAttribute("data-url");
  var phases = {};
  var phasesNode = document.getElementById("imp-phases");
  if (phasesNode) { phases = JSON.parse(phasesNode.textContent); }
  var bar = document.getElementById("imp-bar");
  var percent = document.getElementById("imp-percent");
  var phase = document.getElementById("imp-phase");
  var rows = document.getElementById("imp-rows");
  var status = document.getElementById("imp-status");
  var active = { validating: true, queued: true, running: true, undoing: true };
  var delay = 700;

  function show(data) {
    bar.value = data.progress;
    bar.textContent = data.progress + "%";
    percent.textContent = data.progress;
    phase.textContent = Object.prototype.hasOwnProperty.call(phases, data.phase) ? phases[data.phase] : data.phase;
    if (rows) { rows.textContent = Number(data.rows_read).toLocaleString(); }
    if (status) { status.textContent = data.status_display; }
  }

  function poll() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) { throw new Error(String(response.status)); }
        return response.json();
      })
      .then(function (data) {
        show(data);
        if (active[data.status] && !data.stale) {
          window.setTimeout(poll, delay);
        } else {
          bar.value = 100;
          window.location.reload();
        }
      })
      .catch(function () {
        delay = Math.min(delay * 2, 10000);
        window.setTimeout(poll, delay);
      });
  }

  window.setTimeout(poll, delay);
})();
