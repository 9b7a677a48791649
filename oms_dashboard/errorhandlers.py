"""Every error ends as JSON under /api/ and as a readable page (or htmx fragment) elsewhere: never a bare 500."""

from __future__ import annotations

from flask import Flask, current_app, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from .api.errors import error_response
from .errors import AppError
from .views.htmx import wants_fragment

API_PREFIX = "/api/"
_PAGE_MESSAGES = {
    404: "There is nothing here, or it is not yours to see.",
    405: "That action cannot be done this way.",
}


def _is_api_request() -> bool:
    return request.path.startswith(API_PREFIX)


def _page(status: int, message: str):
    template = "_error.html" if wants_fragment() else "error.html"
    return render_template(template, status=status, message=message), status


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(AppError)
    def _app_error(error: AppError):
        if _is_api_request():
            return error_response(error)
        message = (
            _PAGE_MESSAGES[404]
            if error.status_code == 404 and error.error == {"detail": "Not found."}
            else error.message
        )
        return _page(error.status_code, message)

    @app.errorhandler(CSRFError)
    def _csrf_error(error: CSRFError):
        return _page(
            400,
            "The form had expired or lacked its security token, so nothing was changed. Reload the page and try again.",
        )

    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException):
        code = error.code or 500
        if not _is_api_request():
            response = _page(code, _PAGE_MESSAGES.get(code, error.description or error.name))
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

    @app.errorhandler(Exception)
    def _unexpected(error: Exception):
        current_app.logger.exception("unhandled error on %s %s", request.method, request.path)
        if _is_api_request():
            return error_response(AppError(500, {"detail": "A server error occurred."}))
        return _page(500, "Something went wrong on our side; nothing you did. Try again in a moment.")
