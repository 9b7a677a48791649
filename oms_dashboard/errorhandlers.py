"""Every error ends as JSON under /api/ and as a readable page (or htmx fragment) elsewhere: never a bare 500.

A database that is down, busy past the retries or timing out is a 503 with Retry-After; its page
needs no database (the usual error page reads the signed-in user). A read whose connection broke
is answered once more on a new connection (`RetryReadsOnce`): it changed nothing.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from urllib.parse import urlsplit

from flask import Flask, current_app, flash, redirect, render_template, request, url_for
from flask_babel import force_locale, gettext
from flask_wtf.csrf import CSRFError, generate_csrf
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import HTTPException

from .api.errors import error_response
from .database import Failure, classify
from .errors import FORBIDDEN, NOT_FOUND, AppError
from .i18n import N_, language_chosen_so_far, language_without_user
from .views.htmx import wants_fragment

API_PREFIX = "/api/"
# The pages' own words for an HTTP error (the API keeps werkzeug's and AppError's English), translated when shown.
_PAGE_MESSAGES = {
    400: N_("The request could not be understood. Reload the page and try again."),
    403: N_("You may not do this."),
    404: N_("There is nothing here, or it is not yours to see."),
    405: N_("That action cannot be done this way."),
    413: N_("What was sent is too large."),
    429: N_("Too many requests: wait a moment and try again."),
}
# The AppErrors whose generic English a page replaces with its own words.
_GENERIC_DETAILS = {404: {"detail": NOT_FOUND}, 403: {"detail": FORBIDDEN}}


def _is_api_request() -> bool:
    return request.path.startswith(API_PREFIX)


_SERVER_TITLES = {500: N_("Server error"), 503: N_("Temporarily unavailable")}
# Set on a read that failed for a broken connection; RetryReadsOnce answers it again and drops it.
_RETRY_HEADER = "X-OMS-Retry-Read"
_READS = ("GET", "HEAD")


def _page(status: int, message: str, headers: dict[str, str] | None = None):
    fragment = wants_fragment()
    if status < 500:
        html = render_template("_error.html" if fragment else "error.html", status=status, message=message)
    else:
        # Rendered without the context processors: Flask-Login's would load the signed-in user
        # from the database, which may be what is failing; so is the page's language chosen without it.
        template = current_app.jinja_env.get_template("_error.html" if fragment else "plain_error.html")
        language = language_chosen_so_far() or language_without_user()
        with force_locale(language):
            html = template.render(
                title=gettext(_SERVER_TITLES.get(status, _SERVER_TITLES[500])),
                message=gettext(message),
                request=request,
                language=language,
                try_again=gettext("Try again"),
            )
        if fragment:  # the message goes in the page's notice slot; what the action targeted stays as it was
            headers = {"HX-Retarget": "#service-notice", "HX-Reswap": "innerHTML"} | (headers or {})
    return html, status, headers or {}


def _page_message(status: int, message: str) -> str:
    """The page's own words for a status it knows (translated), else `message` as given."""
    return gettext(_PAGE_MESSAGES[status]) if status in _PAGE_MESSAGES else message


# A page left open longer than WTF_CSRF_TIME_LIMIT sends an expired token; nothing ran (docs/security.md).
CSRF_MESSAGE = N_(
    "This page had been open a long time and its security check had expired, so nothing was changed. "
    "It is renewed now: please do it again."
)
CSRF_RENEWED_EVENT = "csrf-token-renewed"  # static/js/csrf.js puts the fresh token in the page
# Where a plain form post of a package or transfer action goes back to when the Referer cannot be used.
_ACTION_PATH = re.compile(r"^(/(?:packages|transfers)/\d+)/actions/\d+$")


def _page_to_return_to() -> str:
    """The page the refused form was on: the Referer when it is this site, else the action's package or transfer."""
    referrer = urlsplit(request.referrer or "")
    here = urlsplit(request.host_url)
    if (referrer.scheme, referrer.netloc) == (here.scheme, here.netloc) and referrer.path.startswith("/"):
        return referrer.path + (f"?{referrer.query}" if referrer.query else "")
    action = _ACTION_PATH.match(request.path)
    return action.group(1) if action else url_for("locations.movements")


def _csrf_refused():
    """An expired or stale CSRF token never wipes the page: htmx gets the message in #service-notice and a fresh
    token (HX-Trigger); a plain form goes back to its page with the message flashed. A plain form that sent no
    token at all did not come from one of our pages: a 400, nothing changed."""
    if request.headers.get("HX-Request") == "true":
        html = render_template("_error.html", status=400, message=gettext(CSRF_MESSAGE))
        headers = {
            "HX-Retarget": "#service-notice",
            "HX-Reswap": "innerHTML",
            "HX-Trigger": json.dumps({CSRF_RENEWED_EVENT: {"token": generate_csrf()}}),
        }
        return html, 400, headers
    if not request.form.get("csrf_token"):
        return _page(
            400, gettext("The form lacked its security token, so nothing was changed. Reload the page and try again.")
        )
    flash(gettext(CSRF_MESSAGE), "error")
    return redirect(_page_to_return_to(), code=303)


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(AppError)
    def _app_error(error: AppError):
        if _is_api_request():
            return error_response(error)
        generic = _GENERIC_DETAILS.get(error.status_code)
        message = _page_message(error.status_code, error.message) if error.error == generic else error.message
        return _page(error.status_code, message, error.headers)

    @app.errorhandler(CSRFError)
    def _csrf_error(error: CSRFError):
        return _csrf_refused()

    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException):
        code = error.code or 500
        if not _is_api_request():
            response = _page(code, _page_message(code, error.description or error.name))
        else:
            if code == 404:
                detail = "Not found."
            elif code == 405:
                detail = f'Method "{request.method}" not allowed.'
            else:
                detail = error.description or error.name
            response = error_response(AppError(code, {"detail": detail}))
        response = current_app.make_response(response)
        for name, value in error.get_headers():  # e.g. Allow on a 405
            if name.lower() != "content-type":
                response.headers[name] = value
        return response

    @app.errorhandler(OperationalError)
    @app.errorhandler(PoolTimeout)
    def _database_unavailable(error: Exception):
        current_app.logger.warning("database unavailable on %s %s: %s", request.method, request.path, error)
        response = current_app.make_response(_app_error(AppError.unavailable()))
        if request.method in _READS and classify(error) is Failure.CONNECTION:
            response.headers[_RETRY_HEADER] = "1"
        return response

    @app.errorhandler(Exception)
    def _unexpected(error: Exception):
        current_app.logger.exception("unhandled error on %s %s", request.method, request.path)
        if _is_api_request():
            return error_response(AppError(500, {"detail": "A server error occurred."}))
        return _page(500, _SOMETHING_WENT_WRONG)


_SOMETHING_WENT_WRONG = N_("Something went wrong on our side; nothing you did. Try again in a moment.")


class RetryReadsOnce:
    """WSGI middleware: a GET or HEAD whose database connection broke is run once more (it changed
    nothing, and the pool hands out a fresh connection); any other answer passes through."""

    def __init__(self, wsgi_app: Callable):
        self.wsgi_app = wsgi_app

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        if environ.get("REQUEST_METHOD") not in _READS:
            return self.wsgi_app(environ, start_response)
        answer: list = []

        def hold(status: str, headers: list[tuple[str, str]], exc_info=None):
            answer[:] = [status, headers, exc_info]

        body = self.wsgi_app(environ, hold)
        status, headers, exc_info = answer
        if any(name == _RETRY_HEADER for name, _ in headers):
            getattr(body, "close", lambda: None)()
            body = self.wsgi_app(environ, hold)
            status, headers, exc_info = answer
        start_response(status, [(name, value) for name, value in headers if name != _RETRY_HEADER], exc_info)
        return body
