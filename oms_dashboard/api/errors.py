"""Every API error is JSON `{"error": {…}, "status_code": N}`, including 404s, 405s and crashes."""

from __future__ import annotations

from flask import Flask, current_app, jsonify, request
from werkzeug.exceptions import HTTPException

from ..errors import AppError

API_PREFIX = "/api/"


def error_response(error: AppError):
    response = jsonify(error.body)
    response.status_code = error.status_code
    if error.status_code == 401:
        response.headers["WWW-Authenticate"] = "Token"
    return response


def _is_api_request() -> bool:
    return request.path.startswith(API_PREFIX)


def register_api_error_pages(app: Flask) -> None:
    @app.errorhandler(AppError)
    def _app_error(error: AppError):
        if _is_api_request():
            return error_response(error)
        return error.message, error.status_code

    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException):
        if not _is_api_request():
            return error
        if error.code == 404:
            detail = "Not found."
        elif error.code == 405:
            detail = f'Method "{request.method}" not allowed.'
        else:
            detail = error.description or error.name
        response = error_response(AppError(error.code or 500, {"detail": detail}))
        for name, value in error.get_headers():  # e.g. Allow on a 405
            if name.lower() != "content-type":
                response.headers[name] = value
        return response

    @app.errorhandler(Exception)
    def _unexpected(error: Exception):
        current_app.logger.exception("unhandled error on %s %s", request.method, request.path)
        if _is_api_request():
            return error_response(AppError(500, {"detail": "A server error occurred."}))
        return "A server error occurred.", 500
