"""Webhook subscriptions through the JSON API (DESIGN §5.1, §8): create, read, change, delete; the
delivery history and re-sending; only unrestricted tokens; the secret never comes back.

Deliveries and attempts are written here with the models (the worker that makes them is tested apart).
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from oms_dashboard.extensions import db
from oms_dashboard.models import OutboxEvent, WebhookAttempt, WebhookDelivery, WebhookSubscription
from oms_dashboard.models.base import utcnow
from oms_dashboard.services.webhooks.events import EVENT_TYPES, is_known_event_type
from tests.helpers import ApiClient, fresh, location, order, product, run, stock, token

SECRET = "s3cret-for-the-erp-0001"
NEW = {"event_type": "package.status.shipped", "target_url": "https://erp.example.com/hooks", "secret_key": SECRET}


@pytest.fixture
def api(client, app):
    return ApiClient(client, token(name="ERP"))


@pytest.fixture
def restricted(client, app):
    location("L1")
    return ApiClient(client, token("L1", name="Kadıköy till"))


def create(api: ApiClient, **fields: Any) -> dict[str, Any]:
    response = api.post_raw("webhooks/", NEW | fields)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def delete(api: ApiClient, path: str):
    return api.client.delete(f"/api/v1/oms/{path}", headers=api.headers)


def no_secret(response) -> None:
    assert SECRET not in response.get_data(as_text=True)
    assert "secret_key" not in response.get_data(as_text=True)


def deliveries_world(subscription_id: int) -> dict[str, int]:
    """A package's events with a delivered, a failed (3 attempts) and a pending delivery."""
    location("L1")
    product("A")
    stock("L1", "A", 5)
    [package_id] = order("W1", "A", prefer="L1")
    run(package_id, "PKG_STATE_TRANSITION")  # package.status.transitioned, package.status.preparing
    events = db.session.scalars(
        select(OutboxEvent).where(OutboxEvent.package_id == package_id).order_by(OutboxEvent.id)
    ).all()
    now = utcnow()
    delivered = WebhookDelivery(
        subscription_id=subscription_id,
        event_id=events[0].id,
        ordering_key=events[0].ordering_key,
        status="delivered",
        attempts=1,
        last_status_code=200,
        last_duration_ms=40,
        delivered_date=now,
    )
    failed = WebhookDelivery(
        subscription_id=subscription_id,
        event_id=events[1].id,
        ordering_key=events[1].ordering_key,
        status="failed",
        attempts=3,
        last_status_code=502,
        last_error="HTTP 502",
        last_duration_ms=120,
        next_attempt_date=now - timedelta(minutes=5),
    )
    db.session.add_all([delivered, failed])
    db.session.flush()
    db.session.add(WebhookAttempt(delivery_id=delivered.id, status_code=200, duration_ms=40))
    db.session.add_all(
        WebhookAttempt(delivery_id=failed.id, status_code=502, error="HTTP 502", duration_ms=120) for _ in range(3)
    )
    db.session.commit()
    return {"package": package_id, "delivered": delivered.id, "failed": failed.id, "event": events[1].id}


# --- event types ----------------------------------------------------------------------------------


def test_the_known_event_types_are_those_of_design_8():
    for name in (
        "*",
        "package.created",
        "package.status.transitioned",
        "package.status.packed_for_refund",
        "package.status.waiting",
        "package.refused",
        "package.shipment.awb_number",
        "transfer.created",
        "transfer.status.in_transit",
        "stock_location.created",
        "stock_location.updated",
        "order.cancellation_requested",
    ):
        assert is_known_event_type(name), name
    for name in ("package", "package.status.nope", "", "**", "Package.created"):
        assert not is_known_event_type(name), name
    assert "*" not in EVENT_TYPES


# --- CRUD -------------------------------------------------------------------------------------------


def test_create_read_change_and_delete_a_subscription(api):
    created = create(api, retry_countdown_config={"choice": "fixed", "interval": 60, "max_retries": 3})
    assert created["event_type"] == "package.status.shipped"
    assert created["target_url"] == "https://erp.example.com/hooks"
    assert created["is_active"] is True
    assert created["retry_countdown_config"] == {"choice": "fixed", "interval": 60, "max_retries": 3}
    sid = created["id"]

    listed = api.get("webhooks/")
    assert listed.status_code == 200
    assert [row["id"] for row in listed.get_json()["results"]] == [sid]
    no_secret(listed)
    detail = api.get(f"webhooks/{sid}/")
    assert detail.get_json() == created
    no_secret(detail)

    changed = api.patch(f"webhooks/{sid}/", {"is_active": False, "secret_key": "another-secret-value"})
    assert changed.status_code == 200
    no_secret(changed)
    body = changed.get_json()
    assert body["is_active"] is False
    assert body["event_type"] == "package.status.shipped"  # not sent: kept
    assert body["retry_countdown_config"]["choice"] == "fixed"
    fresh()
    assert db.session.get(WebhookSubscription, sid).secret_key == "another-secret-value"

    gone = delete(api, f"webhooks/{sid}/")
    assert gone.status_code == 204
    assert gone.get_data() == b""
    assert api.get(f"webhooks/{sid}/").status_code == 404
    assert delete(api, f"webhooks/{sid}/").status_code == 404


def test_defaults_and_the_wildcard(api):
    created = create(api, event_type="*", target_url="http://localhost:8080/x")
    assert created["event_type"] == "*"
    assert created["retry_countdown_config"] == {"choice": "exponential", "interval": 30, "max_retries": 8}


def test_a_patch_without_secret_keeps_it(api):
    sid = create(api)["id"]
    assert api.patch(f"webhooks/{sid}/", {"target_url": "https://erp.example.com/v2"}).status_code == 200
    fresh()
    row = db.session.get(WebhookSubscription, sid)
    assert (row.secret_key, row.target_url) == (SECRET, "https://erp.example.com/v2")


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"event_type": "package.exploded"}, "event_type"),
        ({"event_type": ""}, "event_type"),
        ({"event_type": None}, "event_type"),
        ({"target_url": "ftp://erp.example.com/"}, "target_url"),
        ({"target_url": "erp.example.com/hooks"}, "target_url"),
        ({"target_url": "https://"}, "target_url"),
        ({"target_url": "https://erp.example.com/\u0000"}, "target_url"),
        ({"target_url": "https://e.com/" + "a" * 2048}, "target_url"),
        ({"secret_key": "short"}, "secret_key"),
        ({"secret_key": "x" * 256}, "secret_key"),
        ({"secret_key": "12345678\u0000"}, "secret_key"),
        ({"is_active": "yes"}, "is_active"),
        ({"retry_countdown_config": {"choice": "sometimes"}}, "retry_countdown_config"),
        ({"retry_countdown_config": {"interval": 0}}, "retry_countdown_config"),
        ({"retry_countdown_config": {"max_retries": 101}}, "retry_countdown_config"),
        ({"colour": "blue"}, "colour"),
    ],
)
def test_bad_fields_are_400s_naming_the_field(api, fields, field):
    response = api.post_raw("webhooks/", NEW | fields)
    assert response.status_code == 400, response.get_json()
    assert field in response.get_json()["error"]
    assert db.session.scalar(select(func.count()).select_from(WebhookSubscription)) == 0


def test_a_create_needs_event_type_url_and_secret(api):
    response = api.post_raw("webhooks/", {})
    assert response.status_code == 400
    assert {"event_type", "target_url", "secret_key"} <= set(response.get_json()["error"])


def test_a_patch_is_judged_like_a_create(api):
    sid = create(api)["id"]
    response = api.patch(f"webhooks/{sid}/", {"event_type": "nope"})
    assert response.status_code == 400
    assert "event_type" in response.get_json()["error"]
    assert api.patch(f"webhooks/{sid}/", {"secret_key": None}).status_code == 400
    assert api.patch("webhooks/999/", {"is_active": False}).status_code == 404


def test_a_restricted_token_may_not_use_any_webhook_endpoint(api, restricted):
    sid = create(api)["id"]
    calls = [
        restricted.get("webhooks/"),
        restricted.post_raw("webhooks/", NEW),
        restricted.post_raw("webhooks/", "not even json"),
        restricted.get(f"webhooks/{sid}/"),
        restricted.patch(f"webhooks/{sid}/", {"is_active": False}),
        delete(restricted, f"webhooks/{sid}/"),
        restricted.get(f"webhooks/{sid}/deliveries/"),
        restricted.post_raw(f"webhooks/{sid}/deliveries/1/redeliver/", {}),
    ]
    for response in calls:
        assert response.status_code == 403, response.request.path
        assert response.get_json()["error"]["detail"] == (
            "Only a token without a location restriction may manage webhooks."
        )
    fresh()
    assert db.session.get(WebhookSubscription, sid).is_active is True


def test_no_token_is_401(client, app):
    assert client.get("/api/v1/oms/webhooks/").status_code == 401


# --- deliveries -------------------------------------------------------------------------------------


def test_the_deliveries_newest_first_with_a_status_filter(api):
    sid = create(api)["id"]
    ids = deliveries_world(sid)
    response = api.get(f"webhooks/{sid}/deliveries/")
    assert response.status_code == 200
    body = response.get_json()
    assert body["count"] == 2
    assert [row["id"] for row in body["results"]] == [ids["failed"], ids["delivered"]]
    failed = body["results"][0]
    event = db.session.get(OutboxEvent, ids["event"])
    assert failed["event"] == {"type": event.event_type, "uuid": event.uuid}
    assert failed["status"] == "failed"
    assert (failed["attempts"], failed["last_status_code"], failed["last_error"]) == (3, 502, "HTTP 502")
    assert failed["last_duration_ms"] == 120
    assert failed["delivered_date"] is None
    assert body["results"][1]["delivered_date"] is not None
    no_secret(response)

    only_failed = api.get(f"webhooks/{sid}/deliveries/", status="failed").get_json()
    assert [row["id"] for row in only_failed["results"]] == [ids["failed"]]
    assert api.get(f"webhooks/{sid}/deliveries/", status="lost").status_code == 400
    assert api.get(f"webhooks/{sid}/deliveries/", page_size=1).get_json()["next"] is not None
    assert api.get("webhooks/999/deliveries/").status_code == 404


def test_redeliver_starts_the_schedule_over_and_keeps_the_attempts(api):
    sid = create(api)["id"]
    ids = deliveries_world(sid)
    before = utcnow()
    response = api.post_raw(f"webhooks/{sid}/deliveries/{ids['failed']}/redeliver/", {})
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert (body["id"], body["status"], body["attempts"]) == (ids["failed"], "pending", 0)
    fresh()
    delivery = db.session.get(WebhookDelivery, ids["failed"])
    due = delivery.next_attempt_date
    due = due if due.tzinfo else due.replace(tzinfo=before.tzinfo)
    assert due >= before - timedelta(seconds=1)
    attempts = db.session.scalar(
        select(func.count()).select_from(WebhookAttempt).where(WebhookAttempt.delivery_id == ids["failed"])
    )
    assert attempts == 3

    # A delivered one may be sent again too; without a body as well as with {}.
    again = api.client.post(f"/api/v1/oms/webhooks/{sid}/deliveries/{ids['delivered']}/redeliver/", headers=api.headers)
    assert again.status_code == 200
    assert again.get_json()["status"] == "pending"
    assert again.get_json()["delivered_date"] is None


def test_redeliver_only_a_delivery_of_that_subscription(api):
    sid = create(api)["id"]
    other = create(api, target_url="https://other.example.com/")["id"]
    ids = deliveries_world(sid)
    assert api.post_raw(f"webhooks/{other}/deliveries/{ids['failed']}/redeliver/", {}).status_code == 404
    assert api.post_raw(f"webhooks/{sid}/deliveries/999999/redeliver/", {}).status_code == 404
    assert api.post_raw(f"webhooks/{sid}/deliveries/{ids['failed']}/redeliver/", {"x": 1}).status_code == 400
    fresh()
    assert db.session.get(WebhookDelivery, ids["failed"]).status == "failed"


def test_deleting_a_subscription_deletes_its_history(api):
    sid = create(api)["id"]
    ids = deliveries_world(sid)
    assert delete(api, f"webhooks/{sid}/").status_code == 204
    fresh()
    assert db.session.get(WebhookDelivery, ids["failed"]) is None
    assert db.session.scalar(select(func.count()).select_from(WebhookAttempt)) == 0
    assert db.session.get(OutboxEvent, ids["event"]) is not None  # the event itself stays


def test_the_document_shows_the_secret_as_write_only(api):
    document = api.client.get("/api/v1/oms/openapi.json").get_json()
    text = json.dumps(document["components"]["schemas"])
    assert '"writeOnly": true' in text
    outs = [name for name in document["components"]["schemas"] if "Subscription" in name and "Out" in name]
    assert outs
    for name in outs:
        assert "secret_key" not in json.dumps(document["components"]["schemas"][name])
