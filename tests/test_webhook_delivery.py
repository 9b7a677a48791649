"""Webhook delivery (DESIGN §8) to a real HTTP receiver on localhost; the worker and its reschedule."""

from __future__ import annotations

import hashlib
import hmac
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, update

from oms_dashboard.config import ConfigurationError, settings_from_environment
from oms_dashboard.errors import AppError
from oms_dashboard.extensions import db
from oms_dashboard.models import OutboxEvent, WebhookAttempt, WebhookDelivery, WebhookSubscription
from oms_dashboard.models.base import utcnow
from oms_dashboard.services.webhooks.delivery import deliver_due, dispatch_events
from oms_dashboard.states import PackageStatus
from oms_dashboard.worker import Worker
from tests.helpers import fresh, item_ids, order, package, run, status_of, stock
from tests.pglocks import wait_until
from tests.receiver import Receiver
from tests.test_api_contract import PACKAGE_KEYS

INVOICE_KEYS = {"invoice_number", "invoice_date", "invoice_url"}

PROJECT_ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def receiver():
    with Receiver() as listening:
        yield listening


def subscribe(url: str, event_type: str = "*", *, secret: str = "s3cret", active: bool = True, **retry) -> int:
    subscription = WebhookSubscription(
        event_type=event_type,
        target_url=url,
        secret_key=secret,
        is_active=active,
        retry_countdown_config=retry or {"choice": "fixed", "interval": 60, "max_retries": 5},
    )
    db.session.add(subscription)
    db.session.commit()
    return subscription.id


def one_pass(timeout: float = 2, threads: int = 4) -> int:
    dispatch_events()
    return deliver_due(timeout_seconds=timeout, threads=threads)


def retries_due_now() -> None:
    """What waiting for the retry schedule would do, without the wait."""
    fresh()
    db.session.execute(
        update(WebhookDelivery)
        .where(WebhookDelivery.status == "pending")
        .values(next_attempt_date=utcnow() - timedelta(seconds=1))
    )
    db.session.commit()


def all_events() -> list[OutboxEvent]:
    fresh()
    return list(db.session.scalars(select(OutboxEvent).order_by(OutboxEvent.id)))


def deliveries(subscription_id: int) -> list[WebhookDelivery]:
    fresh()
    return list(
        db.session.scalars(
            select(WebhookDelivery)
            .where(WebhookDelivery.subscription_id == subscription_id)
            .order_by(WebhookDelivery.event_id)
        )
    )


def assert_each_once_in_order_per_key(delivered: list[str], events: list[OutboxEvent]) -> None:
    """Every event exactly once; the events of one package (transfer, location) in the order written."""
    assert sorted(delivered) == sorted(event.uuid for event in events)
    for key in {event.ordering_key for event in events}:
        mine = [event.uuid for event in events if event.ordering_key == key]
        assert [uuid for uuid in delivered if uuid in mine] == mine


def test_events_of_real_commands_arrive_signed_with_the_package_payload(app, two_stores, receiver):
    subscription = subscribe(receiver.url("/ok"), secret="s3cret")
    [pid] = order("1001", "A", prefer="L1")
    run(pid, "PKG_STATE_TRANSITION")
    events = all_events()
    package_events = [event for event in events if event.package_id == pid]
    assert {"package.created", "package.status.transitioned"} <= {event.event_type for event in package_events}

    assert one_pass() == len(events)

    got = receiver.at("/ok")
    assert_each_once_in_order_per_key([r.event_id for r in got], events)
    now = time.time()
    by_uuid = {event.uuid: event for event in events}
    for request in got:
        event = by_uuid[request.event_id]
        expected = hmac.new(b"s3cret", request.body, hashlib.sha256).hexdigest()
        assert hmac.compare_digest(request.headers["X-OMS-Signature"], f"sha256={expected}")
        assert request.headers["Content-Type"] == "application/json"
        assert request.headers["X-OMS-Event"] == event.event_type
        assert abs(int(request.headers["X-OMS-Timestamp"]) - now) < 120
        assert request.json == event.payload
        assert request.json["event"] == {"type": event.event_type, "uuid": event.uuid}
    last_package_event = [r for r in got if r.event_id == package_events[-1].uuid][0].json["payload"]
    assert set(last_package_event) == PACKAGE_KEYS | INVOICE_KEYS  # the package as GET packages/{id}/ shows it
    assert last_package_event["id"] == pid and last_package_event["number"] == package(pid).number
    assert last_package_event["state"]["enum_value"] == PackageStatus.PREPARING.value

    rows = deliveries(subscription)
    assert [(d.status, d.attempts, d.last_status_code) for d in rows] == [("delivered", 1, 200)] * len(events)
    attempts = db.session.scalars(select(WebhookAttempt)).all()
    assert len(attempts) == len(events) and all(a.status_code == 200 and a.error is None for a in attempts)
    # Nothing is sent twice.
    assert one_pass() == 0 and len(receiver.at("/ok")) == len(events)


def test_a_recovering_receiver_gets_every_event_in_order_per_package(app, two_stores, receiver):
    subscription = subscribe(receiver.url("/flaky"), choice="fixed", interval=30, max_retries=5)
    first = order("1002", "A", prefer="L1")[0]
    second = order("1003", "B", prefer="L2")[0]
    run(first, "PKG_STATE_TRANSITION")
    run(second, "PKG_STATE_TRANSITION")
    run(first, "PKG_STATE_TRANSITION")
    events = all_events()

    one_pass()  # the first request to arrive is answered 503: that receiver is not tried again in this pass
    refused = receiver.at("/flaky")[0].event_id
    [failed_once] = [d for d in deliveries(subscription) if d.event.uuid == refused]
    assert (failed_once.status, failed_once.attempts, failed_once.last_status_code) == ("pending", 1, 503)
    assert failed_once.last_error == "HTTP 503: busy, try later"
    behind = [d for d in deliveries(subscription) if d.ordering_key == failed_once.ordering_key]
    assert [d.attempts for d in behind if d.event_id > failed_once.event_id] == [0] * (len(behind) - 1)
    one_pass()  # the refused one is not due yet; the others may go
    assert refused not in [r.event_id for r in receiver.at("/flaky")[1:]]

    retries_due_now()
    one_pass()

    got = receiver.at("/flaky")
    delivered = [r.event_id for r in got[1:]]  # every request after the first was answered 200
    assert_each_once_in_order_per_key(delivered, events)  # the refused one again, then the rest
    assert {d.status for d in deliveries(subscription)} == {"delivered"}
    codes = Counter(db.session.scalars(select(WebhookAttempt.status_code)))
    assert codes == {503: 1, 200: len(events)}


def test_a_command_that_fails_sends_nothing(app, two_stores, receiver):
    subscribe(receiver.url("/ok"))
    [pid] = order("1004", "A", prefer="L1")
    run(pid, "PKG_STATE_TRANSITION")
    one_pass()
    before = len(receiver.at("/ok"))

    with pytest.raises(AppError):
        run(pid, "REFUSE_WITH_DENIAL_REASON", denial_reason=999999)

    assert dispatch_events() == 0
    assert deliver_due(timeout_seconds=2) == 0
    assert len(receiver.at("/ok")) == before


def test_a_receiver_that_never_answers_does_not_delay_another_subscription(app, two_stores, receiver):
    hanging = subscribe(receiver.url("/hang"))
    subscribe(receiver.url("/ok"))
    [pid] = order("1005", "A", prefer="L1")
    run(pid, "PKG_STATE_TRANSITION")
    run(pid, "PKG_STATE_TRANSITION")
    events = all_events()

    started = time.monotonic()
    one_pass(timeout=2)

    ok = receiver.at("/ok")
    assert_each_once_in_order_per_key([r.event_id for r in ok], events)
    assert all(r.at - started < 2 for r in ok)  # all there while the other receiver still held its request
    stuck = [d for d in deliveries(hanging) if d.attempts]
    assert stuck and len(receiver.at("/hang")) == len(stuck)
    for delivery in stuck:
        assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("pending", 1, None)
        assert delivery.last_error.startswith("timed out") and delivery.last_duration_ms >= 1900
    # The later events of a key wait for its first one.
    firsts = {}
    for delivery in deliveries(hanging):
        firsts.setdefault(delivery.ordering_key, delivery.id)
    assert {d.id for d in stuck} <= set(firsts.values())


def test_exhausted_retries_fail_the_delivery_with_every_attempt_recorded(app, two_stores, receiver):
    subscription = subscribe(receiver.url("/down"), "package.created", choice="linear", interval=5, max_retries=2)
    order("1006", "A", prefer="L1")

    for _ in range(5):
        one_pass()
        retries_due_now()

    [delivery] = deliveries(subscription)
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("failed", 3, 503)
    attempts = db.session.scalars(select(WebhookAttempt).order_by(WebhookAttempt.id)).all()
    assert [(a.delivery_id, a.status_code, a.error) for a in attempts] == [
        (delivery.id, 503, "HTTP 503: busy, try later")
    ] * 3
    assert all(a.duration_ms >= 0 and a.started_date is not None for a in attempts)
    assert len({r.event_id for r in receiver.at("/down")}) == 1 and len(receiver.at("/down")) == 3


def test_inactive_subscriptions_get_nothing(app, two_stores, receiver):
    subscribe(receiver.url("/ok-inactive"), active=False)
    paused = subscribe(receiver.url("/ok-paused"))
    subscribe(receiver.url("/ok-other"), "package.created")
    order("1007", "A", prefer="L1")
    dispatch_events()
    db.session.execute(update(WebhookSubscription).where(WebhookSubscription.id == paused).values(is_active=False))
    db.session.commit()

    deliver_due(timeout_seconds=2)

    assert receiver.at("/ok-inactive") == [] and receiver.at("/ok-paused") == []
    assert [r.headers["X-OMS-Event"] for r in receiver.at("/ok-other")] == ["package.created"]
    assert {d.status for d in deliveries(paused)} == {"pending"}  # kept, not sent, not failed

    db.session.execute(update(WebhookSubscription).where(WebhookSubscription.id == paused).values(is_active=True))
    db.session.commit()
    deliver_due(timeout_seconds=2)
    assert len(receiver.at("/ok-paused")) == len(all_events())
    assert receiver.at("/ok-inactive") == []


def test_the_worker_reschedules_out_of_stock_packages_periodically(app, two_stores, request):
    stock("L1", "A", 5)
    stock("L2", "A", 0)
    [pid] = order("1008", "A", prefer="L1")
    run(pid, "DETECTED_OUT_OF_STOCK_ITEM", package_items=item_ids(pid), reason="wrong_product")
    assert status_of(pid) is PackageStatus.WRONG_PRODUCT
    now = [1000.0]
    worker = Worker(app, clock=lambda: now[0])
    request.addfinalizer(worker.close)

    worker.run_once()  # the first reschedule runs at start: still no stock anywhere else
    assert status_of(pid) is PackageStatus.WRONG_PRODUCT

    stock("L2", "A", 1)
    now[0] += 60
    worker.run_once()  # not due yet
    assert status_of(pid) is PackageStatus.WRONG_PRODUCT

    now[0] += app.config["RESCHEDULE_MINUTES"] * 60
    worker.run_once()
    moved = package(pid)
    assert moved.state is PackageStatus.WAITING and moved.stock_location.erp_code == "L2"


def test_the_worker_keeps_delivering_to_others_while_a_receiver_hangs(app, two_stores, receiver):
    app.config["WEBHOOK_TIMEOUT_SECONDS"] = 5
    subscribe(receiver.url("/hang"))
    subscribe(receiver.url("/ok"))
    order("1012", "A", prefer="L1")
    worker = Worker(app, reschedule=False)
    try:
        worker.run_once()
        wait_until(lambda: receiver.at("/hang"), "the hanging receiver is called")
        hung_since = receiver.at("/hang")[0].at
        order("1013", "B", prefer="L2")  # more events while that request hangs
        expected = sorted(event.uuid for event in all_events())

        deadline = time.monotonic() + 30
        while sorted(r.event_id for r in receiver.at("/ok")) != expected:
            assert time.monotonic() < deadline, "the other subscription's events did not arrive"
            worker.run_once()  # one round of the loop: it does not wait for the hanging request
            time.sleep(0.05)  # polling for a condition, not timing

        assert max(r.at for r in receiver.at("/ok")) < hung_since + 5  # before the hanging request timed out
        assert worker.pool.in_flight() >= 1
    finally:
        worker.close()  # waits for the hanging request's timeout
    assert worker.pool.in_flight() == 0


def test_oms_worker_exits_cleanly_on_sigterm(tmp_path):
    flask = str(Path(sys.executable).with_name("flask"))
    env = {
        **os.environ,
        "FLASK_APP": "app",
        "DATABASE_URL": f"sqlite:///{tmp_path}/worker.sqlite3",
        "SECRET_KEY": "worker-test",
    }
    subprocess.run([flask, "db", "upgrade"], cwd=PROJECT_ROOT, env=env, check=True, capture_output=True, timeout=120)
    worker = subprocess.Popen(
        [flask, "oms", "worker"], cwd=PROJECT_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(worker.stderr), daemon=True)
    reader.start()
    try:
        deadline = time.monotonic() + 60
        while not any("Worker started" in line for line in lines):
            assert worker.poll() is None, "".join(lines)
            assert time.monotonic() < deadline, "the worker did not start"
            time.sleep(0.05)  # polling for a condition, not timing

        worker.send_signal(signal.SIGTERM)

        assert worker.wait(timeout=10) == 0
        reader.join(5)
        assert any("Worker stopped" in line for line in lines), "".join(lines)
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait()


def test_a_refused_connection_is_a_failed_attempt_retried_later(app, two_stores):
    with socket.socket() as closed:  # a port nobody listens on
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    subscription = subscribe(f"http://127.0.0.1:{port}/gone", "package.created")
    order("1010", "A", prefer="L1")

    assert one_pass() == 1

    [delivery] = deliveries(subscription)
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("pending", 1, None)
    assert delivery.last_error.startswith("could not connect")
    [attempt] = db.session.scalars(select(WebhookAttempt)).all()
    assert attempt.error == delivery.last_error and len(attempt.error) <= 1024


def test_oms_webhooks_once_delivers_and_reports(app, two_stores, receiver):
    subscribe(receiver.url("/ok"))
    order("1011", "A", prefer="L1")
    events = all_events()

    result = app.test_cli_runner().invoke(args=["oms", "webhooks", "--once"])

    assert result.exit_code == 0, result.output
    assert f"Webhook deliveries: 0 pending, {len(events)} delivered, 0 failed." in result.output
    assert sorted(r.event_id for r in receiver.at("/ok")) == sorted(event.uuid for event in events)


@pytest.mark.parametrize(
    ("variable", "value"),
    [("OMS_WEBHOOK_TIMEOUT_SECONDS", "0"), ("OMS_WORKER_THREADS", "many"), ("OMS_RESCHEDULE_MINUTES", "-5")],
)
def test_an_invalid_worker_setting_stops_start_up_naming_the_variable(monkeypatch, tmp_path, variable, value):
    monkeypatch.setenv(variable, value)
    with pytest.raises(ConfigurationError, match=variable):
        settings_from_environment(tmp_path, {"SECRET_KEY": "x"})


def test_the_worker_settings_come_from_the_environment(monkeypatch, tmp_path):
    defaults = settings_from_environment(tmp_path, {"SECRET_KEY": "x"})
    assert (defaults["WEBHOOK_TIMEOUT_SECONDS"], defaults["WORKER_THREADS"], defaults["RESCHEDULE_MINUTES"]) == (
        10,
        4,
        15,
    )
    monkeypatch.setenv("OMS_WEBHOOK_TIMEOUT_SECONDS", "3")
    monkeypatch.setenv("OMS_WORKER_THREADS", "8")
    monkeypatch.setenv("OMS_RESCHEDULE_MINUTES", "5")
    custom = settings_from_environment(tmp_path, {"SECRET_KEY": "x"})
    assert (custom["WEBHOOK_TIMEOUT_SECONDS"], custom["WORKER_THREADS"], custom["RESCHEDULE_MINUTES"]) == (3, 8, 5)
