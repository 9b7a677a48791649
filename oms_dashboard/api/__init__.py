"""The integrator JSON API under /api/v1/oms/ (DESIGN §5), token-authenticated."""

from __future__ import annotations

from flask import Blueprint, g, request

from ..actors import Actor
from ..errors import AppError
from ..services.accounts import find_token

api_blueprint = Blueprint("api", __name__, url_prefix="/api/v1/oms")


@api_blueprint.before_request
def authenticate() -> None:
    scheme, _, key = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "token" or not key.strip():
        raise AppError.unauthenticated()
    token = find_token(key.strip())
    if token is None:
        raise AppError.unauthenticated("Invalid token.")
    g.actor = Actor.for_token(token)


from . import orders, packages, reference, transfers  # noqa: E402,F401  (routes)
