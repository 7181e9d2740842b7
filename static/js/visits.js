// Visits pages: the checklist's live progress ("5/17") while boxes are ticked.
(function () {
  "use strict";
  function updateProgress(form) {
    var boxes = form.querySelectorAll("input[type=checkbox][name=items]");
    var ticked = form.querySelectorAll("input[type=checkbox][name=items]:checked").length;
    var out = document.querySelector("[data-checklist-progress]");
    if (out) { out.textContent = ticked + "/" + boxes.length; }
  }
  document.querySelectorAll("form[data-checklist]").forEach(function (form) {
    form.addEventListener("change", function () { updateProgress(form); });
  });
})();

// Visit and touch forms: choosing the account reloads the form with that account's contacts.
(function () {
  "use strict";
  document.querySelectorAll("form[data-pick-account] select[name=account]").forEach(function (select) {
    select.addEventListener("change", function () {
      if (select.value) {
        var params = new URLSearchParams(window.location.search);
        params.set("account", select.value);
        window.location.search = params.toString();
      }
    });
  });
})();
