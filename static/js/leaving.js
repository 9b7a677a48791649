// Once a page starts to leave (a plain form submitted: signing out, a search), its background htmx
// requests stop and late answers are ignored. Otherwise a poll answered "sign in again" right after
// signing out would start a second navigation that replaces the first, and the page that says
// "You are signed out." would never be shown. A static file because our CSP allows no inline code.
(function () {
  var leaving = false;
  document.addEventListener("submit", function (event) {
    // htmx prevents the default of the forms it sends itself; a form aimed at another tab leaves nothing.
    var target = (event.submitter && event.submitter.getAttribute("formtarget")) || event.target.target;
    if (!event.defaultPrevented && (!target || target === "_self")) leaving = true;
  });
  document.addEventListener("htmx:beforeRequest", function (event) { if (leaving) event.preventDefault(); });
  document.addEventListener("htmx:beforeOnLoad", function (event) { if (leaving) event.preventDefault(); });
  window.addEventListener("pageshow", function () { leaving = false; });  // back to a page kept in memory
})();
