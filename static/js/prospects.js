/* Prospects pages: drag and drop on the pipeline board, the worksheet's running total.
   The board's buttons work without this file; a drop posts to the same move URL. */
(function () {
  "use strict";

  function csrfToken(element) {
    var input = element.querySelector("input[name=csrfmiddlewaretoken]") ||
      document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function say(board, text) {
    var status = document.querySelector("[data-board-status]");
    if (status) { status.textContent = text; }
  }

  function bump(column, delta) {
    if (!column) { return; }
    var count = column.querySelector("[data-count]");
    if (count) { count.textContent = String(parseInt(count.textContent, 10) + delta); }
    var empty = column.querySelector("[data-empty]");
    if (empty) { empty.hidden = column.querySelectorAll(".p-card").length > 0; }
    var tab = document.querySelector('[role=tab][data-colour="' + column.getAttribute("data-colour") + '"]');
    var tabCount = tab ? tab.querySelector("[data-tab-count]") : null;
    if (tabCount && count) { tabCount.textContent = count.textContent; }
  }

  // On a phone the board shows one colour at a time behind tabs (role=tablist, arrow keys move
  // between them); on a desktop the three columns stand side by side. The chosen colour is
  // kept for the session so a move by button (a page reload) stays on the same tab.
  var TAB_KEY = "prospects-board-tab";
  var PHONE = "(max-width: 760px)";
  var PHONE_CARDS = 10;

  function initTabs(tablist, board) {
    var tabs = Array.prototype.slice.call(tablist.querySelectorAll("[role=tab]"));
    var phone = window.matchMedia(PHONE);
    if (!tabs.length) { return; }

    function panelOf(tab) { return document.getElementById(tab.getAttribute("aria-controls")); }

    function select(tab, focus) {
      tabs.forEach(function (other) {
        var selected = other === tab;
        other.setAttribute("aria-selected", selected ? "true" : "false");
        other.tabIndex = selected ? 0 : -1;
        panelOf(other).classList.toggle("is-active", selected);
      });
      if (focus) { tab.focus(); }
      try { window.sessionStorage.setItem(TAB_KEY, tab.getAttribute("data-colour")); } catch (e) { /* private mode */ }
    }

    // A phone's tab shows the first cards of its colour; the rest behind "Show every card",
    // so the page stays a few screens long (the board holds up to 50 cards a colour).
    function clip() {
      tabs.forEach(function (tab) {
        var panel = panelOf(tab);
        var button = panel.querySelector("[data-show-all]");
        var long = panel.querySelectorAll(".p-card").length > PHONE_CARDS;
        var clipped = phone.matches && long && !panel.hasAttribute("data-shown-all");
        panel.classList.toggle("is-clipped", clipped);
        if (button) { button.hidden = !clipped; }
      });
    }

    board.addEventListener("click", function (event) {
      var button = event.target.closest ? event.target.closest("[data-show-all]") : null;
      if (!button) { return; }
      button.closest(".board-col").setAttribute("data-shown-all", "");
      clip();
    });

    function apply() {
      clip();
      board.classList.toggle("is-tabbed", phone.matches);
      tablist.hidden = !phone.matches;
      tabs.forEach(function (tab) {
        var panel = panelOf(tab);
        if (phone.matches) {
          panel.setAttribute("role", "tabpanel");
          panel.setAttribute("aria-labelledby", tab.id);
        } else {
          panel.removeAttribute("role");
          panel.setAttribute("aria-labelledby", panel.id + "-h");
        }
      });
    }

    tablist.addEventListener("click", function (event) {
      var tab = event.target.closest ? event.target.closest("[role=tab]") : null;
      if (tab) { select(tab, false); }
    });
    tablist.addEventListener("keydown", function (event) {
      var index = tabs.indexOf(document.activeElement);
      if (index < 0) { return; }
      var next = null;
      if (event.key === "ArrowRight") { next = tabs[(index + 1) % tabs.length]; }
      if (event.key === "ArrowLeft") { next = tabs[(index - 1 + tabs.length) % tabs.length]; }
      if (event.key === "Home") { next = tabs[0]; }
      if (event.key === "End") { next = tabs[tabs.length - 1]; }
      if (next) {
        event.preventDefault();
        select(next, true);
      }
    });

    var saved = null;
    try { saved = window.sessionStorage.getItem(TAB_KEY); } catch (e) { /* private mode */ }
    var first = tabs.filter(function (tab) { return tab.getAttribute("data-colour") === saved; })[0] || tabs[0];
    select(first, false);
    apply();
    if (phone.addEventListener) { phone.addEventListener("change", apply); }
  }

  function move(board, card, colour) {
    var body = new URLSearchParams();
    body.set("colour", colour);
    body.set("csrfmiddlewaretoken", csrfToken(card));
    card.classList.add("moving");
    return fetch(card.getAttribute("data-move-url"), {
      method: "POST",
      credentials: "same-origin",
      headers: {
        "Accept": "application/json",
        "Content-Type": "application/x-www-form-urlencoded",
        "X-CSRFToken": csrfToken(card)
      },
      body: body.toString()
    }).then(function (response) {
      return response.json().then(function (data) { return { ok: response.ok, data: data }; });
    }).then(function (result) {
      card.classList.remove("moving");
      if (!result.ok || !result.data.ok) {
        say(board, (result.data && result.data.error) || "Error");
        return;
      }
      var source = card.closest(".board-col");
      var column = board.querySelector('.board-col[data-colour="' + result.data.colour + '"]');
      card.classList.remove("colour-green", "colour-yellow", "colour-red");
      card.classList.add("colour-" + result.data.colour);
      if (column && column !== source) {
        var list = column.querySelector("[data-cards]");
        list.insertBefore(card, list.firstChild);
        bump(source, -1);
        bump(column, 1);
      }
      say(board, result.data.message);
    }).catch(function () {
      card.classList.remove("moving");
      say(board, "Network error");
    });
  }

  function initBoard(board) {
    window.crmBoardDrag(board, {
      card: ".p-card",
      column: ".board-col",
      drop: function (card, column) {
        var colour = column.getAttribute("data-colour");
        if (card.classList.contains("colour-" + colour)) { return; }
        move(board, card, colour);
      }
    });
  }

  function initWorksheet(form) {
    var total = form.querySelector("[data-worksheet-total]");
    if (!total) { return; }
    function update() {
      total.textContent = String(form.querySelectorAll("input.toggle-input:checked").length);
    }
    form.addEventListener("change", update);
    update();
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-board]").forEach(initBoard);
    var tablist = document.querySelector("[data-board-tabs]");
    var board = document.querySelector("[data-board]");
    if (tablist && board) { initTabs(tablist, board); }
    document.querySelectorAll("[data-worksheet-form]").forEach(initWorksheet);
  });
})();
