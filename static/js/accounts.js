// The account list's bulk reassignment: tick the page, count the choice, confirm it.
(function () {
  "use strict";
  var form = document.getElementById("bulk-reassign");
  if (!form) return;
  var boxes = function () {
    return document.querySelectorAll('input[name="account_ids"][form="bulk-reassign"]');
  };
  var pageBox = document.querySelector("input.bulk-page");
  if (pageBox) {
    pageBox.addEventListener("change", function () {
      boxes().forEach(function (box) { box.checked = pageBox.checked; });
    });
  }
  form.addEventListener("submit", function (event) {
    var all = form.querySelector("input.bulk-all").checked;
    var ticked = Array.prototype.filter.call(boxes(), function (box) { return box.checked; });
    var n = all ? form.dataset.total : String(ticked.length);
    if (!all && ticked.length === 0) {
      event.preventDefault();
      window.alert(form.dataset.none);
      return;
    }
    var select = form.querySelector('select[name="new_owner"]');
    var owner = select.options[select.selectedIndex].text;
    if (!window.confirm(form.dataset.confirm.replace("__N__", n).replace("__OWNER__", owner))) {
      event.preventDefault();
    }
  });
})();
