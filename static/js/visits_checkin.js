// Check-in (外勤签到) on the visit log form: the browser is asked for its position only after
// the rep ticks "Record my position"; unticking clears it. The hidden fields carry it to the
// server, which keeps it only with the box ticked.
(function () {
  "use strict";
  var box = document.getElementById("id_record_position");
  var status = document.getElementById("check-in-status");
  if (!box || !status) {
    return;
  }
  var form = box.form;
  var field = function (name) {
    return form.querySelector('input[name="' + name + '"]');
  };
  var lat = field("position_latitude");
  var lng = field("position_longitude");
  var accuracy = field("position_accuracy");
  var say = function (text) {
    status.textContent = text || "";
  };
  var clear = function () {
    lat.value = "";
    lng.value = "";
    accuracy.value = "";
  };
  var ask = function () {
    if (!("geolocation" in navigator)) {
      say(status.dataset.unsupported);
      return;
    }
    say(status.dataset.waiting);
    navigator.geolocation.getCurrentPosition(
      function (position) {
        if (!box.checked) {
          return; // unticked while the browser was answering: keep nothing
        }
        lat.value = position.coords.latitude.toFixed(6);
        lng.value = position.coords.longitude.toFixed(6);
        accuracy.value = Math.round(position.coords.accuracy);
        say(status.dataset.done.replace("{metres}", accuracy.value));
      },
      function () {
        clear();
        say(status.dataset.failed);
      },
      { enableHighAccuracy: true, timeout: 20000, maximumAge: 60000 }
    );
  };
  box.addEventListener("change", function () {
    clear();
    if (box.checked) {
      ask();
    } else {
      say("");
    }
  });
  if (box.checked && !lat.value) {
    ask(); // the form came back with an error and the box still ticked
  }
})();
