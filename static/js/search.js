// Scanner-first search. A barcode scanner types its code and Enter; for the next scan to replace the
// last code instead of being appended to it, the search box is focused with its text selected: when a
// page opens with a search, as soon as a search is sent (so a code scanned while the answer is on its
// way replaces it), and after the package list is swapped by a search, a filter, the status slider or
// a page link. "/" outside a field jumps to the scan box. Without JavaScript the boxes are plain GET forms.
(function () {
  function scanBox() {
    return document.querySelector('input[data-scan-box="list"]') || document.querySelector('input[data-scan-box="topbar"]');
  }

  function ready(box) {
    box.focus();
    box.select();
  }

  document.addEventListener("DOMContentLoaded", function () {
    var box = document.querySelector('input[data-scan-box="list"]');
    // Only the code the page came with: a scanner may already be typing into the autofocused box (this
    // script is deferred), and selecting that would let its next characters replace the first ones.
    if (box && box.value && box.value === box.defaultValue) ready(box);
  });

  // Capture: before htmx takes the submit over. What was sent is kept to tell it from a new scan later.
  document.addEventListener("submit", function (event) {
    var box = event.target.querySelector && event.target.querySelector("input[data-scan-box]");
    if (!box) return;
    box.setAttribute("data-sent", box.value);
    box.select();
  }, true);

  document.addEventListener("htmx:afterSettle", function (event) {
    var box = document.querySelector('input[data-scan-box="list"]');
    var form = box && box.form;
    var swapped = event.detail && event.detail.target;
    if (!form || !swapped || swapped.id !== "package-list") return;
    // Only answers of the list itself (a search, a filter, the slider, a page); not, say, a bulk action's.
    var path = (event.detail.requestConfig && event.detail.requestConfig.path) || "";
    if (path.split("?")[0] !== form.getAttribute("action")) return;
    var sent = box.getAttribute("data-sent");
    // Someone already typed or scanned the next code while the answer came: leave it be.
    if (sent !== null && box.value !== sent) return;
    ready(box);
  });

  document.addEventListener("keydown", function (event) {
    if (event.key !== "/" || event.ctrlKey || event.metaKey || event.altKey) return;
    var active = document.activeElement;
    if (active && (active.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(active.tagName))) return;
    var box = scanBox();
    if (!box) return;
    event.preventDefault();
    ready(box);
  });
})();
