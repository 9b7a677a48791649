"""API error responses: `{"error": {…}, "status_code": N}` (DESIGN §5.3)."""

from __future__ import annotations

from flask import jsonify

from ..errors import AppError


def error_response(error: AppError):
    response = jsonify(error.body)
    response.status_code = error.status_code
    if error.status_code == 401:
        response.headers["WWW-Authenticate"] = "Token"
    response.headers.update(error.headers)
    return response
