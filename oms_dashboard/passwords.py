"""Password hashes: every hash of one installation is made the same way (`PASSWORD_HASH_METHOD`).

Production keeps werkzeug's default, scrypt (about 0.1 s a hash, which is the point). The test suite
sets a cheap PBKDF2 so that making a user and signing in cost milliseconds, not a tenth of a second
each, thousands of times over.
"""

from __future__ import annotations

import secrets
from functools import cache

from flask import current_app
from werkzeug.security import generate_password_hash

DEFAULT_METHOD = "scrypt"


def hash_password(password: str) -> str:
    return generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])


@cache
def unknown_user_hash(method: str) -> str:
    """A hash made the way users' passwords are: checking a password against it costs what checking a
    real user's costs, so the answer time does not tell whether a username exists. The app factory
    makes it at start-up, so the first unknown username is not slower either."""
    return generate_password_hash(secrets.token_urlsafe(16), method=method)
