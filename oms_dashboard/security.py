"""HTTP-level protections on every response, and which client address to believe (DESIGN §9).

A small after-request hook rather than Flask-Talisman: Talisman replaces headers a view set and
knows nothing of Cache-Control, which are the two things this app needs to control; the whole
policy fits on one screen here.
"""

from __future__ import annotations

from functools import cache
from urllib.parse import urlsplit

from flask import Flask, Response, current_app, request
from werkzeug.middleware.proxy_fix import ProxyFix

# Our pages load scripts and styles from our own static files only (no inline code): see
# static/js/. Product images come from the ERP over https.
_POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data: https:",
    "font-src": "'self' data:",
    "connect-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}


@cache
def content_security_policy(htmx_cdn_url: str = "") -> str:
    """The policy, with the htmx CDN's origin allowed to serve scripts when one is configured."""
    policy = dict(_POLICY)
    if htmx_cdn_url:
        parts = urlsplit(htmx_cdn_url)
        policy["script-src"] += f" {parts.scheme}://{parts.netloc}"
    return "; ".join(f"{directive} {sources}" for directive, sources in policy.items())


def _is_static_file() -> bool:
    endpoint = request.endpoint or ""
    return endpoint == "static" or endpoint.endswith(".static")


def add_security_headers(response: Response) -> Response:
    """Set what the view did not set itself (a page may bring its own policy, e.g. the API docs)."""
    headers = response.headers
    headers.setdefault("Content-Security-Policy", content_security_policy(current_app.config["HTMX_CDN_URL"]))
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    # Same-origin requests keep their Referer (Flask-WTF checks it on HTTPS); other sites get none,
    # so search terms and package numbers in our URLs never leave the app.
    headers.setdefault("Referrer-Policy", "same-origin")
    # Pages, fragments and API answers hold customer data: no browser or proxy may keep a copy.
    # Static files keep the caching Flask gives them.
    if not _is_static_file():
        headers.setdefault("Cache-Control", "no-store")
    return response


def register_security(app: Flask) -> None:
    app.after_request(add_security_headers)
    proxies = app.config["TRUSTED_PROXIES"]
    if proxies:
        # Behind a reverse proxy request.remote_addr is the proxy's address: take the client's from
        # the header the trusted proxies add (login throttling keys on it) and the scheme they saw.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)
