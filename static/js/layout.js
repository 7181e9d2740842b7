/* Layout on every page: on a phone a list's filter form folds behind one "Filters" button that
   shows how many filters are set. Without this file (or on a desktop) the form stays visible;
   the CSS hides a folded form only below 600 px. */
(function () {
  "use strict";

  // Fields that order or page a list are not filters.
  var NOT_FILTERS = { sort: true, page: true, csrfmiddlewaretoken: true };

  // A type-ahead picker (static/js/picker.js) is one filter: its id input (hidden once the
  // picker is on) and its search box, named "<name>__text", which holds text typed without
  // picking. Either in the query string makes the filter active.
  function filterName(form, field) {
    var typed = /^(.+)__text$/.exec(field.name);
    if (typed) {
      var value = form.elements[typed[1]];
      if (value && value.hasAttribute && value.hasAttribute("data-picker")) { return typed[1]; }
    }
    return field.name;
  }

  function activeFilters(form) {
    // A filter is active when the page was asked for with it (the query string), not when the
    // form shows a default value.
    var params = new URLSearchParams(window.location.search);
    var names = {};
    Array.prototype.forEach.call(form.elements, function (field) {
      if (!field.name || NOT_FILTERS[field.name]) { return; }
      if (field.type === "submit" || field.type === "button") { return; }
      if (field.type === "hidden" && !field.hasAttribute("data-picker")) { return; }
      params.getAll(field.name).forEach(function (value) {
        if (value.trim() !== "") { names[filterName(form, field)] = true; }
      });
    });
    return Object.keys(names).length;
  }

  function hasErrors(form) {
    var next = form.nextElementSibling;
    return Boolean(form.querySelector(".errorlist") ||
      (next && next.classList.contains("errorlist")));
  }

  var folded = 0;

  function foldFilters(form, template) {
    var button = template.content.firstElementChild.cloneNode(true);
    if (!form.id) {
      folded += 1;
      form.id = "filters-" + folded;
    }
    button.setAttribute("aria-controls", form.id);
    var count = activeFilters(form);
    var badge = button.querySelector("[data-filter-count]");
    if (count > 0) {
      badge.textContent = String(count);
      badge.hidden = false;
    }
    function setOpen(open) {
      form.classList.toggle("is-open", open);
      button.setAttribute("aria-expanded", open ? "true" : "false");
    }
    button.addEventListener("click", function () {
      setOpen(!form.classList.contains("is-open"));
    });
    form.classList.add("is-foldable");
    form.parentNode.insertBefore(button, form);
    setOpen(hasErrors(form));
  }

  document.addEventListener("DOMContentLoaded", function () {
    var template = document.getElementById("filter-toggle-template");
    if (!template || !template.content) { return; }
    document.querySelectorAll("form.filters").forEach(function (form) {
      if ((form.getAttribute("method") || "get").toLowerCase() !== "get") { return; }
      if (form.hasAttribute("data-filters-always")) { return; }
      foldFilters(form, template);
    });
  });
})();
