// Show or hide the fields whose `show_if` condition depends on other fields of the page.
// Progressive enhancement: without JavaScript the server evaluates the conditions on submit.
(function () {
  function valueOf(form, key) {
    var inputs = form.querySelectorAll('[data-key="' + key + '"]');
    var values = [];
    inputs.forEach(function (input) {
      if (input.hasAttribute("data-multi")) { if (input.checked) values.push(input.value); }
      else if (input.type === "checkbox") { values.push(input.checked); }
      else if (input.type === "radio") { if (input.checked) values.push(input.value); }
      else { values.push(input.value); }
    });
    if (inputs.length && inputs[0].hasAttribute("data-multi")) return values;
    return values.length ? values[0] : undefined;
  }
  function holds(cond, value) {
    if ("equals" in cond) return value === cond.equals || (Array.isArray(value) && value.indexOf(cond.equals) >= 0);
    if ("in" in cond) return cond.in.indexOf(value) >= 0;
    var filled = !(value === undefined || value === "" || value === false || (Array.isArray(value) && !value.length));
    return filled === Boolean(cond.filled);
  }
  function refresh(form) {
    form.querySelectorAll("[data-show-if]").forEach(function (el) {
      var cond = JSON.parse(el.getAttribute("data-show-if"));
      if (!form.querySelector('[data-key="' + cond.field + '"]')) return;  // on another page
      el.hidden = !holds(cond, valueOf(form, cond.field));
    });
  }
  document.querySelectorAll("form[data-service-form]").forEach(function (form) {
    form.addEventListener("change", function () { refresh(form); });
    refresh(form);
  });
})();
