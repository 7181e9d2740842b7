/* The deals board (/opportunities/board/): drag a card to a column, or move it with the keys
   (focus a card, left and right arrows choose a column, Enter moves, Escape cancels). A move
   posts to the card's move URL (the same one its "Move to" menu posts without this file);
   moving to Lost first asks for the reason. The columns' count, amount and weighted amount
   follow from the server's answer. */
(function () {
  "use strict";

  function csrfToken(card) {
    var input = card.querySelector("input[name=csrfmiddlewaretoken]") ||
      document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function say(text) {
    var status = document.querySelector("[data-board-status]");
    if (status) { status.textContent = text; }
  }

  var LANG = document.documentElement.lang || "en";
  var MONEY = new Intl.NumberFormat(LANG, { minimumFractionDigits: 2, maximumFractionDigits: 2 });

  function adjust(column, count, amountCents, weightedCents) {
    var countEl = column.querySelector("[data-count]");
    countEl.textContent = String(parseInt(countEl.textContent, 10) + count);
    [["amount", amountCents], ["weighted", weightedCents]].forEach(function (pair) {
      var el = column.querySelector('[data-sum="' + pair[0] + '"]');
      var cents = parseInt(el.getAttribute("data-cents"), 10) + pair[1];
      el.setAttribute("data-cents", String(cents));
      el.textContent = MONEY.format(cents / 100);
    });
    var empty = column.querySelector("[data-empty]");
    if (empty) { empty.hidden = column.querySelectorAll(".deal-card").length > 0; }
  }

  function askLossReason(board) {
    var dialog = document.querySelector("[data-loss-dialog]");
    if (!dialog || typeof dialog.showModal !== "function") { return Promise.resolve(null); }
    var select = dialog.querySelector("[data-loss-reason]");
    select.value = "";
    return new Promise(function (resolve) {
      dialog.addEventListener("close", function onClose() {
        dialog.removeEventListener("close", onClose);
        resolve(dialog.returnValue === "ok" && select.value ? select.value : null);
      });
      dialog.showModal();
      select.focus();
    });
  }

  function post(card, stage, lossReason) {
    var body = new URLSearchParams();
    body.set("stage", stage);
    if (lossReason) { body.set("loss_reason", lossReason); }
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
    });
  }

  function move(board, card, column) {
    var source = card.closest(".deal-col");
    if (!column || column === source) { return Promise.resolve(); }
    var ask = column.hasAttribute("data-lost") ? askLossReason(board) : Promise.resolve("");
    return ask.then(function (reason) {
      if (reason === null) { card.focus(); return; }
      card.classList.add("moving");
      return post(card, column.getAttribute("data-stage"), reason).then(function (result) {
        card.classList.remove("moving");
        if (!result.ok || !result.data.ok) {
          say((result.data && result.data.error) || board.getAttribute("data-error"));
          card.focus();
          return;
        }
        var data = result.data;
        var target = board.querySelector('.deal-col[data-column="' + data.column + '"]') || column;
        var list = target.querySelector("[data-cards]");
        list.insertBefore(card, list.firstChild);
        adjust(source, -1, -data.amount_cents, -data.weighted_before_cents);
        adjust(target, 1, data.amount_cents, data.weighted_cents);
        var select = card.querySelector("[data-move-select]");
        if (select) { select.value = target.getAttribute("data-stage"); }
        say(data.message);
        card.focus();
      });
    }).catch(function () {
      card.classList.remove("moving");
      say(board.getAttribute("data-error"));
    });
  }

  function initDrag(board) {
    window.crmBoardDrag(board, {
      card: ".deal-card",
      column: ".deal-col",
      drop: function (card, column) { move(board, card, column); }
    });
  }

  function initKeys(board) {
    var columns = Array.prototype.slice.call(board.querySelectorAll(".deal-col"));
    var pending = null;

    function clear() {
      if (pending) { pending.column.classList.remove("drop-target"); }
      pending = null;
    }

    board.addEventListener("keydown", function (event) {
      var card = event.target;
      if (!card.classList || !card.classList.contains("deal-card")) { return; }
      var key = event.key;
      if (key === "ArrowRight" || key === "ArrowLeft") {
        event.preventDefault();
        var from = pending && pending.card === card ? pending.column : card.closest(".deal-col");
        var index = columns.indexOf(from) + (key === "ArrowRight" ? 1 : -1);
        if (index < 0 || index >= columns.length) { return; }
        clear();
        pending = { card: card, column: columns[index] };
        pending.column.classList.add("drop-target");
        pending.column.scrollIntoView({ block: "nearest", inline: "nearest" });
        say(board.getAttribute("data-pick-prompt")
          .replace("{name}", card.getAttribute("data-name"))
          .replace("{column}", pending.column.getAttribute("data-label")));
      } else if (key === "Enter" && pending && pending.card === card) {
        event.preventDefault();
        var column = pending.column;
        clear();
        move(board, card, column);
      } else if (key === "Escape" && pending) {
        event.preventDefault();
        clear();
        say("");
      }
    });
    board.addEventListener("focusout", function (event) {
      if (pending && event.target === pending.card) { clear(); }
    });
  }

  // With the script the card's "Move to" menu moves at once (and asks a lost deal's reason);
  // without it, the menu's form posts and the page reloads.
  function initMenus(board) {
    board.addEventListener("submit", function (event) {
      var form = event.target.closest ? event.target.closest(".deal-move") : null;
      if (!form) { return; }
      event.preventDefault();
      var card = form.closest(".deal-card");
      var option = form.querySelector("[data-move-select]").selectedOptions[0];
      var column = option ? board.querySelector('.deal-col[data-column="' + option.getAttribute("data-column") + '"]') : null;
      move(board, card, column);
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-deal-board]").forEach(function (board) {
      initDrag(board);
      initKeys(board);
      initMenus(board);
    });
  });
}());
