from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, DateTime, ForeignKey, Index, String, UniqueConstraint, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column, relationship

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


# None is stored as SQL NULL (plain JSONType would store the JSON `null`): an event sharing another's payload has none.
_NullableJSON = JSON(none_as_null=True).with_variant(JSONB(none_as_null=True), "postgresql")


class OutboxEvent(db.Model):
    """A webhook event written in the command's transaction; a later worker delivers it.

    Only the resource is stored (`resource_payload`); the worker wraps it in the envelope when it sends
    (`envelope`). Events of one change that show the same resource (`package.status.transitioned` and
    `package.status.<slug>`, a transfer's two events) store it once: the later ones name the event holding
    it in `payload_event_uuid` (a uuid, not an id, so all of a command's events go into one INSERT without
    asking the database for ids first)."""

    __tablename__ = "outbox_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[str] = mapped_column(String(32), unique=True)
    event_type: Mapped[str] = mapped_column(String(128), index=True)
    package_id: Mapped[int | None] = mapped_column(ForeignKey("packages.id"), index=True)
    transfer_order_id: Mapped[int | None] = mapped_column(ForeignKey("transfer_orders.id"), index=True)
    stock_location_id: Mapped[int | None] = mapped_column(ForeignKey("stock_locations.id"), index=True)
    # Deferred: the pages and the dispatcher never need it; the worker reads it in its own query.
    resource_payload: Mapped[dict[str, Any] | None] = mapped_column(_NullableJSON, deferred=True)
    payload_event_uuid: Mapped[str | None] = mapped_column(ForeignKey("outbox_events.uuid"))
    created_date: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # Set when the worker has made this event's deliveries (one per matching subscription); the
    # partial index keeps finding the undispatched ones cheap however long the outbox grows.
    dispatched_date: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    payload_event: Mapped[OutboxEvent | None] = relationship(remote_side=[uuid], foreign_keys=[payload_event_uuid])

    __table_args__ = (
        Index(
            "ix_outbox_events_undispatched",
            "id",
            postgresql_where=text("dispatched_date IS NULL"),
            sqlite_where=text("dispatched_date IS NULL"),
        ),
        CheckConstraint("(resource_payload IS NULL) <> (payload_event_uuid IS NULL)", name="one_payload"),
    )

    @staticmethod
    def envelope(event_type: str, event_uuid: str, resource_payload: dict[str, Any]) -> dict[str, Any]:
        """The JSON body a subscriber receives (docs/webhooks.md). The key order is the one JSONB gave
        the envelopes this table used to store, so the bytes sent are the same as before."""
        return {"event": {"type": event_type, "uuid": event_uuid}, "payload": resource_payload}

    @property
    def payload(self) -> dict[str, Any]:
        """This event's body as delivered, for tests and the shell (it loads the deferred payload, and the
        holder's when shared: a few queries per event; the worker reads what it sends in one query)."""
        own = self.resource_payload
        resource = own if own is not None else self.payload_event.resource_payload
        return self.envelope(self.event_type, self.uuid, resource)

    @property
    def ordering_key(self) -> str:
        """Events with the same key reach a subscriber in the order they were written."""
        if self.package_id is not None:
            return f"package:{self.package_id}"
        if self.transfer_order_id is not None:
            return f"transfer:{self.transfer_order_id}"
        if self.stock_location_id is not None:
            return f"stock_location:{self.stock_location_id}"
        return f"event:{self.id}"


class WebhookSubscription(TimestampMixin, db.Model):
    """Where to send which events (DESIGN §8): an event type or `*`, a URL, a secret to sign with."""

    __tablename__ = "webhook_subscriptions"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_type: Mapped[str] = mapped_column(String(128))
    target_url: Mapped[str] = mapped_column(String(2048))
    # Kept as given (HMAC needs it); never returned by the API or shown on a page.
    secret_key: Mapped[str] = mapped_column(String(255))
    is_active: Mapped[bool] = mapped_column(default=True)
    # {"choice": "fixed"|"linear"|"exponential"|"random", "interval": seconds, "max_retries": n, ...}
    retry_countdown_config: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)


class WebhookDelivery(TimestampMixin, db.Model):
    """One event for one subscription: pending until a 2xx (delivered) or its retries run out (failed)."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        UniqueConstraint("subscription_id", "event_id"),
        Index("ix_webhook_deliveries_due", "status", "next_attempt_date"),
        Index("ix_webhook_deliveries_order", "subscription_id", "ordering_key", "event_id"),
        CheckConstraint("status IN ('pending', 'delivered', 'failed')", name="known_status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    subscription_id: Mapped[int] = mapped_column(ForeignKey("webhook_subscriptions.id", ondelete="CASCADE"))
    event_id: Mapped[int] = mapped_column(ForeignKey("outbox_events.id"), index=True)
    # The event's ordering key (package:12, transfer:3, …): a later event with the same key waits.
    ordering_key: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_date: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_status_code: Mapped[int | None]
    last_error: Mapped[str | None] = mapped_column(String(1024))
    last_duration_ms: Mapped[int | None]
    delivered_date: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    subscription: Mapped[WebhookSubscription] = relationship()
    event: Mapped[OutboxEvent] = relationship()


class WebhookAttempt(db.Model):
    """One HTTP request of a delivery: when, how it answered, how long it took."""

    __tablename__ = "webhook_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    delivery_id: Mapped[int] = mapped_column(ForeignKey("webhook_deliveries.id", ondelete="CASCADE"), index=True)
    started_date: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    status_code: Mapped[int | None]
    error: Mapped[str | None] = mapped_column(String(1024))
    duration_ms: Mapped[int] = mapped_column(default=0)
