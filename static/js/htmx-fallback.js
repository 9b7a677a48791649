// Runs right after the CDN's <script>: when the CDN was unreachable, load our own copy of htmx.
// A static file rather than an inline script, because the Content-Security-Policy allows no inline code.
if (!window.htmx) {
  document.write('<script src="' + document.currentScript.dataset.localCopy + '"><\/script>');
}
