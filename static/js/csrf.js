// A page open for hours outlives its security (CSRF) token. When the server refuses an htmx request
// for that reason it changes nothing, explains in #service-notice and sends a fresh token in the
// event "csrf-token-renewed" (HX-Trigger header, errorhandlers.py). This puts the fresh token where
// the next request takes it from: <body hx-headers> and every form's csrf_token field, so pressing
// the button again works. A static file: our CSP allows no inline code.
(function () {
  document.addEventListener("csrf-token-renewed", function (event) {
    var token = event.detail && event.detail.token;
    if (typeof token !== "string" || !token) return;
    var headers = {};
    try { headers = JSON.parse(document.body.getAttribute("hx-headers") || "{}"); } catch (error) { headers = {}; }
    headers["X-CSRFToken"] = token;
    document.body.setAttribute("hx-headers", JSON.stringify(headers));
    document.querySelectorAll("input[name=csrf_token]").forEach(function (input) { input.value = token; });
  });
})();
