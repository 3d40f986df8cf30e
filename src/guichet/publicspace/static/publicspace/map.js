/* Maps of reports (Leaflet from django-leaflet's static files). Progressive enhancement: the
   pages work without JavaScript or tiles (coordinates fields, lists). */
(function () {
  "use strict";
  var el = document.getElementById("ps-map");
  if (!el || typeof L === "undefined") { return; }
  var lat = document.getElementById("id_lat");
  var lon = document.getElementById("id_lon");
  var map = L.map(el, { scrollWheelZoom: false }).setView([45.76, 4.85], 12);
  if (el.dataset.tiles) {
    L.tileLayer(el.dataset.tiles, { maxZoom: 19, attribution: el.dataset.attribution || "" }).addTo(map);
  }
  el.querySelectorAll("a").forEach(function (a) { a.setAttribute("tabindex", "-1"); });
  var marker = null;
  function place(latlng, pan) {
    if (marker) { marker.setLatLng(latlng); } else { marker = L.marker(latlng, { keyboard: false }).addTo(map); }
    if (pan) { map.setView(latlng, Math.max(map.getZoom(), 16)); }
  }
  // the address field (address.js) fills a point in, and fills its address from a picked one
  function picked() {
    document.dispatchEvent(new CustomEvent("ps:point-picked", { detail: { lat: parseFloat(lat.value), lon: parseFloat(lon.value) } }));
  }
  function nearby() {
    var url = el.dataset.nearbyUrl;
    var box = document.getElementById("ps-nearby");
    if (!url || !box || !lat.value || !lon.value) { return; }
    fetch(url + "?lat=" + encodeURIComponent(lat.value) + "&lon=" + encodeURIComponent(lon.value), { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.text() : ""; })
      .then(function (html) { box.innerHTML = html; });
  }
  if (el.dataset.point) {
    var p = el.dataset.point.split(",").map(parseFloat);
    place(p, true);
  }
  if (el.dataset.pick && lat && lon) {
    if (lat.value && lon.value) { place([parseFloat(lat.value), parseFloat(lon.value)], true); }
    map.on("click", function (e) {
      lat.value = e.latlng.lat.toFixed(6);
      lon.value = e.latlng.lng.toFixed(6);
      place(e.latlng, false);
      nearby();
      picked();
    });
    [lat, lon].forEach(function (input) {
      input.addEventListener("change", function () {
        var a = parseFloat(lat.value), b = parseFloat(lon.value);
        if (!isNaN(a) && !isNaN(b)) { place([a, b], true); nearby(); }
      });
    });
    document.addEventListener("ps:address-chosen", function (e) {
      place([e.detail.lat, e.detail.lon], true);
      nearby();
    });
    var locate = document.getElementById("ps-locate");
    if (locate && navigator.geolocation) {
      locate.hidden = false;
      locate.addEventListener("click", function () {
        navigator.geolocation.getCurrentPosition(function (pos) {
          lat.value = pos.coords.latitude.toFixed(6);
          lon.value = pos.coords.longitude.toFixed(6);
          place([pos.coords.latitude, pos.coords.longitude], true);
          nearby();
          picked();
        });
      });
    }
  }
  if (el.dataset.geojson) {
    fetch(el.dataset.geojson, { credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (data) {
        var layer = L.geoJSON(data, {
          pointToLayer: function (f, latlng) { return L.circleMarker(latlng, { radius: 6, color: f.properties.state === "fixed" ? "#1b6b2f" : "#00458c" }); },
          onEachFeature: function (f, l) {
            var a = document.createElement("a");
            a.href = f.properties.url;
            a.textContent = f.properties.category + " — " + f.properties.state_label + " (" + f.properties.created + ")";
            l.bindPopup(a);
          }
        }).addTo(map);
        if (data.features.length) { map.fitBounds(layer.getBounds(), { maxZoom: 16 }); }
      });
  }
})();
