from __future__ import annotations

import secrets
from datetime import datetime
from enum import StrEnum
from typing import Any

from flask_login import UserMixin
from sqlalchemy import (
    CheckConstraint,
    Column,
    DateTime,
    ForeignKey,
    Index,
    String,
    Table,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash

from ..extensions import db
from ..passwords import hash_password
from .base import JSONType, TimestampMixin, utcnow
from .locations import StockLocation


class Role(StrEnum):
    STORE_STAFF = "store_staff"
    MANAGER = "manager"
    ADMIN = "admin"


user_locations = Table(
    "user_locations",
    db.metadata,
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("stock_location_id", ForeignKey("stock_locations.id", ondelete="CASCADE"), primary_key=True),
)

api_token_locations = Table(
    "api_token_locations",
    db.metadata,
    Column("api_token_id", ForeignKey("api_tokens.id", ondelete="CASCADE"), primary_key=True),
    Column("stock_location_id", ForeignKey("stock_locations.id", ondelete="CASCADE"), primary_key=True),
)


def new_session_token() -> str:
    return secrets.token_urlsafe(32)


class User(UserMixin, TimestampMixin, db.Model):
    __tablename__ = "users"
    __table_args__ = (CheckConstraint("role IN ('store_staff', 'manager', 'admin')", name="known_role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    full_name: Mapped[str] = mapped_column(String(128), default="")
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16))
    is_active: Mapped[bool] = mapped_column(default=True)
    # Part of every session and remember cookie of this user; a new value ends them all (auth.py).
    session_token: Mapped[str] = mapped_column(String(64), default=new_session_token)
    # The language of this user's pages ("en", "tr"); None follows the browser (i18n.py).
    locale: Mapped[str | None] = mapped_column(String(8))

    locations: Mapped[list[StockLocation]] = relationship(secondary=user_locations, order_by=StockLocation.id)

    def get_id(self) -> str:
        """What Flask-Login keeps in the session and the remember cookie."""
        return f"{self.id}:{self.session_token}"

    def end_sessions(self) -> None:
        """Every cookie issued so far stops working (logout, password change, deactivation)."""
        self.session_token = new_session_token()

    def set_password(self, password: str) -> None:
        self.password_hash = hash_password(password)
        self.end_sessions()

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)


class LoginFailure(db.Model):
    """One refused sign-in; the rows of the last few minutes throttle further tries (services/authentication.py)."""

    __tablename__ = "login_failures"
    __table_args__ = (
        Index("ix_login_failures_username_created_date", "username", "created_date"),
        Index("ix_login_failures_client_address_created_date", "client_address", "created_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64))
    client_address: Mapped[str] = mapped_column(String(64))
    created_date: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ApiToken(db.Model):
    """An integrator's key, stored as its SHA-256 (the key is random, so a fast hash is enough)."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(128))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    key_prefix: Mapped[str] = mapped_column(String(8))
    created_date: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    revoked_date: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Refreshed at most once a minute (services/accounts.py), so a busy integrator costs no write per call.
    last_used_date: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    # Empty: the token may act on every location.
    locations: Mapped[list[StockLocation]] = relationship(secondary=api_token_locations, order_by=StockLocation.id)


class IdempotencyRecord(db.Model):
    """The first successful response to a POST sent with an Idempotency-Key (DESIGN §5.3)."""

    __tablename__ = "idempotency_records"
    __table_args__ = (UniqueConstraint("api_token_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    api_token_id: Mapped[int] = mapped_column(ForeignKey("api_tokens.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(255))
    request_fingerprint: Mapped[str] = mapped_column(String(64))
    response_status: Mapped[int]
    response_body: Mapped[Any | None] = mapped_column(JSONType)
    created_date: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
