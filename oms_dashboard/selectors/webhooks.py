"""Webhook subscriptions and their deliveries, as the API and the admin pages read them (a fixed number of
queries per page, whatever the number of rows)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from sqlalchemy import Select, case, func, select
from sqlalchemy.orm import joinedload

from ..errors import AppError
from ..extensions import db
from ..models import OutboxEvent, WebhookAttempt, WebhookDelivery, WebhookSubscription

DELIVERY_STATUSES = ("pending", "delivered", "failed")


def subscriptions() -> Select:
    return select(WebhookSubscription).order_by(WebhookSubscription.id)


def subscription(subscription_id: int) -> WebhookSubscription:
    found = db.session.get(WebhookSubscription, subscription_id)
    if found is None:
        raise AppError.not_found()
    return found


def deliveries(*, subscription_id: int, status: str | None = None) -> Select:
    """A subscription's deliveries, newest first, each with its event."""
    query = (
        select(WebhookDelivery)
        .options(joinedload(WebhookDelivery.event))
        .where(WebhookDelivery.subscription_id == subscription_id)
    )
    if status is not None:
        query = query.where(WebhookDelivery.status == status)
    return query.order_by(WebhookDelivery.id.desc())


def delivery(*, subscription_id: int, delivery_id: int) -> WebhookDelivery:
    found = db.session.get(WebhookDelivery, delivery_id, options=[joinedload(WebhookDelivery.event)])
    if found is None or found.subscription_id != subscription_id:
        raise AppError.not_found()
    return found


@dataclass
class SubscriptionSummary:
    subscription: WebhookSubscription
    pending: int
    failed: int


def subscription_summaries() -> list[SubscriptionSummary]:
    """Every subscription with its counts of pending and failed deliveries, in one query."""
    counts = (
        select(
            WebhookDelivery.subscription_id,
            func.sum(case((WebhookDelivery.status == "pending", 1), else_=0)).label("pending"),
            func.sum(case((WebhookDelivery.status == "failed", 1), else_=0)).label("failed"),
        )
        .group_by(WebhookDelivery.subscription_id)
        .subquery()
    )
    rows = db.session.execute(
        select(WebhookSubscription, counts.c.pending, counts.c.failed)
        .outerjoin(counts, counts.c.subscription_id == WebhookSubscription.id)
        .order_by(WebhookSubscription.id)
    )
    return [SubscriptionSummary(row[0], int(row[1] or 0), int(row[2] or 0)) for row in rows]


def attempts_of(delivery_ids: Sequence[int]) -> dict[int, list[WebhookAttempt]]:
    """The attempts of these deliveries, oldest first, by delivery (one query)."""
    found: dict[int, list[WebhookAttempt]] = defaultdict(list)
    if delivery_ids:
        for attempt in db.session.scalars(
            select(WebhookAttempt)
            .where(WebhookAttempt.delivery_id.in_(list(delivery_ids)))
            .order_by(WebhookAttempt.delivery_id, WebhookAttempt.id)
        ):
            found[attempt.delivery_id].append(attempt)
    return found


@dataclass
class EventDelivery:
    """Where one event went: a subscription's URL and how its delivery stands."""

    target_url: str
    status: str
    attempts: int

    @property
    def target(self) -> str:
        """The receiver's host (the whole URL is on the admin pages)."""
        return urlsplit(self.target_url).netloc or self.target_url[:60]


def package_events(package_id: int) -> list[tuple[OutboxEvent, list[EventDelivery]]]:
    """A package's events, oldest first, each with its deliveries (one query)."""
    rows = db.session.execute(
        select(OutboxEvent, WebhookDelivery.status, WebhookDelivery.attempts, WebhookSubscription.target_url)
        .outerjoin(WebhookDelivery, WebhookDelivery.event_id == OutboxEvent.id)
        .outerjoin(WebhookSubscription, WebhookSubscription.id == WebhookDelivery.subscription_id)
        .where(OutboxEvent.package_id == package_id)
        .order_by(OutboxEvent.id, WebhookDelivery.id)
    )
    events: dict[int, tuple[OutboxEvent, list[EventDelivery]]] = {}
    for event, status, attempts, target_url in rows:
        entry = events.setdefault(event.id, (event, []))
        if status is not None:
            entry[1].append(EventDelivery(target_url=target_url, status=status, attempts=attempts))
    return list(events.values())
