"""The integrator JSON API under /api/v1/oms/ (DESIGN §5), token-authenticated.

Routes are declared with flask-openapi3: the pydantic models in `schemas/` annotate each view, so the
same models validate the request and generate the OpenAPI document (`openapi.json`, see `docs.py`).
"""

from __future__ import annotations

from dataclasses import replace

from flask import g, request
from flask_openapi3 import APIBlueprint

from .. import cache
from ..actors import Actor
from ..errors import AppError
from ..models.base import utcnow
from ..services.accounts import LAST_USED_RESOLUTION, aware, find_token_values, hash_key, note_token_use

PREFIX = "/api/v1/oms"
TOKEN_SCHEME = "token"


def operation_id(*, bp_name: str = "", name: str = "", path: str = "", method: str = "") -> str:
    """The view's name (`package_list`, `order_intake`, …): short and stable."""
    return name


api_blueprint = APIBlueprint(
    "api",
    __name__,
    url_prefix=PREFIX,
    abp_security=[{TOKEN_SCHEME: []}],
    operation_id_callback=operation_id,
)


@api_blueprint.before_request
def authenticate() -> None:
    scheme, _, key = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "token" or not key.strip():
        raise AppError.unauthenticated()
    key_hash = hash_key(key.strip())
    # Live tokens only: a revoked one bumps the cache generation, so it is refused from the next request on.
    token = cache.cached(("token", key_hash), lambda: find_token_values(key_hash))
    if token is None:
        raise AppError.unauthenticated("Invalid token.")
    g.actor = Actor.for_token(token)
    now = utcnow()
    if token.last_used_date is None or now - aware(token.last_used_date) >= LAST_USED_RESOLUTION:
        note_token_use(token)
        # This process remembers its own write, so the next minute's requests do not write again.
        cache.replace(("token", key_hash), replace(token, last_used_date=now))


# Views only a token without a location restriction may call, by endpoint name, with the refusal's words.
_UNRESTRICTED_ONLY: dict[str, str] = {}


def unrestricted_only(detail: str):
    """Mark a view only a token without a location restriction may call (master data writes, webhooks).
    Checked before the body is read, so a restricted token gets 403 whatever it sends."""

    def mark(view):
        _UNRESTRICTED_ONLY[f"{api_blueprint.name}.{view.__name__}"] = detail
        return view

    return mark


# A view that changes master data (DESIGN §5.1).
writes_master_data = unrestricted_only("Only a token without a location restriction may change master data.")


@api_blueprint.before_request
def refuse_restricted_tokens() -> None:
    detail = _UNRESTRICTED_ONLY.get(request.endpoint or "")
    if detail is not None and g.actor.location_ids is not None:
        raise AppError(403, {"detail": detail})


@api_blueprint.before_request
def refuse_bare_json_values() -> None:
    """Every body here is a JSON object or list. A bare string would be read by flask-openapi3 as JSON
    text to decode again (double-encoded JSON, past the JSON guard), so it is refused here."""
    if request.content_length and request.is_json:
        body = request.get_json()  # through GuardedJSONProvider; cached for the view
        if not isinstance(body, dict | list):
            raise AppError.non_field("Send a JSON object or list as the request body.")


from . import (  # noqa: E402,F401  (routes)
    carriers,
    orders,
    packages,
    products,
    reference,
    stocklocations,
    stocks,
    transfers,
    webhooks,
)
