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
// Category rules: which cells count, in words, as the boxes are ticked (schools/rules.html).
// The same wording as schools.categorization.cells_text, which the saved rules show.
(function () {
  const form = document.querySelector("form[data-cells-preview]");
  const out = document.getElementById("cells-text");
  const data = document.getElementById("cells-labels");
  if (!form || !out || !data) return;
  const labels = JSON.parse(data.textContent);
  const ticked = (name) =>
    Array.from(form.querySelectorAll(`input[name=${name}]:checked`)).map((i) => i.value);
  const and = (items) =>
    items.length === 1 ? items[0] : `${items.slice(0, -1).join(", ")} и ${items[items.length - 1]}`;
  const rank = (s) => (s === "math" ? "0" : s === "russian" ? "1" : `2${s}`);
  function update() {
    const chosen = ticked("cell_kinds");
    const vpr = form.querySelector("input[name=include_vpr]");
    let kinds = ["oge", "ege"].concat((vpr && vpr.checked) || labels.vpr_only ? ["vpr"] : []);
    if (chosen.length) kinds = ["oge", "ege", "vpr"].filter((k) => chosen.includes(k));
    const grades = ticked("cell_grades").map(Number).sort((a, b) => a - b);
    let text = kinds.map((k) => labels.kinds[k]).join(", ");
    if (kinds.includes("vpr")) text += grades.length ? `, ${and(grades.map(String))} класс` : " (все классы)";
    let subjects = ticked("cell_subjects");
    if (!subjects.length) subjects = ["math", "russian"];
    subjects.sort((a, b) => (rank(a) < rank(b) ? -1 : 1));
    text += ` × ${subjects.map((s) => labels.subjects[s]).join(", ")}`;
    out.textContent = text;
  }
  form.addEventListener("change", update);
})();
// A form refused by the server is shown again at its anchor (``action="…#form"``); browsers
// skip ``autofocus`` when the address has a fragment, so focus its first wrong field here.
window.addEventListener("load", function () {
  const field = document.querySelector("[autofocus]");
  if (field && document.activeElement !== field) {
    field.focus({ preventScroll: true });
  }
});
