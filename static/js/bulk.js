// The package list's "Select all on this page" checkbox; without JavaScript a button does the same on the server.
// Listeners sit on the document, so they keep working after htmx swaps the list. The checkboxes carry no id:
// htmx would copy attributes from the old ones onto the new (settling), style included, which our CSP refuses.
(function () {
  document.documentElement.classList.add("bulk-js");

  function bulkBoxes() {
    return Array.from(document.querySelectorAll('input[type="checkbox"][form="bulk-form"][name="ids"]'));
  }

  function showAllBox() {
    const all = document.querySelector(".bulk-all-box");
    if (!all) return;
    const boxes = bulkBoxes();
    const ticked = boxes.filter(function (box) { return box.checked; }).length;
    all.checked = boxes.length > 0 && ticked === boxes.length;
    all.indeterminate = ticked > 0 && ticked < boxes.length;
  }

  document.addEventListener("change", function (event) {
    const target = event.target;
    if (target.classList && target.classList.contains("bulk-all-box")) {
      bulkBoxes().forEach(function (box) { box.checked = target.checked; });
    } else if (target.matches && target.matches('input[form="bulk-form"][name="ids"]')) {
      showAllBox();
    }
  });

  document.addEventListener("DOMContentLoaded", showAllBox);
  document.addEventListener("htmx:afterSettle", function () {
    showAllBox();
    // After a bulk action, show its confirmation or result where the eye (and a screen reader) is.
    const notice = document.getElementById("bulk-notice");
    if (notice) notice.focus();
  });
})();
