"""Test-suite guard against drift: every API response must be one its operation documents.

flask-openapi3 validates the 2xx bodies a view returns against their models (`validate_response`);
this after-request hook adds what it cannot see: the status code itself must be documented for the
operation, and error bodies (made by the error handlers, not the view) must match their §5.3 model.
Turned on by OPENAPI_VALIDATE_RESPONSES (the test configuration); off in production.
"""

from __future__ import annotations

import re

from flask import Response, current_app, request

from .schemas.common import ERROR_MODELS

_API_BLUEPRINTS = {"api", "api_docs"}


def _openapi_path(rule: str) -> str:
    return re.sub(r"<(?:[^<>:]+:)?([^<>]+)>", r"{\1}", rule)


def check_documented_response(response: Response) -> Response:
    if request.blueprint not in _API_BLUEPRINTS or request.url_rule is None or request.method in {"HEAD", "OPTIONS"}:
        return response
    operation = current_app.api_doc["paths"][_openapi_path(request.url_rule.rule)][request.method.lower()]
    status = response.status_code
    if str(status) not in operation["responses"]:
        raise AssertionError(
            f"{request.method} {request.path} answered {status}, which its operation does not document"
        )
    if status >= 400:
        ERROR_MODELS[status].model_validate_json(response.get_data())
    return response
