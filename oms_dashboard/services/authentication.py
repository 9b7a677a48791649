"""Signing in: password check, failed-login throttling shared by every worker, no username oracle.

The throttle is a table of recent failures (one row per refused sign-in) rather than
Flask-Limiter: its storages are memory, Redis, Memcached or MongoDB, and this product runs on its
database alone. A sliding window over a table every worker and host already shares is one query
per check, and old rows are pruned whenever a failure is written.

Requests that pass the check at the same moment can each fail once more, so a burst of parallel
tries may exceed a limit by at most the number of requests the servers answer at once.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from flask import current_app
from flask_babel import ngettext
from sqlalchemy import delete, select
from werkzeug.security import check_password_hash

from ..database import run_in_transaction
from ..errors import AppError
from ..extensions import db
from ..models import LoginFailure, User
from ..models.base import utcnow
from ..passwords import unknown_user_hash

ADDRESS_MAX_LENGTH = 64


@dataclass(frozen=True)
class ThrottleLimits:
    per_username: int
    per_address: int
    window: timedelta

    @classmethod
    def from_config(cls) -> ThrottleLimits:
        config = current_app.config
        return cls(
            per_username=config["LOGIN_FAILURES_PER_USERNAME"],
            per_address=config["LOGIN_FAILURES_PER_ADDRESS"],
            window=config["LOGIN_FAILURE_WINDOW"],
        )


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=timezone.utc)  # SQLite drops the zone


def _throttled_until(column, value: str, limit: int, now: datetime, window: timedelta) -> datetime | None:
    """When the `limit`-th most recent failure in the window leaves it, or None when there are fewer."""
    oldest_that_counts = db.session.scalar(
        select(LoginFailure.created_date)
        .where(column == value, LoginFailure.created_date > now - window)
        .order_by(LoginFailure.created_date.desc())
        .offset(limit - 1)
        .limit(1)
    )
    return None if oldest_that_counts is None else _aware(oldest_that_counts) + window


def _refuse_while_throttled(username: str, client_address: str, limits: ThrottleLimits) -> None:
    now = utcnow()
    ends = [
        moment
        for moment in (
            _throttled_until(LoginFailure.username, username, limits.per_username, now, limits.window),
            _throttled_until(LoginFailure.client_address, client_address, limits.per_address, now, limits.window),
        )
        if moment is not None
    ]
    if ends:
        seconds = max(1, math.ceil((max(ends) - now).total_seconds()))
        minutes = math.ceil(seconds / 60)
        detail = ngettext(  # the sign-in page's language (the API signs in with tokens, never here)
            "Too many failed sign-in attempts. Try again in %(num)d minute.",
            "Too many failed sign-in attempts. Try again in %(num)d minutes.",
            minutes,
        )
        raise AppError(429, {"detail": detail}, headers={"Retry-After": str(seconds)})


def _record_failure(username: str, client_address: str, window: timedelta) -> None:
    def work() -> None:
        now = utcnow()
        db.session.execute(delete(LoginFailure).where(LoginFailure.created_date <= now - window))
        db.session.add(LoginFailure(username=username, client_address=client_address, created_date=now))

    run_in_transaction(work)


def _forget_failures(username: str) -> None:
    """A successful sign-in starts the username's count again (the address keeps its count)."""

    def work() -> None:
        db.session.execute(delete(LoginFailure).where(LoginFailure.username == username))

    run_in_transaction(work)


def authenticate(*, username: str, password: str, client_address: str | None) -> User | None:
    """The active user with this username and password, or None.

    Raises a 429 AppError (with Retry-After) while the username or the address has too many recent
    failures; the password is not checked then, so a throttled try reveals nothing.
    """
    limits = ThrottleLimits.from_config()
    username = username[:64]
    client_address = (client_address or "unknown")[:ADDRESS_MAX_LENGTH]
    _refuse_while_throttled(username, client_address, limits)

    user = db.session.scalars(select(User).where(User.username == username)).first()
    # Exactly one hash check, whether or not the user exists or is active.
    password_hash = (
        user.password_hash if user is not None else unknown_user_hash(current_app.config["PASSWORD_HASH_METHOD"])
    )
    password_matches = check_password_hash(password_hash, password)
    if user is None or not user.is_active or not password_matches:
        _record_failure(username, client_address, limits.window)
        return None
    _forget_failures(username)
    return user
