"""Several workers on one backlog (PostgreSQL row locks): every event reaches each subscription exactly once."""

from __future__ import annotations

import threading
import time
from collections import Counter

import pytest
from sqlalchemy import func, select

from oms_dashboard.extensions import db
from oms_dashboard.models import OutboxEvent, WebhookDelivery, WebhookSubscription
from oms_dashboard.services.webhooks.delivery import deliver_due, dispatch_events
from tests.helpers import fresh, order, run
from tests.receiver import Receiver

pytestmark = pytest.mark.postgresql_only

DEADLINE_SECONDS = 60


def _subscribe(url: str) -> None:
    db.session.add(
        WebhookSubscription(
            event_type="*",
            target_url=url,
            secret_key="s3cret",
            retry_countdown_config={"choice": "fixed", "interval": 60, "max_retries": 3},
        )
    )
    db.session.commit()


def _work_left() -> bool:
    undispatched = db.session.scalar(select(func.count()).where(OutboxEvent.dispatched_date.is_(None)))
    pending = db.session.scalar(select(func.count()).where(WebhookDelivery.status == "pending"))
    db.session.rollback()
    return bool(undispatched or pending)


def test_two_workers_deliver_each_event_exactly_once_per_subscription(app, two_stores):
    with Receiver(delay_seconds=0.02) as receiver:  # a little slow, so the workers' passes overlap
        _subscribe(receiver.url("/ok-a"))
        _subscribe(receiver.url("/ok-b"))
        packages = [order(f"20{n:02d}", "A" if n % 2 else "B")[0] for n in range(8)]
        for pid in packages[:4]:
            run(pid, "PKG_STATE_TRANSITION")
        fresh()
        events = list(db.session.scalars(select(OutboxEvent).order_by(OutboxEvent.id)))
        db.session.rollback()
        errors: list[BaseException] = []
        start = threading.Barrier(2)

        def worker() -> None:
            try:
                with app.app_context():
                    start.wait()
                    deadline = time.monotonic() + DEADLINE_SECONDS
                    while _work_left():
                        assert time.monotonic() < deadline, "the backlog was not delivered in time"
                        dispatch_events(limit=7)
                        deliver_due(limit=5, threads=3, timeout_seconds=5)
            except BaseException as exc:  # reported by the test below
                errors.append(exc)

        threads = [threading.Thread(target=worker) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(DEADLINE_SECONDS + 10)
        assert not errors, errors

        for path in ("/ok-a", "/ok-b"):
            got = receiver.at(path)
            counts = Counter(r.event_id for r in got)
            assert counts == Counter({event.uuid: 1 for event in events}), path
            delivered = [r.event_id for r in got]
            for key in {event.ordering_key for event in events}:
                mine = [event.uuid for event in events if event.ordering_key == key]
                assert [uuid for uuid in delivered if uuid in mine] == mine, (path, key)
        fresh()
        assert set(db.session.scalars(select(WebhookDelivery.status))) == {"delivered"}
        assert db.session.scalar(select(func.count()).select_from(WebhookDelivery)) == 2 * len(events)
