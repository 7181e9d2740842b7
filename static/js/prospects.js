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
    var dragged = null;
    board.addEventListener("dragstart", function (event) {
      var card = event.target.closest ? event.target.closest(".p-card") : null;
      if (!card) { return; }
      dragged = card;
      event.dataTransfer.effectAllowed = "move";
      event.dataTransfer.setData("text/plain", card.getAttribute("data-id"));
      card.classList.add("dragging");
    });
    board.addEventListener("dragend", function () {
      if (dragged) { dragged.classList.remove("dragging"); }
      board.querySelectorAll(".drop-target").forEach(function (c) { c.classList.remove("drop-target"); });
      dragged = null;
    });
    board.querySelectorAll(".board-col").forEach(function (column) {
      column.addEventListener("dragover", function (event) {
        if (!dragged) { return; }
        event.preventDefault();
        event.dataTransfer.dropEffect = "move";
        column.classList.add("drop-target");
      });
      column.addEventListener("dragleave", function () { column.classList.remove("drop-target"); });
      column.addEventListener("drop", function (event) {
        event.preventDefault();
        column.classList.remove("drop-target");
        if (!dragged) { return; }
        var colour = column.getAttribute("data-colour");
        if (dragged.classList.contains("colour-" + colour)) { return; }
        move(board, dragged, colour);
      });
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
    document.querySelectorAll("[data-worksheet-form]").forEach(initWorksheet);
  });
})();
