// Keyboard and focus on the package and transfer pages. A static file: our CSP allows no inline code.
// - After htmx swaps a package or transfer (article.package), focus goes where the person continues:
//   a field marked autofocus (the first field of a form that opened, its confirm button, or a scan
//   field) when htmx has focused it, otherwise the result message, otherwise the heading.
// - A message htmx put in #service-notice (a server error, an expired security token) gets the focus.
// - The Select Action menu (<details class="menu">) closes on Escape, returning focus to its summary,
//   on a click outside it, and when Tab moves the focus out of it.
(function () {
  function focusQuietly(element) {
    if (!element.hasAttribute("tabindex") && !element.matches("a[href], button, input, select, textarea, summary")) {
      element.setAttribute("tabindex", "-1");  // focusable by script only, not a Tab stop
    }
    element.focus();
  }

  function settled(event) {
    var target = event.detail.target;
    if (!target) return;
    if (!target.isConnected && target.id) target = document.getElementById(target.id);  // outerHTML swap
    if (!target) return;
    if (target.id === "service-notice") {
      var notice = target.querySelector(".notice");
      if (notice) focusQuietly(notice);
      return;
    }
    if (!target.matches("article.package")) return;
    var active = document.activeElement;
    if (active && active !== document.body && target.contains(active)) return;  // htmx focused [autofocus]
    var wanted = target.querySelector("[autofocus]")
      || target.querySelector(".notice[role=status], .notice[role=alert]")
      || target.querySelector("h1");
    if (wanted) focusQuietly(wanted);
  }

  function openMenus() {
    return document.querySelectorAll("details.menu[open]");
  }

  function closeMenu(menu, returnFocus) {
    menu.open = false;
    if (returnFocus) menu.querySelector("summary").focus();
  }

  document.addEventListener("htmx:afterSettle", settled);

  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    openMenus().forEach(function (menu) {
      closeMenu(menu, menu.contains(document.activeElement) || document.activeElement === document.body);
      event.preventDefault();
    });
  });

  document.addEventListener("click", function (event) {
    openMenus().forEach(function (menu) {
      if (!menu.contains(event.target)) closeMenu(menu, false);
    });
  });

  document.addEventListener("focusout", function (event) {
    var menu = event.target.closest && event.target.closest("details.menu[open]");
    // relatedTarget is null when the focus leaves the window or lands on nothing focusable: keep it open.
    if (menu && event.relatedTarget && !menu.contains(event.relatedTarget)) closeMenu(menu, false);
  });
})();
