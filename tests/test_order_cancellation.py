"""Cancelling an order (DESIGN §4.1, §5.1): the ERP asks, the store confirms or rejects."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from oms_dashboard.extensions import db
from oms_dashboard.models import OrderItem, OutboxEvent, PackageItem, Reservation
from oms_dashboard.states import PackageStatus as S
from tests.helpers import (
    ApiClient,
    available,
    fresh,
    item_ids,
    location_id,
    nothing_changes,
    order,
    quota,
    status_of,
    stock,
    token,
)
from tests.invariants import assert_invariants


@pytest.fixture
def api(client, two_stores):
    return ApiClient(client, token())


def cancel(api: ApiClient, number: str, body=None, headers=None):
    return api.post_raw(f"orders/{number}/cancel/", {} if body is None else body, headers)


def reservations(package_id: int) -> int:
    fresh()
    return len(
        db.session.scalars(
            select(Reservation.id)
            .join(PackageItem, PackageItem.id == Reservation.package_item_id)
            .where(PackageItem.package_id == package_id)
        ).all()
    )


def test_the_erp_cancels_an_order_and_the_store_confirms(api):
    [pid] = order("7001", "A", "B", prefer="L1")

    response = cancel(api, "7001", {"reason": "Customer changed mind"})

    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["order"]["number"] == "7001"
    assert body["packages"] == [
        {
            "id": pid,
            "number": "7001P1",
            "state": {"enum_value": 900, "name": S.CANCELLATION_WAITING.label, "slug": "cancellation_waiting"},
            "stock_location": {"id": location_id("L1"), "name": "Kadıköy", "erp_code": "L1"},
        }
    ]
    # The store may already have it in hand: quota and reservations stay until it confirms.
    assert quota("L1") == 1 and reservations(pid) == 2
    fresh()
    event = db.session.scalars(
        select(OutboxEvent).where(OutboxEvent.event_type == "order.cancellation_requested")
    ).one()
    assert event.payload["payload"] == body
    assert_invariants()

    confirmed = api.run(pid, "CONFIRM_CANCELLATION")

    assert confirmed.status_code == 204
    assert status_of(pid) is S.CANCELLED and quota("L1") == 0 and reservations(pid) == 0
    assert available("L1", "A") == (20, 0)
    fresh()
    assert set(db.session.scalars(select(OrderItem.status))) == {"cancelled"}
    assert_invariants()


def test_the_store_rejects_a_cancellation_and_the_package_goes_back(api):
    [pid] = order("7002", "A", prefer="L1")
    api.run(pid, "PKG_STATE_TRANSITION")
    assert cancel(api, "7002").status_code == 200

    assert api.run(pid, "REJECT_CANCELLATION").status_code == 204

    assert status_of(pid) is S.PREPARING and quota("L1") == 1 and reservations(pid) == 1
    assert_invariants()


def test_only_packages_not_yet_packed_are_asked_to_cancel(api):
    stock("L1", "B", 0)
    stock("L2", "A", 0)
    packed, waiting = order("7003", "A", "B")  # A at L1, B at L2: split by the default scenario
    assert api.run(packed, "COMPLETE_PACKAGING").status_code == 204

    body = cancel(api, "7003").get_json()

    states = {package["id"]: package["state"]["slug"] for package in body["packages"]}
    assert states == {packed: "packed", waiting: "cancellation_waiting"}
    assert_invariants()


def test_a_package_waiting_for_stock_is_cancelled_at_once(api):
    stock("L2", "A", 0)
    [pid] = order("7004", "A", prefer="L1")
    api.run(pid, "DETECTED_OUT_OF_STOCK_ITEM", package_items=item_ids(pid))  # nowhere else has A
    assert status_of(pid) is S.OUT_OF_STOCK

    assert cancel(api, "7004").status_code == 200

    assert status_of(pid) is S.CANCELLED
    assert api.get(f"packages/{pid}/").get_json()["commands"] == []  # not rescheduled any more
    assert_invariants()


def test_nothing_left_to_cancel_is_406_and_changes_nothing(api):
    [pid] = order("7005", "A", prefer="L1")
    api.run(pid, "COMPLETE_PACKAGING")
    api.run(pid, "SHIP")

    with nothing_changes():
        response = cancel(api, "7005")

    assert response.status_code == 406
    assert response.get_json()["error"]["error_code"] == "commands_100_1"


def test_asking_twice_is_406_the_second_time_unless_the_same_idempotency_key(api):
    order("7006", "A", prefer="L1")
    first = cancel(api, "7006", headers={"Idempotency-Key": "cancel-7006"})
    replay = cancel(api, "7006", headers={"Idempotency-Key": "cancel-7006"})
    assert replay.status_code == 200 and replay.get_json() == first.get_json()
    assert replay.headers["Idempotent-Replayed"] == "true"
    assert cancel(api, "7006").status_code == 406


@pytest.mark.parametrize(
    "number, body, status, field",
    [
        ("NOPE", {}, 404, None),
        ("7007", {"reason": 5}, 400, "reason"),
        ("7007", {"reason": "x" * 256}, 400, "reason"),
        ("7007", {"why": "?"}, 400, "why"),
        ("7007", [], 400, None),
    ],
    ids=["unknown_order", "reason_not_text", "reason_too_long", "unknown_key", "not_an_object"],
)
def test_bad_cancellation_requests_change_nothing(api, number, body, status, field):
    order("7007", "A", prefer="L1")
    with nothing_changes():
        response = cancel(api, number, body)
    assert response.status_code == status, response.get_json()
    if field:
        assert field in response.get_json()["error"]


def test_a_token_of_another_location_may_not_cancel(client, two_stores):
    order("7008", "A", prefer="L1")
    restricted = ApiClient(client, token("L2", name="Beşiktaş till"))
    with nothing_changes():
        response = cancel(restricted, "7008")
    assert response.status_code == 403
