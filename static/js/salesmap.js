// The sales map (Leaflet, served from static/vendor/leaflet): the accounts map (#sales-map,
// markers from the JSON endpoint), the day's route (#route-map, stops read from the list)
// and the pin of the customer card (#pin-map, a draggable marker that fills the form).
// Tiles come from the server the page names (CRM_MAP_TILE_URL); offline they simply fail.
(function () {
  "use strict";
  if (typeof L === "undefined") {
    return;
  }
  var TIER_COLOURS = { A: "#c0392b", B: "#d68910", C: "#2471a3", "": "#7f8c8d" };
  var CHINA = [35.0, 105.0];

  function baseMap(element, options) {
    var map = L.map(element, options || {});
    L.tileLayer(element.dataset.tileUrl, {
      maxZoom: 19,
      attribution: element.dataset.tileAttribution || "",
    }).addTo(map);
    return map;
  }

  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (whole, key) {
      return key in values ? String(values[key]) : whole;
    });
  }

  function popup(account, urlTemplate) {
    var box = document.createElement("div");
    var link = document.createElement("a");
    link.href = urlTemplate.replace("/0/", "/" + account.id + "/");
    link.textContent = account.name;
    box.appendChild(link);
    var meta = document.createElement("div");
    meta.className = "small muted";
    meta.textContent = [account.tier || "–", account.owner].join(" · ");
    box.appendChild(meta);
    return box;
  }

  function accountsMap(element) {
    var summary = document.getElementById("sales-map-summary");
    var map = baseMap(element).setView(CHINA, 4);
    if (!element.dataset.url) {
      return;
    }
    fetch(element.dataset.url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) {
          throw new Error(String(response.status));
        }
        return response.json();
      })
      .then(function (data) {
        var bounds = [];
        data.accounts.forEach(function (account) {
          var point = [account.latitude, account.longitude];
          bounds.push(point);
          L.circleMarker(point, {
            radius: 7,
            weight: 1,
            color: "#ffffff",
            fillColor: TIER_COLOURS[account.tier] || TIER_COLOURS[""],
            fillOpacity: 0.9,
          })
            .bindPopup(popup(account, element.dataset.accountUrl))
            .addTo(map);
        });
        if (bounds.length) {
          map.fitBounds(bounds, { padding: [20, 20], maxZoom: 15 });
        }
        var values = { count: data.count, without: data.without_location, shown: data.accounts.length };
        var text = data.count ? fill(element.dataset.summary, values) : fill(element.dataset.empty, values);
        if (data.truncated) {
          text += " " + fill(element.dataset.truncated, values);
        }
        summary.textContent = text;
      })
      .catch(function () {
        summary.textContent = element.dataset.failed;
      });
  }

  function routeMap(element) {
    var map = baseMap(element);
    var points = [];
    if (element.dataset.start) {
      var start = element.dataset.start.split(",").map(Number);
      points.push(start);
      L.circleMarker(start, { radius: 6, color: "#333333", fillOpacity: 1 }).addTo(map);
    }
    document.querySelectorAll(".route-stop").forEach(function (item, index) {
      var point = [Number(item.dataset.lat), Number(item.dataset.lng)];
      points.push(point);
      L.marker(point, {
        title: index + 1 + ". " + item.dataset.name,
        keyboard: true,
      })
        .bindTooltip(String(index + 1), { permanent: true, direction: "top", offset: [-15, -12] })
        .addTo(map);
    });
    if (points.length > 1) {
      L.polyline(points, { color: "#2471a3", weight: 3, opacity: 0.8 }).addTo(map);
    }
    if (points.length) {
      map.fitBounds(points, { padding: [30, 30], maxZoom: 15 });
    }
  }

  function pinMap(element) {
    var lat = document.getElementById("pin-latitude");
    var lng = document.getElementById("pin-longitude");
    var located = element.dataset.lat !== undefined;
    var here = located ? [Number(element.dataset.lat), Number(element.dataset.lng)] : CHINA;
    var map = baseMap(element).setView(here, located ? 15 : 4);
    var marker = null;
    var put = function (latlng) {
      lat.value = latlng.lat.toFixed(6);
      lng.value = latlng.lng.toFixed(6);
    };
    var place = function (latlng) {
      if (marker) {
        marker.setLatLng(latlng);
        return;
      }
      marker = L.marker(latlng, { draggable: true, keyboard: true }).addTo(map);
      marker.on("dragend", function () {
        put(marker.getLatLng());
      });
    };
    if (located) {
      place(here);
    }
    map.on("click", function (event) {
      place(event.latlng);
      put(event.latlng);
    });
    var typed = function () {
      var a = Number(lat.value);
      var b = Number(lng.value);
      if (lat.value && lng.value && Math.abs(a) <= 90 && Math.abs(b) <= 180) {
        place([a, b]);
        map.panTo([a, b]);
      }
    };
    lat.addEventListener("change", typed);
    lng.addEventListener("change", typed);
  }

  var element = document.getElementById("sales-map");
  if (element) {
    accountsMap(element);
  }
  element = document.getElementById("route-map");
  if (element) {
    routeMap(element);
  }
  element = document.getElementById("pin-map");
  if (element) {
    pinMap(element);
  }
})();
