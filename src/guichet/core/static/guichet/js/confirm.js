// A button with data-confirm asks before its form is sent (no inline onclick: the
// Content-Security-Policy refuses inline handlers).
document.addEventListener("click", function (event) {
  var button = event.target.closest("[data-confirm]");
  if (button && !window.confirm(button.getAttribute("data-confirm"))) {
    event.preventDefault();
  }
});
