// The Print button of the package document and shipping label (no inline handlers under our CSP).
document.querySelectorAll("[data-print]").forEach(function (button) {
  button.addEventListener("click", function () { window.print(); });
});
