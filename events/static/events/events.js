// Network events: copy buttons (snippets, feed address) and the print button. No inline JS (CSP).
document.addEventListener("click", function (event) {
  const copy = event.target.closest("[data-copy]");
  if (copy) {
    const field = document.querySelector(copy.dataset.copy);
    if (field) {
      field.select();
      (navigator.clipboard ? navigator.clipboard.writeText(field.value) : Promise.reject())
        .catch(function () { document.execCommand("copy"); });
      copy.textContent = copy.dataset.copied || "✓";
    }
  }
  if (event.target.closest("[data-print]")) {
    window.print();
  }
});
