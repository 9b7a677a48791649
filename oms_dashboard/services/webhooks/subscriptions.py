"""Webhook subscriptions (DESIGN §8): what an admin or an unrestricted token creates, changes and deletes,
and re-sending one delivery. One transaction each; the row models judge what is sent, for every door."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlsplit

from pydantic import AfterValidator, ConfigDict, Field, Strict, StrictBool, field_validator
from sqlalchemy import delete, select

from ...database import run_in_transaction
from ...errors import AppError
from ...extensions import db
from ...models import WebhookAttempt, WebhookDelivery, WebhookSubscription
from ...models.base import utcnow
from ...retry_schedule import RetryCountdownConfig
from ...validation import NO_NUL_PATTERN, text, unstorable_text_reason
from ..masterdata.rows import Row, _body_example, _no_defaults
from .events import ALL_EVENTS, EVENT_TYPES, is_known_event_type

MAX_URL_LENGTH = 2048
MIN_SECRET_LENGTH = 8
MAX_SECRET_LENGTH = 255
URL_MESSAGE = "Enter an absolute http:// or https:// URL."


def _known_event_type(value: str) -> str:
    if not is_known_event_type(value):
        raise ValueError(f"Unknown event type {value[:128]}: use * or one of the documented types.")
    return value


def _web_url(value: str) -> str:
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018  (a port that is not a number raises)
    except ValueError:
        raise ValueError(URL_MESSAGE) from None
    if parts.scheme.lower() not in {"http", "https"} or not parts.hostname or any(c.isspace() for c in value):
        raise ValueError(URL_MESSAGE)
    return value


def _storable_secret(value: str) -> str:
    """Kept exactly as sent (not stripped: the receiver signs with the same bytes), but storable."""
    if len(value) < MIN_SECRET_LENGTH:
        raise ValueError(f"At least {MIN_SECRET_LENGTH} characters.")
    if (reason := unstorable_text_reason(value)) is not None:
        raise ValueError(reason)
    return value


EventType = Annotated[
    text(128),
    Field(
        description="An event type, or `*` for every event.",
        json_schema_extra={"enum": [ALL_EVENTS, *EVENT_TYPES]},
    ),
    AfterValidator(_known_event_type),
]
TargetUrl = Annotated[
    text(MAX_URL_LENGTH),
    Field(
        description="Where the events are POSTed: an absolute http(s) URL.", examples=["https://erp.example.com/oms"]
    ),
    AfterValidator(_web_url),
]
SecretKey = Annotated[
    str,
    Strict(),
    Field(
        max_length=MAX_SECRET_LENGTH,
        description="Signs each body (HMAC-SHA256); write-only: never returned.",
        json_schema_extra={"minLength": MIN_SECRET_LENGTH, "pattern": NO_NUL_PATTERN, "writeOnly": True},
    ),
    AfterValidator(_storable_secret),
]


_EXAMPLE = {
    "event_type": "package.status.shipped",
    "target_url": "https://erp.example.com/oms/webhooks",
    "secret_key": "change-me-to-a-long-random-string",
    "is_active": True,
    "retry_countdown_config": {"choice": "exponential", "interval": 30, "max_retries": 8},
}


class SubscriptionChanges(Row):
    """PATCH: only the fields sent change (a secret not sent stays as it was)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra=_no_defaults,
        openapi_extra=_body_example("Pause a subscription", {"is_active": False}),
    )

    event_type: EventType = None  # type: ignore[assignment]
    target_url: TargetUrl = None  # type: ignore[assignment]
    secret_key: SecretKey = None  # type: ignore[assignment]
    is_active: StrictBool = Field(default=True, description="Inactive: no new deliveries are made for it.")
    retry_countdown_config: RetryCountdownConfig = Field(default_factory=RetryCountdownConfig)

    @field_validator("event_type", "target_url", "secret_key", "retry_countdown_config", mode="before")
    @classmethod
    def _not_null(cls, value: Any) -> Any:
        if value is None:
            raise ValueError("This field may not be null.")
        return value


class SubscriptionRow(SubscriptionChanges):
    """A new subscription: an event type (or `*`), a URL and a secret to sign with."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [_EXAMPLE]},
        openapi_extra=_body_example("Shipped packages to the ERP", _EXAMPLE),
    )

    event_type: EventType
    target_url: TargetUrl
    secret_key: SecretKey


def create_subscription(*, row: SubscriptionRow) -> WebhookSubscription:
    def work() -> WebhookSubscription:
        subscription = WebhookSubscription(
            event_type=row.event_type,
            target_url=row.target_url,
            secret_key=row.secret_key,
            is_active=row.is_active,
            retry_countdown_config=row.retry_countdown_config.model_dump(exclude_none=True),
        )
        db.session.add(subscription)
        db.session.flush()
        return subscription

    return run_in_transaction(work)


def update_subscription(*, subscription_id: int, changes: SubscriptionChanges) -> WebhookSubscription:
    def work() -> WebhookSubscription:
        subscription = _locked(subscription_id)
        for name, value in changes.given().items():
            if name == "retry_countdown_config":
                value = value.model_dump(exclude_none=True)
            setattr(subscription, name, value)
        db.session.flush()
        return subscription

    return run_in_transaction(work)


def delete_subscription(*, subscription_id: int) -> None:
    """The subscription and its delivery history (attempts included) go."""

    def work() -> None:
        subscription = _locked(subscription_id)
        # Explicit deletes: SQLite without foreign key enforcement would not cascade.
        delivery_ids = db.session.scalars(
            select(WebhookDelivery.id).where(WebhookDelivery.subscription_id == subscription.id)
        ).all()
        if delivery_ids:
            db.session.execute(delete(WebhookAttempt).where(WebhookAttempt.delivery_id.in_(delivery_ids)))
            db.session.execute(delete(WebhookDelivery).where(WebhookDelivery.subscription_id == subscription.id))
        db.session.delete(subscription)
        db.session.flush()

    run_in_transaction(work)


def redeliver(*, subscription_id: int, delivery_id: int) -> WebhookDelivery:
    """Send a delivery again: pending from now, its retry schedule started over; earlier attempts stay."""

    def work() -> WebhookDelivery:
        delivery = db.session.get(WebhookDelivery, delivery_id, with_for_update=True)
        if delivery is None or delivery.subscription_id != subscription_id:
            raise AppError.not_found()
        delivery.status = "pending"
        delivery.next_attempt_date = utcnow()
        delivery.attempts = 0
        delivery.delivered_date = None
        db.session.flush()
        return delivery

    return run_in_transaction(work)


def _locked(subscription_id: int) -> WebhookSubscription:
    subscription = db.session.get(WebhookSubscription, subscription_id, with_for_update=True)
    if subscription is None:
        raise AppError.not_found()
    return subscription
