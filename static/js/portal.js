// Small progressive enhancements; every page works without JavaScript.
document.addEventListener("click", function (event) {
  const target = event.target.closest("[data-confirm]");
  if (target && !window.confirm(target.dataset.confirm)) {
    event.preventDefault();
  }
});
document.addEventListener("click", function (event) {
  const target = event.target.closest("[data-print]");
  if (target) {
    event.preventDefault();
    window.print();
  }
});
// A form refused by the server is shown again at its anchor (``action="…#form"``); browsers
// skip ``autofocus`` when the address has a fragment, so focus its first wrong field here.
window.addEventListener("load", function () {
  const field = document.querySelector("[autofocus]");
  if (field && document.activeElement !== field) {
    field.focus({ preventScroll: true });
  }
});
