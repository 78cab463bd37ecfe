// A search box over each list of organisations of the partnership form: typing filters the
// checkboxes by name (the chosen ones always stay visible). Without JavaScript the lists are
// plain checkboxes and the box stays hidden.
document.querySelectorAll("[data-member-picker]").forEach(function (picker) {
  const input = picker.querySelector("[data-member-filter]");
  const items = picker.querySelectorAll(".form-check");
  if (!input || !items.length) {
    return;
  }
  input.classList.remove("d-none");
  input.addEventListener("input", function () {
    const wanted = input.value.trim().toLowerCase();
    items.forEach(function (item) {
      const box = item.querySelector("input");
      const text = item.textContent.toLowerCase();
      item.hidden = Boolean(wanted) && !text.includes(wanted) && !(box && box.checked);
    });
  });
});
