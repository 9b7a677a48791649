"""Browser pages watched for what the Content-Security-Policy refused, at the widths every flow is tried at."""

from __future__ import annotations

from playwright.sync_api import BrowserContext

# A desk and a shop-floor tablet.
WIDTHS = [1280, 768]

# Runs in every page before its own scripts (Playwright's init scripts are not subject to the CSP).
REPORT_VIOLATIONS = """
window.policyViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  const text = `${event.violatedDirective} refused ${event.blockedURI || "inline code"}`
    + ` in ${event.sourceFile || document.location.pathname}:${event.lineNumber}`;
  window.policyViolations.push(text);
  window.reportPolicyViolation(text);
});
"""


class PolicyWatch:
    """Everything the browser refused because of the Content-Security-Policy, on any page of the context."""

    def __init__(self, context: BrowserContext):
        self.refused: list[str] = []
        context.expose_binding("reportPolicyViolation", lambda _source, text: self.refused.append(text))
        context.add_init_script(REPORT_VIOLATIONS)
        context.on("console", self._console)

    def _console(self, message) -> None:
        if "Refused to" in message.text or "Content Security Policy" in message.text:
            self.refused.append(f"console: {message.text}")
