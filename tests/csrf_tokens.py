"""CSRF tokens as a page left open for hours holds them, made without waiting: signed with an old timestamp."""

from __future__ import annotations

import time

from flask import Flask
from itsdangerous import TimestampSigner, URLSafeTimedSerializer

CSRF_SALT = "wtf-csrf-token"  # Flask-WTF's salt for its signed tokens


def expired_csrf_token(app: Flask, page_token: str, hours: int = 5) -> str:
    """The page's CSRF token (same session secret) as if the page had been rendered `hours` ago."""
    secret = app.config.get("WTF_CSRF_SECRET_KEY") or app.secret_key
    raw = URLSafeTimedSerializer(secret, salt=CSRF_SALT).loads(page_token)

    class Past(TimestampSigner):
        def get_timestamp(self) -> int:
            return int(time.time()) - hours * 3600

    return URLSafeTimedSerializer(secret, salt=CSRF_SALT, signer=Past).dumps(raw)
