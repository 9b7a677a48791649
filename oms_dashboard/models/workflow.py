from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import DateTime, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .base import JSONType, TimestampMixin, utcnow


class TransitionColumns(TimestampMixin):
    """What package and transfer transitions share: which command, who may run it."""

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(191), unique=True)
    label: Mapped[str] = mapped_column(String(128))
    command: Mapped[str] = mapped_column(String(64))
    ui_visibility: Mapped[list[str]] = mapped_column(JSONType, default=list)
    config: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    translations: Mapped[dict[str, Any] | None] = mapped_column(JSONType)


class Transition(TransitionColumns, db.Model):
    """Which command may move which package state to which (DESIGN §2, §4); data, not code."""

    __tablename__ = "transitions"

    source_state: Mapped[int] = mapped_column(index=True)
    # None: decided when the command runs (UNBLOCK returns to the status before the block).
    destination_state: Mapped[int | None]


class TransferTransition(TransitionColumns, db.Model):
    """The same for transfer orders, whose states are strings (`waiting`, `in_transit`, …)."""

    __tablename__ = "transfer_transitions"

    source_state: Mapped[str] = mapped_column(String(32), index=True)
    destination_state: Mapped[str | None] = mapped_column(String(32))


class TransitionLog(db.Model):
    """One row per command run on a package (and one per package a command creates)."""

    __tablename__ = "transition_logs"

    id: Mapped[int] = mapped_column(primary_key=True)
    package_id: Mapped[int] = mapped_column(ForeignKey("packages.id"), index=True)
    transition_id: Mapped[int | None] = mapped_column(ForeignKey("transitions.id"))
    command: Mapped[str] = mapped_column(String(64))
    from_status: Mapped[int | None]
    to_status: Mapped[int]
    actor: Mapped[str] = mapped_column(String(160))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    api_token_id: Mapped[int | None] = mapped_column(ForeignKey("api_tokens.id"))
    input_parameters: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    created_date: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class TransferLog(db.Model):
    """One row per command run on a transfer order (and one per transfer order created)."""

    __tablename__ = "transfer_logs"

    id: Mapped[int] = mapped_column(primary_key=True)
    transfer_order_id: Mapped[int] = mapped_column(ForeignKey("transfer_orders.id"), index=True)
    transition_id: Mapped[int | None] = mapped_column(ForeignKey("transfer_transitions.id"))
    command: Mapped[str] = mapped_column(String(64))
    from_state: Mapped[str | None] = mapped_column(String(32))
    to_state: Mapped[str] = mapped_column(String(32))
    actor: Mapped[str] = mapped_column(String(160))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    api_token_id: Mapped[int | None] = mapped_column(ForeignKey("api_tokens.id"))
    input_parameters: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    created_date: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class OutboxEvent(db.Model):
    """A webhook event written in the command's transaction; a later worker delivers it."""

    __tablename__ = "outbox_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[str] = mapped_column(String(32), unique=True)
    event_type: Mapped[str] = mapped_column(String(128), index=True)
    package_id: Mapped[int | None] = mapped_column(ForeignKey("packages.id"), index=True)
    transfer_order_id: Mapped[int | None] = mapped_column(ForeignKey("transfer_orders.id"), index=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSONType)
    created_date: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
