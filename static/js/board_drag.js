/* Drag and drop between the columns of a board (the prospects' pipeline, the deals board):
   window.crmBoardDrag(board, {card: ".p-card", column: ".board-col", drop: fn(card, column)}).
   A card is dragged by its data-id; `drop` is called when it lands on a column. */
(function () {
  "use strict";

  window.crmBoardDrag = function (board, options) {
    var dragged = null;
    board.addEventListener("dragstart", function (event) {
      var card = event.target.closest ? event.target.closest(options.card) : null;
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
    board.querySelectorAll(options.column).forEach(function (column) {
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
        if (dragged) { options.drop(dragged, column); }
      });
    });
  };
})();
