// The «Print» button of the printable roadmap (no inline scripts under the CSP).
document.getElementById("print-button")?.addEventListener("click", () => window.print());
