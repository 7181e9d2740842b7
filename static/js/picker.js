// Type-ahead pickers (core.pickers.PickerInput): the plain input holding a record's id becomes
// a combobox searching an API list endpoint (?q=), which answers only what the user may see.
// Keyboard: arrows move, Enter picks, Esc closes (twice: clears). Without this script the
// plain input takes an id or a code and the server checks it.
(function () {
  "use strict";
  var count = 0;

  function text(el, value) { el.textContent = value == null ? "" : String(value); return el; }

  function describe(kind, row) {
    if (kind === "account") {
      return [row.name, [row.external_code, row.uscc].filter(Boolean).join(" · ")];
    }
    if (kind === "contact") {
      return [row.name, [row.title, row.phone].filter(Boolean).join(" · ")];
    }
    var full = [row.first_name, row.last_name].filter(Boolean).join(" ");
    return [full || row.username, full ? row.username : ""];
  }

  function init(value) {
    count += 1;
    var kind = value.dataset.pickerKind;
    var form = value.form;
    var listId = "picker-list-" + count;
    var box = document.createElement("input");
    box.type = "text";
    box.id = value.id;
    value.id = value.id + "_value";
    box.name = value.name + "__text";
    box.className = value.className;
    box.value = value.dataset.pickerLabel || "";
    box.setAttribute("role", "combobox");
    box.setAttribute("aria-autocomplete", "list");
    box.setAttribute("aria-expanded", "false");
    box.setAttribute("aria-controls", listId);
    box.setAttribute("autocomplete", "off");
    box.setAttribute("autocapitalize", "off");
    box.setAttribute("spellcheck", "false");
    box.setAttribute("enterkeyhint", "search");
    ["aria-describedby", "aria-invalid", "placeholder", "required"].forEach(function (name) {
      if (value.hasAttribute(name)) { box.setAttribute(name, value.getAttribute(name)); }
    });
    var wrap = document.createElement("div");
    wrap.className = "picker";
    var list = document.createElement("ul");
    list.id = listId;
    list.className = "picker-list";
    list.setAttribute("role", "listbox");
    list.hidden = true;
    var status = document.createElement("span");
    status.className = "sr-only";
    status.setAttribute("role", "status");
    value.parentNode.insertBefore(wrap, value);
    wrap.appendChild(box);
    wrap.appendChild(list);
    wrap.appendChild(status);
    wrap.appendChild(value);
    value.type = "hidden";

    var active = -1, timer = null, asked = 0;

    function options() { return list.querySelectorAll("[role=option]"); }

    function close() {
      list.hidden = true;
      box.setAttribute("aria-expanded", "false");
      box.removeAttribute("aria-activedescendant");
      active = -1;
    }

    function highlight(index) {
      var opts = options();
      if (!opts.length) { return; }
      active = (index + opts.length) % opts.length;
      opts.forEach(function (opt, i) { opt.setAttribute("aria-selected", i === active ? "true" : "false"); });
      box.setAttribute("aria-activedescendant", opts[active].id);
      opts[active].scrollIntoView({ block: "nearest" });
    }

    function pick(opt) {
      value.value = opt.dataset.id;
      box.value = opt.dataset.label;
      box.removeAttribute("aria-invalid");
      close();
      value.dispatchEvent(new Event("change", { bubbles: true }));
    }

    function show(rows) {
      list.replaceChildren();
      rows.forEach(function (row, i) {
        var labels = describe(kind, row);
        var li = document.createElement("li");
        li.id = listId + "-" + i;
        li.setAttribute("role", "option");
        li.setAttribute("aria-selected", "false");
        li.dataset.id = row.id;
        li.dataset.label = labels[0];
        li.appendChild(text(document.createElement("span"), labels[0]));
        if (labels[1]) { li.appendChild(text(document.createElement("small"), labels[1])); }
        list.appendChild(li);
      });
      if (!rows.length) {
        list.appendChild(text(document.createElement("li"), value.dataset.pickerEmpty));
        list.lastChild.className = "picker-empty";
      }
      text(status, rows.length ? rows.length + " " + value.dataset.pickerResults : value.dataset.pickerEmpty);
      list.hidden = false;
      box.setAttribute("aria-expanded", "true");
      active = -1;
      box.removeAttribute("aria-activedescendant");
    }

    function search() {
      var q = box.value.trim();
      if (!q) { close(); return; }
      var params = new URLSearchParams(value.dataset.pickerParams || "");
      params.set("q", q);
      params.set("page_size", "8");
      var narrow = value.dataset.pickerNarrow && form && form.elements[value.dataset.pickerNarrow];
      if (narrow && /^\d+$/.test(narrow.value)) { params.set(value.dataset.pickerNarrowParam, narrow.value); }
      asked += 1;
      var mine = asked;
      fetch(value.dataset.picker + "?" + params.toString(), {
        credentials: "same-origin",
        headers: { Accept: "application/json" },
      }).then(function (response) {
        return response.ok ? response.json() : { results: [] };
      }).then(function (data) {
        if (mine === asked && document.activeElement === box) { show(data.results || []); }
      }).catch(function () { /* offline: the server checks what is typed */ });
    }

    box.addEventListener("input", function () {
      if (value.value) {
        value.value = "";
        value.dispatchEvent(new Event("change", { bubbles: true }));
      }
      window.clearTimeout(timer);
      timer = window.setTimeout(search, 150);
    });
    box.addEventListener("keydown", function (event) {
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        event.preventDefault();
        if (list.hidden) { search(); return; }
        highlight(active + (event.key === "ArrowDown" ? 1 : -1));
      } else if (event.key === "Enter" && !list.hidden) {
        var opts = options();
        if (active >= 0 && opts[active]) { event.preventDefault(); pick(opts[active]); }
      } else if (event.key === "Escape") {
        if (!list.hidden) { event.preventDefault(); close(); }
        else if (box.value) {
          event.preventDefault();
          box.value = "";
          value.value = "";
          value.dispatchEvent(new Event("change", { bubbles: true }));
        }
      }
    });
    box.addEventListener("blur", function () { window.setTimeout(close, 150); });
    // Keep the focus in the box while an option is pressed, then pick it.
    list.addEventListener("mousedown", function (event) { event.preventDefault(); });
    list.addEventListener("click", function (event) {
      var opt = event.target.closest("[role=option]");
      if (opt) { pick(opt); box.focus(); }
    });
    if (value.dataset.pickerNarrow && form) {
      form.addEventListener("change", function (event) {
        if (event.target.name === value.dataset.pickerNarrow && event.target !== value) {
          value.value = "";
          box.value = "";
        }
      });
    }
  }

  document.querySelectorAll("input[data-picker]").forEach(init);
})();
