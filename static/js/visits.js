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

// Visit form: picking the account (static/js/picker.js) lists that account's contacts to tick,
// read from the contacts API, without reloading the page (what is typed stays).
(function () {
  "use strict";
  document.querySelectorAll("form[data-contacts-url]").forEach(function (form) {
    var box = form.querySelector("#id_contacts");
    var account = form.elements.account;
    if (!box || !account || account.type !== "hidden" || !account.dataset.picker) { return; }
    account.addEventListener("change", function () {
      box.replaceChildren();
      if (!/^\d+$/.test(account.value)) { return; }
      var params = new URLSearchParams({ account: account.value, page_size: "200", ordering: "name" });
      fetch(form.dataset.contactsUrl + "?" + params.toString(), {
        credentials: "same-origin",
        headers: { Accept: "application/json" },
      }).then(function (response) {
        return response.ok ? response.json() : { results: [] };
      }).then(function (data) {
        (data.results || []).forEach(function (contact, i) {
          var row = document.createElement("div");
          var label = document.createElement("label");
          var input = document.createElement("input");
          input.type = "checkbox";
          input.name = "contacts";
          input.value = contact.id;
          input.id = "id_contacts_" + i;
          label.htmlFor = input.id;
          label.appendChild(input);
          label.appendChild(document.createTextNode(" " + contact.name));
          row.appendChild(label);
          box.appendChild(row);
        });
      }).catch(function () { /* offline: contacts can be added when editing the visit */ });
    });
  });
})();
