"""Outbox rows: each change stores its resource once, in one INSERT, and the bodies sent are the same bytes
the outbox sent when every row stored its whole envelope (before migration 0008), old rows included."""

from __future__ import annotations

import hashlib
import hmac

import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade
from sqlalchemy import select

from oms_dashboard.extensions import db
from oms_dashboard.models import OutboxEvent
from oms_dashboard.models.base import JSONType
from oms_dashboard.services.webhooks.delivery import envelope_bytes
from tests.helpers import fresh, order, run
from tests.receiver import Receiver
from tests.test_query_counts import counted_statements
from tests.test_webhook_delivery import all_events, one_pass, subscribe


@pytest.fixture
def receiver():
    with Receiver() as listening:
        yield listening


def as_stored_before(envelope: dict) -> dict:
    """The envelope as the old `payload` column gave it back: JSONB orders keys on PostgreSQL."""
    value = sa.bindparam("envelope", envelope, type_=JSONType)
    postgresql = db.engine.dialect.name == "postgresql"
    return db.session.scalar(select(sa.cast(value, JSONType) if postgresql else sa.type_coerce(value, JSONType)))


def test_a_state_change_writes_its_two_events_in_one_insert_with_one_stored_payload(app, two_stores):
    [pid] = order("2001", "A", prefer="L1")
    with counted_statements() as statements:
        run(pid, "PKG_STATE_TRANSITION")
    assert len([s for s in statements if s.lstrip().upper().startswith("INSERT INTO OUTBOX_EVENTS")]) == 1

    fresh()
    rows = db.session.execute(
        select(
            OutboxEvent.event_type,
            OutboxEvent.uuid,
            OutboxEvent.payload_event_uuid,
            OutboxEvent.resource_payload.is_(None).label("shares"),
        )
        .where(OutboxEvent.package_id == pid, OutboxEvent.event_type != "package.created")
        .order_by(OutboxEvent.id)
    ).all()
    assert [(row.event_type, row.shares) for row in rows] == [
        ("package.status.transitioned", False),
        ("package.status.preparing", True),
    ]
    holder, sharer = rows
    assert holder.payload_event_uuid is None and sharer.payload_event_uuid == holder.uuid
    holder_event, sharer_event = (
        db.session.scalars(select(OutboxEvent).where(OutboxEvent.uuid == r.uuid)).one() for r in rows
    )
    assert sharer_event.payload["payload"] == holder_event.payload["payload"]
    assert sharer_event.payload["payload"]["state"]["slug"] == "preparing"


def test_the_bodies_sent_are_byte_for_byte_the_envelopes_the_outbox_stored_before(app, two_stores, receiver):
    subscribe(receiver.url("/ok"), secret="s3cret")
    [pid] = order("2002", "A", prefer="L1")
    run(pid, "PKG_STATE_TRANSITION")
    events = {event.uuid: event for event in all_events()}
    assert any(event.payload_event_uuid for event in events.values())  # a shared payload among them
    with counted_statements() as statements:
        assert one_pass() == len(events)
    # One read of the body per request, whether the event holds its payload or shares another's.
    assert len([statement for statement in statements if "resource_payload" in statement]) == len(events)

    for request in receiver.at("/ok"):
        event = events[request.event_id]
        assert request.body == envelope_bytes(as_stored_before(event.payload))
        expected = "sha256=" + hmac.new(b"s3cret", request.body, hashlib.sha256).hexdigest()
        assert hmac.compare_digest(request.headers["X-OMS-Signature"], expected)


def test_events_written_before_0008_go_out_with_their_original_bodies(app, two_stores, receiver):
    [pid] = order("2003", "A", prefer="L1")
    run(pid, "PKG_STATE_TRANSITION")  # a shared payload, which the downgrade writes back as two envelopes
    shown = {event.uuid: event.payload for event in all_events()}
    old_row = {"event": {"type": "stock_location.updated", "uuid": "0" * 32}, "payload": {"name": "Kadıköy", "n": [1]}}
    outbox = sa.table(
        "outbox_events",
        sa.column("uuid", sa.String),
        sa.column("event_type", sa.String),
        sa.column("payload", JSONType),
        sa.column("created_date", sa.DateTime(timezone=True)),
    )
    db.session.remove()
    db.engine.dispose()
    try:
        downgrade(revision="0007")
        db.engine.dispose()
        db.session.execute(
            sa.insert(outbox).values(
                uuid="0" * 32, event_type="stock_location.updated", payload=old_row, created_date=sa.func.now()
            )
        )
        db.session.commit()
        stored = dict(db.session.execute(select(outbox.c.uuid, outbox.c.payload)).all())
        db.session.remove()
        assert {uuid: stored[uuid] for uuid in shown} == shown
    finally:
        db.engine.dispose()
        upgrade()
        db.engine.dispose()

    subscribe(receiver.url("/ok"))
    assert one_pass() == len(stored) == len(shown) + 1
    assert {request.event_id: request.body for request in receiver.at("/ok")} == {
        uuid: envelope_bytes(envelope) for uuid, envelope in stored.items()
    }
