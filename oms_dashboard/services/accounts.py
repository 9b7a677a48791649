"""Users and API tokens."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence

from sqlalchemy import select

from ..database import run_in_transaction
from ..errors import AppError
from ..extensions import db
from ..models import ApiToken, Role, StockLocation, User


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def _locations(erp_codes: Sequence[str]) -> list[StockLocation]:
    found = list(db.session.scalars(select(StockLocation).where(StockLocation.erp_code.in_(set(erp_codes)))))
    unknown = sorted(set(erp_codes) - {location.erp_code for location in found})
    if unknown:
        raise AppError.field("location", f"Unknown stock location: {', '.join(unknown)}.")
    return found


def create_user(
    *, username: str, password: str, role: str, location_codes: Sequence[str] = (), full_name: str = ""
) -> int:
    if role not in {r.value for r in Role}:
        raise AppError.field("role", f"One of: {', '.join(r.value for r in Role)}.")
    if role == Role.STORE_STAFF and not location_codes:
        raise AppError.field("location", "Store staff work at one or more locations: give --location.")
    if len(password) < 4:
        raise AppError.field("password", "At least 4 characters.")

    def work() -> int:
        if db.session.scalars(select(User.id).where(User.username == username)).first() is not None:
            raise AppError.field("username", f"A user named {username} already exists.")
        user = User(username=username, role=role, full_name=full_name, locations=_locations(location_codes))
        user.set_password(password)
        db.session.add(user)
        db.session.flush()
        return user.id

    return run_in_transaction(work)


def set_password(*, username: str, password: str) -> None:
    def work() -> None:
        user = db.session.scalars(select(User).where(User.username == username)).first()
        if user is None:
            raise AppError.field("username", f"No user named {username}.")
        user.set_password(password)

    run_in_transaction(work)


def authenticate(*, username: str, password: str) -> User | None:
    """The active user with this username and password."""
    user = db.session.scalars(select(User).where(User.username == username)).first()
    if user is None or not user.is_active or not user.check_password(password):
        return None
    return user


def create_token(*, name: str, location_codes: Sequence[str] = ()) -> str:
    """Store a new token and return its key; only its hash is kept, so the key is shown once."""
    key = secrets.token_hex(20)

    def work() -> None:
        token = ApiToken(name=name, key_hash=hash_key(key), key_prefix=key[:8], locations=_locations(location_codes))
        db.session.add(token)

    run_in_transaction(work)
    return key


def find_token(key: str) -> ApiToken | None:
    """The live token with this key, if any."""
    token = db.session.scalars(select(ApiToken).where(ApiToken.key_hash == hash_key(key))).first()
    return token if token is not None and token.revoked_date is None else None
