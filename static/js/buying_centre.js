// The buying centre's org chart: drag a person onto another to make them report to that
// person. Posts to the same endpoint as the per-person "reports to" select (which works
// without this script, by keyboard and on a phone), then reloads the card.
(function () {
  "use strict";
  const section = document.getElementById("buying-centre");
  if (!section) return;
  const svg = section.querySelector("svg.bc-chart");
  const status = section.querySelector(".bc-status");
  const tokenInput = section.querySelector("input[name=csrfmiddlewaretoken]");
  if (!svg || !tokenInput) return;

  function svgPoint(event) {
    const point = svg.createSVGPoint();
    point.x = event.clientX;
    point.y = event.clientY;
    return point.matrixTransform(svg.getScreenCTM().inverse());
  }

  function nodeAt(event, except) {
    const found = document.elementsFromPoint(event.clientX, event.clientY);
    for (const element of found) {
      const node = element.closest && element.closest(".bc-node");
      if (node && node !== except) return node;
    }
    return null;
  }

  function move(node, target) {
    const body = new URLSearchParams();
    body.set("reports_to", target.dataset.contact);
    body.set("csrfmiddlewaretoken", tokenInput.value);
    fetch(node.dataset.url, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { Accept: "application/json", "X-CSRFToken": tokenInput.value },
    })
      .then(function (response) {
        return response.json().then(function (data) {
          if (response.ok) {
            window.location.reload();
          } else {
            status.textContent = (data.errors || []).join(" ");
            node.removeAttribute("transform");
          }
        });
      })
      .catch(function () {
        node.removeAttribute("transform");
      });
  }

  let drag = null;
  svg.addEventListener("pointerdown", function (event) {
    const node = event.target.closest(".bc-node");
    if (!node) return;
    event.preventDefault();
    node.setPointerCapture(event.pointerId);
    drag = { node: node, start: svgPoint(event), target: null };
    node.classList.add("dragging");
  });
  svg.addEventListener("pointermove", function (event) {
    if (!drag) return;
    const at = svgPoint(event);
    drag.node.setAttribute(
      "transform",
      "translate(" + (at.x - drag.start.x) + " " + (at.y - drag.start.y) + ")"
    );
    const target = nodeAt(event, drag.node);
    if (drag.target && drag.target !== target) drag.target.classList.remove("drop-target");
    if (target) target.classList.add("drop-target");
    drag.target = target;
  });
  function end(event) {
    if (!drag) return;
    const node = drag.node;
    const target = nodeAt(event, node);
    node.classList.remove("dragging");
    if (drag.target) drag.target.classList.remove("drop-target");
    drag = null;
    if (target) {
      move(node, target);
    } else {
      node.removeAttribute("transform");
    }
  }
  svg.addEventListener("pointerup", end);
  svg.addEventListener("pointercancel", function () {
    if (!drag) return;
    drag.node.classList.remove("dragging");
    drag.node.removeAttribute("transform");
    drag = null;
  });
})();
