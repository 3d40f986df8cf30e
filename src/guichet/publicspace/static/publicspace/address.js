/* The report form's address field: the WAI-ARIA APG combobox pattern (list autocomplete) over
   /api/v1/addresses/search. Choosing an address fills the coordinates and moves the map's pin
   (event "ps:address-chosen", map.js); a point placed on the map fills the address by reverse
   geocoding (event "ps:point-picked"). Without this script, "Chercher l'adresse" lists the
   addresses found as choices (progressive enhancement). */
(function () {
  "use strict";
  var input = document.getElementById("id_address");
  var list = document.getElementById("ps-address-options");
  var status = document.getElementById("ps-address-status");
  var addressId = document.getElementById("id_address_id");
  var lat = document.getElementById("id_lat");
  var lon = document.getElementById("id_lon");
  if (!input || !list || !status || !addressId || !window.fetch) { return; }
  var find = document.getElementById("ps-address-find");
  if (find) { find.hidden = true; }
  input.setAttribute("role", "combobox");
  input.setAttribute("aria-autocomplete", "list");
  input.setAttribute("aria-expanded", "false");
  input.setAttribute("aria-controls", list.id);
  var results = [];
  var active = -1;
  var timer = null;
  var asked = 0;
  var filled = addressId.value ? input.value : "";

  function message(name, values) {
    var text = input.dataset[name] || "";
    Object.keys(values || {}).forEach(function (key) {
      text = text.replace("%(" + key + ")s", values[key]);
    });
    return text;
  }
  function announce(text) {
    status.textContent = text;
  }
  function close() {
    list.hidden = true;
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
    active = -1;
  }
  function render() {
    list.textContent = "";
    results.forEach(function (result, index) {
      var option = document.createElement("li");
      option.id = "ps-address-option-" + index;
      option.setAttribute("role", "option");
      option.setAttribute("aria-selected", index === active ? "true" : "false");
      option.textContent = result.label;
      // keep the focus in the field when an option is clicked
      option.addEventListener("mousedown", function (event) { event.preventDefault(); });
      option.addEventListener("click", function () { choose(index); });
      list.appendChild(option);
    });
    if (!results.length) { close(); return; }
    list.hidden = false;
    input.setAttribute("aria-expanded", "true");
    if (active >= 0) {
      input.setAttribute("aria-activedescendant", "ps-address-option-" + active);
      list.children[active].scrollIntoView({ block: "nearest" });
    } else {
      input.removeAttribute("aria-activedescendant");
    }
  }
  function search() {
    var text = input.value.trim();
    var mine = ++asked;
    if (text.length < 3) { results = []; render(); announce(""); return; }
    fetch(input.dataset.searchUrl + "?limit=8&q=" + encodeURIComponent(text), {
      credentials: "same-origin", headers: { Accept: "application/json" }
    })
      .then(function (response) { return response.ok ? response.json() : { results: [] }; })
      .then(function (data) {
        if (mine !== asked) { return; }  // a later keystroke asked again
        results = data.results || [];
        active = -1;
        render();
        if (!results.length) { announce(message("msgNone")); }
        else if (results.length === 1) { announce(message("msgOne")); }
        else { announce(message("msgMany", { n: results.length })); }
      })
      .catch(function () { if (mine === asked) { results = []; render(); } });
  }
  function choose(index) {
    var result = results[index];
    if (!result) { return; }
    input.value = result.label;
    filled = result.label;
    addressId.value = result.id || "";
    if (lat && lon) {
      lat.value = result.lat.toFixed(6);
      lon.value = result.lon.toFixed(6);
    }
    results = [];
    close();
    announce(message("msgChosen", { label: result.label }));
    document.dispatchEvent(new CustomEvent("ps:address-chosen", { detail: { lat: result.lat, lon: result.lon } }));
  }
  function move(step) {
    active = active < 0 ? (step > 0 ? 0 : results.length - 1) : (active + step + results.length) % results.length;
    render();
  }

  input.addEventListener("input", function () {
    addressId.value = "";
    clearTimeout(timer);
    timer = setTimeout(search, 150);
  });
  input.addEventListener("keydown", function (event) {
    var open = !list.hidden && results.length > 0;
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      if (!open) { search(); return; }
      move(event.key === "ArrowDown" ? 1 : -1);
    } else if (event.key === "Enter") {
      if (open) {
        event.preventDefault();  // choosing, not sending the form
        if (active >= 0) { choose(active); }
      }
    } else if (event.key === "Escape") {
      if (open) { event.preventDefault(); results = []; close(); }
      else if (input.value) { event.preventDefault(); input.value = ""; addressId.value = ""; }
    } else if (event.key === "Tab" && open) {
      close();
    }
  });
  input.addEventListener("blur", function () { results = []; close(); });

  document.addEventListener("ps:point-picked", function (event) {
    // never replace what the person wrote themselves (a landmark), only an address filled here
    if (input.value.trim() && input.value !== filled) { return; }
    var point = event.detail;
    fetch(input.dataset.reverseUrl + "?lat=" + encodeURIComponent(point.lat) + "&lon=" + encodeURIComponent(point.lon), {
      credentials: "same-origin", headers: { Accept: "application/json" }
    })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (input.value.trim() && input.value !== filled) { return; }
        if (!data) { input.value = ""; filled = ""; addressId.value = ""; return; }
        input.value = data.result.label;
        filled = data.result.label;
        addressId.value = data.result.id || "";
        announce(message("msgPoint", { label: data.result.label }));
      })
      .catch(function () {});
  });
})();
