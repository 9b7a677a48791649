"""`Idempotency-Key` on POST (DESIGN §5.3): a repeated key with the same body gets the first
response and runs nothing again. The record is written in the command's own transaction, so a
response is remembered exactly when its effects were committed.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

from flask import Response, g, jsonify, request
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ..errors import AppError
from ..extensions import db
from ..models import IdempotencyRecord

Remember = Callable[[int, Any], None]
HEADER = "Idempotency-Key"


def respond(execute: Callable[[Remember | None], tuple[int, Any]], key: str | None) -> Response:
    """Run `execute` (which calls its argument inside its transaction) unless `key` already ran.

    `key` is the `Idempotency-Key` header, already validated (1 to 255 characters, no NUL).
    """
    if key is None:
        return _response(*execute(None))
    fingerprint = hashlib.sha256(f"{request.method} {request.path}\n".encode() + request.get_data()).hexdigest()
    token_id = g.actor.api_token_id

    def stored() -> IdempotencyRecord | None:
        record = db.session.scalars(
            select(IdempotencyRecord).where(IdempotencyRecord.api_token_id == token_id, IdempotencyRecord.key == key)
        ).first()
        if record is not None and record.request_fingerprint != fingerprint:
            raise AppError.field(HEADER, "This key was already used for a different request.")
        return record

    if (record := stored()) is not None:
        return _replay(record)

    def remember(status: int, body: Any) -> None:
        db.session.add(
            IdempotencyRecord(
                api_token_id=token_id,
                key=key,
                request_fingerprint=fingerprint,
                response_status=status,
                response_body=body,
            )
        )

    try:
        return _response(*execute(remember))
    except (IntegrityError, AppError):
        # The same request, sent twice at once: the one that committed first answers both.
        if (record := stored()) is not None:
            return _replay(record)
        raise


def _response(status: int, body: Any) -> Response:
    if status == 204:
        return Response(status=204)
    response = jsonify(body)
    response.status_code = status
    return response


def _replay(record: IdempotencyRecord) -> Response:
    response = _response(record.response_status, record.response_body)
    response.headers["Idempotent-Replayed"] = "true"
    return response
