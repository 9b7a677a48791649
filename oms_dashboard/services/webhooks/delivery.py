"""Sending the outbox to the subscriptions (DESIGN §8, docs/webhooks.md).

Two steps, each safe to run in any number of workers at once:

`dispatch_events` turns each new outbox event into one `WebhookDelivery` per matching active
subscription, in one short transaction, in event order.

`deliver_due` sends the due deliveries. Only the first pending delivery of each (subscription,
ordering key) is ever sent, so a subscriber gets the events of one package (transfer, location) in
the order they were written, and a later one waits while an earlier one is still being retried.
Each delivery is sent by a worker thread in its own short transaction: on PostgreSQL that
transaction holds the delivery's row lock (`FOR NO KEY UPDATE SKIP LOCKED`, so a claim never waits)
for the whole HTTP request, which keeps two workers from sending one delivery at the same time; on
SQLite, which has no row locks and only one writer at a time, a short transaction leases the
delivery (moves its next attempt past the request's timeout) instead, and another records the
outcome. Receivers are sent to in parallel by a `DeliveryPool` with connect and read timeouts, round
robin over the subscriptions, at most half of the threads for one subscription, and a receiver that
fails is not tried again in the same round; the worker's loop never waits for a request, so one
slow or dead receiver never holds up the others.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import threading
import time
from collections import Counter, defaultdict
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import chain, zip_longest

import httpx
from flask import Flask, current_app
from pydantic import ValidationError
from sqlalchemy import exists, func, insert, select, update
from sqlalchemy.orm import aliased, load_only

from ...database import run_in_transaction
from ...extensions import db
from ...models import OutboxEvent, WebhookAttempt, WebhookDelivery, WebhookSubscription
from ...models.base import utcnow
from ...retry_schedule import RetryCountdownConfig, seconds_until_retry
from .events import matches

log = logging.getLogger(__name__)

PENDING, DELIVERED, FAILED = "pending", "delivered", "failed"
MAX_ERROR_LENGTH = 1024
# How much of a refusing receiver's answer is kept in `last_error` (the rest is not read).
ANSWER_EXCERPT_BYTES = 300
# SQLite: a leased delivery is not due again until its request has certainly ended.
LEASE_MARGIN_SECONDS = 30
# PostgreSQL: one dispatcher at a time (others skip the pass), so deliveries are made in event order.
_DISPATCH_LOCK_KEY = 0x0E5D_15A7
USER_AGENT = "OMS-Dashboard-Webhooks/1"


# ---------------------------------------------------------------------------------------- dispatch


def dispatch_events(*, limit: int = 500) -> int:
    """Make the deliveries of up to `limit` undispatched outbox events; how many events were dispatched.

    One indexed read when nothing is waiting (no write transaction at all)."""
    waiting = db.session.scalar(select(OutboxEvent.id).where(OutboxEvent.dispatched_date.is_(None)).limit(1))
    _end_read()
    if waiting is None:
        return 0
    return run_in_transaction(lambda: _dispatch(limit))


def _dispatch(limit: int) -> int:
    session = db.session
    if session.get_bind().dialect.name == "postgresql":
        if not session.scalar(select(func.pg_try_advisory_xact_lock(_DISPATCH_LOCK_KEY))):
            return 0  # another worker is dispatching right now
    events = session.scalars(
        select(OutboxEvent)
        .options(
            load_only(
                OutboxEvent.id,
                OutboxEvent.event_type,
                OutboxEvent.package_id,
                OutboxEvent.transfer_order_id,
                OutboxEvent.stock_location_id,
            )
        )
        .where(OutboxEvent.dispatched_date.is_(None))
        .order_by(OutboxEvent.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    ).all()
    if not events:
        return 0
    subscriptions = session.execute(
        select(WebhookSubscription.id, WebhookSubscription.event_type)
        .where(WebhookSubscription.is_active)
        .order_by(WebhookSubscription.id)
    ).all()
    now = utcnow()
    rows = [
        {
            "subscription_id": subscription_id,
            "event_id": event.id,
            "ordering_key": event.ordering_key,
            "status": PENDING,
            "attempts": 0,
            "next_attempt_date": now,
            "created_date": now,
            "modified_date": now,
        }
        for event in events
        for subscription_id, event_type in subscriptions
        if matches(event_type, event.event_type)
    ]
    if rows:
        session.execute(insert(WebhookDelivery), rows)
    session.execute(
        update(OutboxEvent).where(OutboxEvent.id.in_([event.id for event in events])).values(dispatched_date=now)
    )
    return len(events)


# ---------------------------------------------------------------------------------------- delivery


@dataclass(frozen=True)
class Message:
    """One HTTP request of a delivery: the exact body and the headers signing it."""

    url: str
    body: bytes
    headers: dict[str, str]


@dataclass(frozen=True)
class Answer:
    started: datetime
    status_code: int | None
    error: str | None
    duration_ms: int

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


@dataclass(frozen=True)
class Head:
    delivery_id: int
    subscription_id: int
    ordering_key: str
    event_id: int


def envelope_bytes(envelope: dict) -> bytes:
    """The envelope as sent: compact UTF-8 JSON. These exact bytes are signed."""
    return json.dumps(envelope, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def signature(secret_key: str, body: bytes) -> str:
    """The `X-OMS-Signature` header's value for `body`."""
    return "sha256=" + hmac.new(secret_key.encode("utf-8"), body, hashlib.sha256).hexdigest()


class DeliveryPool:
    """Worker threads sending deliveries, kept across rounds by the worker (or for one `deliver_due` call).

    A round (`submit_due`) starts a chain for each due head, round robin over the subscriptions, while
    threads are free. It never waits for the requests: a receiver that hangs holds its threads until
    its timeout, but never the round, nor more than half of the threads (`per_subscription`), so the
    other subscriptions' deliveries keep going. A subscription whose receiver failed is not started
    again in the same round; a head already started in the round is not started again in it."""

    def __init__(self, app: Flask, *, threads: int, timeout: float, stop: threading.Event | None = None) -> None:
        self.app = app
        self.threads = threads
        self.per_subscription = max(1, threads // 2)
        self.timeout = timeout
        self.stop = stop or threading.Event()
        self._client = httpx.Client(timeout=httpx.Timeout(timeout), follow_redirects=False)
        self._executor = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="oms-webhook")
        self._guard = threading.Lock()
        self._running: dict[Future, Head] = {}
        self._failing: set[int] = set()
        self._started: set[int] = set()
        self._sent = 0

    def new_round(self) -> None:
        with self._guard:
            self._failing.clear()
            self._started.clear()

    def take_sent(self) -> int:
        """Requests made since the last call."""
        with self._guard:
            sent, self._sent = self._sent, 0
        return sent

    def in_flight(self) -> int:
        with self._guard:
            self._forget_finished()
            return len(self._running)

    def _forget_finished(self) -> None:
        for future in [future for future in self._running if future.done()]:
            del self._running[future]

    def submit_due(self, *, limit: int) -> int:
        """Start chains for the due heads that may start now; how many were started."""
        if self.stop.is_set():
            return 0
        with self._guard:
            self._forget_finished()
            if len(self._running) >= self.threads:
                return 0
        heads = _due_heads(limit)
        by_subscription: dict[int, list[Head]] = defaultdict(list)
        for head in heads:
            by_subscription[head.subscription_id].append(head)
        started = 0
        with self._guard:
            self._forget_finished()
            busy_keys = {(h.subscription_id, h.ordering_key) for h in self._running.values()}
            per_subscription = Counter(h.subscription_id for h in self._running.values())
            # The first head of each subscription before the second of any.
            for head in chain.from_iterable(zip_longest(*by_subscription.values())):
                if head is None or head.delivery_id in self._started or head.subscription_id in self._failing:
                    continue
                if len(self._running) >= self.threads:
                    break
                if (head.subscription_id, head.ordering_key) in busy_keys:
                    continue
                if per_subscription[head.subscription_id] >= self.per_subscription:
                    continue
                self._started.add(head.delivery_id)
                busy_keys.add((head.subscription_id, head.ordering_key))
                per_subscription[head.subscription_id] += 1
                self._running[self._executor.submit(self._run_chain, head)] = head
                started += 1
        return started

    def wait_any(self) -> None:
        with self._guard:
            self._forget_finished()
            running = list(self._running)
        if running:
            wait(running, return_when=FIRST_COMPLETED)

    def close(self) -> None:
        """Wait for the requests in flight (each bounded by the timeout) and let go of the threads."""
        self._executor.shutdown(wait=True)
        self._client.close()

    def _run_chain(self, head: Head) -> None:
        """Send `head`, then the next events of its key while each succeeds."""
        with self.app.app_context():
            current: Head | None = head
            while current is not None and not self.stop.is_set():
                with self._guard:
                    if current.subscription_id in self._failing:
                        return
                try:
                    answer = send_delivery(current.delivery_id, client=self._client, timeout=self.timeout)
                except Exception:  # the database, most likely: the delivery stays pending, tried next round
                    log.exception("webhook delivery %s could not be sent", current.delivery_id)
                    return
                if answer is None:  # taken by another worker, not first in its order any more, or not due
                    return
                with self._guard:
                    self._sent += 1
                    if not answer.ok:
                        self._failing.add(current.subscription_id)
                if not answer.ok:
                    return
                try:
                    current = _next_in_chain(current)
                except Exception:
                    log.exception("the next webhook delivery after %s could not be read", current.delivery_id)
                    return


def deliver_due(
    *,
    limit: int = 200,
    threads: int | None = None,
    timeout_seconds: float | None = None,
    stop: threading.Event | None = None,
) -> int:
    """Send the due deliveries that are first in their order (up to `limit` heads a round, each followed
    by the next event of its package while that one succeeds) and wait for them; how many requests
    were made. The worker keeps a `DeliveryPool` instead, which does not wait.

    `threads` requests at once (default `WORKER_THREADS`), each with `timeout_seconds` to connect and
    to read (default `WEBHOOK_TIMEOUT_SECONDS`). When `stop` is set, no further request is started;
    the ones in flight finish (they are bounded by the timeout)."""
    app = current_app._get_current_object()
    pool = DeliveryPool(
        app,
        threads=threads or app.config["WORKER_THREADS"],
        timeout=float(timeout_seconds or app.config["WEBHOOK_TIMEOUT_SECONDS"]),
        stop=stop,
    )
    try:
        pool.submit_due(limit=limit)
        while pool.in_flight():
            pool.wait_any()
            pool.submit_due(limit=limit)
    finally:
        pool.close()
    return pool.take_sent()


def _end_read() -> None:
    """End the session's read transaction, so the next read sees what others committed."""
    session = db.session()
    if session.in_transaction():
        session.commit()


def _first_in_order():
    """A condition on WebhookDelivery: no earlier event of its key is still pending for its subscription."""
    earlier = aliased(WebhookDelivery)
    return ~exists().where(
        earlier.subscription_id == WebhookDelivery.subscription_id,
        earlier.ordering_key == WebhookDelivery.ordering_key,
        earlier.status == PENDING,
        earlier.event_id < WebhookDelivery.event_id,
    )


def _sendable(*criteria) -> list:
    return [
        WebhookDelivery.status == PENDING,
        WebhookDelivery.next_attempt_date <= utcnow(),
        exists().where(
            WebhookSubscription.id == WebhookDelivery.subscription_id, WebhookSubscription.is_active.is_(True)
        ),
        _first_in_order(),
        *criteria,
    ]


def _due_heads(limit: int) -> list[Head]:
    rows = db.session.execute(
        select(
            WebhookDelivery.id, WebhookDelivery.subscription_id, WebhookDelivery.ordering_key, WebhookDelivery.event_id
        )
        .where(*_sendable())
        .order_by(WebhookDelivery.next_attempt_date, WebhookDelivery.id)
        .limit(limit)
    ).all()
    _end_read()
    return [Head(*row) for row in rows]


def _next_in_chain(head: Head) -> Head | None:
    row = db.session.execute(
        select(WebhookDelivery.id, WebhookDelivery.event_id)
        .where(
            WebhookDelivery.subscription_id == head.subscription_id,
            WebhookDelivery.ordering_key == head.ordering_key,
            WebhookDelivery.status == PENDING,
            WebhookDelivery.event_id > head.event_id,
        )
        .order_by(WebhookDelivery.event_id)
        .limit(1)
    ).first()
    _end_read()
    if row is None:
        return None
    return Head(row.id, head.subscription_id, head.ordering_key, row.event_id)


def send_delivery(delivery_id: int, *, client: httpx.Client, timeout: float) -> Answer | None:
    """Send one delivery if it is still pending, due, first in its order and its subscription active;
    record the attempt. None when it was not sent."""
    if db.session.get_bind().dialect.name == "postgresql":
        return _send_holding_lock(delivery_id, client)
    return _send_leased(delivery_id, client, timeout)


def _send_holding_lock(delivery_id: int, client: httpx.Client) -> Answer | None:
    session = db.session()
    _end_read()
    try:
        delivery = session.scalars(
            select(WebhookDelivery)
            .where(WebhookDelivery.id == delivery_id, *_sendable())
            .with_for_update(key_share=True, skip_locked=True)
        ).first()
        if delivery is None:
            session.rollback()
            return None
        answer = post(_message(delivery), client)
        _record(delivery, answer)
        session.commit()
        return answer
    except BaseException:
        session.rollback()
        raise


def _send_leased(delivery_id: int, client: httpx.Client, timeout: float) -> Answer | None:
    def lease() -> tuple[int, Message] | None:
        delivery = db.session.scalars(
            select(WebhookDelivery).where(WebhookDelivery.id == delivery_id, *_sendable())
        ).first()
        if delivery is None:
            return None
        message = _message(delivery)
        delivery.next_attempt_date = utcnow() + timedelta(seconds=timeout * 2 + LEASE_MARGIN_SECONDS)
        return delivery.attempts, message

    _end_read()
    leased = run_in_transaction(lease)
    if leased is None:
        return None
    attempts, message = leased
    answer = post(message, client)

    def record() -> None:
        delivery = db.session.get(WebhookDelivery, delivery_id)
        if delivery is not None and delivery.status == PENDING and delivery.attempts == attempts:
            _record(delivery, answer)

    run_in_transaction(record)
    return answer


def _message(delivery: WebhookDelivery) -> Message:
    event_type, event_uuid, body = _event_body(delivery.event_id)
    return Message(
        url=delivery.subscription.target_url,
        body=body,
        headers={
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
            "X-OMS-Event": event_type,
            "X-OMS-Event-Id": event_uuid,
            "X-OMS-Timestamp": str(int(time.time())),
            "X-OMS-Signature": signature(delivery.subscription.secret_key, body),
        },
    )


def _event_body(event_id: int) -> tuple[str, str, bytes]:
    """An event's type, uuid and body, in one query whether it holds its payload or shares another's."""
    holder = aliased(OutboxEvent)
    event_type, event_uuid, own, shared = db.session.execute(
        select(OutboxEvent.event_type, OutboxEvent.uuid, OutboxEvent.resource_payload, holder.resource_payload)
        .outerjoin(holder, holder.uuid == OutboxEvent.payload_event_uuid)
        .where(OutboxEvent.id == event_id)
    ).one()
    resource = own if own is not None else shared
    return event_type, event_uuid, envelope_bytes(OutboxEvent.envelope(event_type, event_uuid, resource))


def post(message: Message, client: httpx.Client) -> Answer:
    """POST `message`; any answer, timeout or connection failure becomes an `Answer` (never raises)."""
    started = utcnow()
    clock = time.monotonic()
    status_code = error = None
    try:
        with client.stream("POST", message.url, content=message.body, headers=message.headers) as response:
            status_code = response.status_code
            if not 200 <= status_code < 300:
                excerpt = b""
                for piece in response.iter_bytes():
                    excerpt += piece
                    if len(excerpt) >= ANSWER_EXCERPT_BYTES:
                        break
                text = excerpt[:ANSWER_EXCERPT_BYTES].decode("utf-8", "replace").strip()
                error = f"HTTP {status_code}" + (f": {text}" if text else "")
    except httpx.TimeoutException as exc:
        status_code, error = None, f"timed out ({type(exc).__name__})"
    except httpx.ConnectError as exc:
        status_code, error = None, f"could not connect: {exc}"
    except Exception as exc:  # an unusable URL, a broken answer, …: recorded, retried on the schedule
        status_code, error = None, f"{type(exc).__name__}: {exc}"
    duration_ms = int((time.monotonic() - clock) * 1000)
    return Answer(started, status_code, error[:MAX_ERROR_LENGTH] if error else None, duration_ms)


def _schedule(subscription: WebhookSubscription) -> RetryCountdownConfig:
    try:
        return RetryCountdownConfig.model_validate(subscription.retry_countdown_config or {})
    except ValidationError:
        log.warning("subscription %s has an unusable retry_countdown_config; the default is used", subscription.id)
        return RetryCountdownConfig()


def _record(delivery: WebhookDelivery, answer: Answer) -> None:
    now = utcnow()
    db.session.add(
        WebhookAttempt(
            delivery_id=delivery.id,
            started_date=answer.started,
            status_code=answer.status_code,
            error=answer.error,
            duration_ms=answer.duration_ms,
        )
    )
    delivery.attempts += 1
    delivery.last_status_code = answer.status_code
    delivery.last_error = answer.error
    delivery.last_duration_ms = answer.duration_ms
    if answer.ok:
        delivery.status = DELIVERED
        delivery.delivered_date = now
        return
    wait = seconds_until_retry(_schedule(delivery.subscription), delivery.attempts)
    if wait is None:
        delivery.status = FAILED
    else:
        delivery.next_attempt_date = now + timedelta(seconds=wait)
