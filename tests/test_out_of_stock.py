"""Product Not Found & Wrong Product (seed 000): the three outcomes, the advanced variant, rescheduling."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from oms_dashboard.extensions import db
from oms_dashboard.models import Discrepancy
from oms_dashboard.states import PackageStatus
from tests.helpers import (
    ApiClient,
    available,
    item_ids,
    location,
    location_id,
    order,
    package,
    product,
    quota,
    skus_in,
    snapshot,
    status_of,
    stock,
    token,
)
from tests.invariants import assert_invariants


@pytest.fixture
def shop(app):
    """Kadıköy (L1) is the store; Beşiktaş (L2) and the warehouse (WH) can take over."""
    location("L1", priority=80, name="Kadıköy")
    location("L2", priority=70, name="Beşiktaş")
    location("WH", priority=40, kind="warehouse", name="Warehouse", cargo="aras")
    for sku in ("A", "B", "C"):
        product(sku)


@pytest.fixture
def api(client, shop):
    return ApiClient(client, token())


def _new_packages(response_body):
    return response_body["package__id"]


def test_remaining_items_are_replanned_at_the_same_location(api):
    stock("L1", "A", 5)
    stock("L1", "B", 5)
    stock("L2", "A", 3)
    [pid] = order("1001", "A", "B", prefer="L1")
    a_item, b_item = item_ids(pid)

    response = api.run(pid, "DETECTED_OUT_OF_STOCK_ITEM", package_items=[a_item])

    assert response.status_code == 200
    body = response.get_json()
    new_here = package(body["package__id"])
    assert body == {
        "package__id": new_here.id,
        "package__number": "1001P2",
        "package__stock_location__id": location_id("L1"),
        "package__stock_location__name": "Kadıköy",
        "is_same_location": True,
    }
    assert new_here.state is PackageStatus.WAITING and skus_in(new_here.id) == ["B"]
    # The missing A went to L2 (never back to L1, which still shows 4 units on its books).
    old = package(pid)
    assert old.state is PackageStatus.OUT_OF_STOCK and old.active_items == []
    moved_a = package(pid).items[0].replanned_to
    assert moved_a.package.stock_location.erp_code == "L2" and moved_a.package.state is PackageStatus.WAITING
    assert [item.status for item in old.items] == ["out_of_stock", "replanned"]
    assert available("L1", "A") == (4, 0)  # the unit not found is written off, its reservation released
    assert available("L1", "B") == (5, 1)
    assert available("L2", "A") == (3, 1)
    assert quota("L1") == 1 and quota("L2") == 1
    discrepancy = db.session.scalars(select(Discrepancy)).one()
    assert (discrepancy.stock_location_id, discrepancy.reason) == (location_id("L1"), "not_found")
    assert_invariants()


def test_nothing_stays_at_the_same_location_but_another_location_takes_it(api):
    stock("L1", "A", 5)
    stock("WH", "A", 2)
    [pid] = order("1002", "A", prefer="L1")

    response = api.run(pid, "DETECTED_OUT_OF_STOCK_ITEM", package_items=item_ids(pid))

    assert response.status_code == 200
    body = response.get_json()
    assert body == {
        "package__id": body["package__id"],
        "package__number": "1002P2",
        "package__stock_location__id": location_id("WH"),
        "package__stock_location__name": "Warehouse",
        "is_same_location": False,
    }
    assert status_of(body["package__id"]) is PackageStatus.WAITING
    assert status_of(pid) is PackageStatus.OUT_OF_STOCK
    assert quota("L1") == 0 and quota("WH") == 1
    assert_invariants()


def test_nothing_planned_keeps_the_items_waiting_for_rescheduling(api):
    stock("L1", "A", 5)
    [pid] = order("1003", "A", prefer="L1")
    [a_item] = item_ids(pid)

    response = api.run(pid, "DETECTED_OUT_OF_STOCK_ITEM", package_items=[a_item], reason="wrong_product")

    assert response.status_code == 200
    assert response.get_json() == {
        "package__id": None,
        "package__number": "",
        "package__stock_location__id": None,
        "package__stock_location__name": "",
    }
    old = package(pid)
    assert old.state is PackageStatus.WRONG_PRODUCT  # seed 004: Defective Product Found
    assert [(item.id, item.status) for item in old.active_items] == [(a_item, "wrong_product")]
    assert quota("L1") == 0
    assert_invariants()

    # Still nowhere to go (L1 reported it wrong): Reschedule is refused and changes nothing.
    refused = api.run(pid, "REPACK")
    assert refused.status_code == 406
    assert refused.get_json()["error"]["error_code"] == "planning_100_1"
    assert status_of(pid) is PackageStatus.WRONG_PRODUCT

    # Stock arrives at L2: Reschedule moves the package there, waiting, with a reservation.
    stock("L2", "A", 1)
    assert api.run(pid, "REPACK").status_code == 204
    moved = package(pid)
    assert moved.state is PackageStatus.WAITING and moved.stock_location.erp_code == "L2"
    assert [item.status for item in moved.items] == ["waiting"]
    assert available("L2", "A") == (1, 1) and quota("L2") == 1
    assert_invariants()


def test_a_refused_reschedule_leaves_no_reservation_behind(api):
    stock("L1", "A", 1)
    stock("L1", "B", 1)
    [pid] = order("1009", "A", "B", prefer="L1")
    api.run(pid, "DETECTED_OUT_OF_STOCK_ITEM", package_items=item_ids(pid))
    stock("L2", "A", 1)  # A could be reserved at L2, B nowhere: Reschedule must undo A's reservation
    before = snapshot()

    response = api.run(pid, "REPACK")

    assert response.status_code == 406 and response.get_json()["error"]["error_code"] == "planning_100_1"
    assert snapshot() == before
    assert available("L2", "A") == (1, 0)
    assert_invariants()


def test_items_are_never_replanned_to_the_location_that_reported_them(api):
    stock("L1", "A", 10)  # plenty left on L1's books
    [pid] = order("1004", "A", "A", prefer="L1")
    first, second = item_ids(pid)

    body = api.run(pid, "DETECTED_OUT_OF_STOCK_ITEM", package_items=[first]).get_json()

    # The other unit stays at L1 in a new package; the missing one has nowhere else to go.
    assert body["is_same_location"] is True and skus_in(body["package__id"]) == ["A"]
    assert [item.id for item in package(pid).active_items] == [first]
    assert_invariants()


def test_advanced_keeps_the_package_and_replans_only_the_missing_items(api):
    stock("L1", "A", 5)
    stock("L1", "B", 5)
    stock("L2", "A", 1)
    [pid] = order("1005", "A", "B", prefer="L1")
    a_item, b_item = item_ids(pid)

    response = api.run(pid, "DETECTED_OUT_OF_STOCK_ITEM_ADVANCED", package_items=[a_item])

    assert response.status_code == 200
    assert response.get_json() == {
        "package__id": pid,
        "package__number": "1005P1",
        "package__stock_location__id": location_id("L1"),
        "package__stock_location__name": "Kadıköy",
        "is_same_location": True,
    }
    kept = package(pid)
    assert kept.state is PackageStatus.WAITING and skus_in(pid) == ["B"]
    assert kept.items[0].replanned_to.package.stock_location.erp_code == "L2"
    assert available("L1", "B") == (5, 1)  # B keeps its reservation
    assert quota("L1") == 1 and quota("L2") == 1
    assert_invariants()


def test_advanced_puts_unservable_items_in_their_own_out_of_stock_package(api):
    stock("L1", "A", 5)
    stock("L1", "B", 5)
    [pid] = order("1006", "A", "B", prefer="L1")
    a_item, _ = item_ids(pid)

    api.run(pid, "DETECTED_OUT_OF_STOCK_ITEM_ADVANCED", package_items=[a_item])

    holder = package(pid).items[0].replanned_to.package
    assert holder.state is PackageStatus.OUT_OF_STOCK and skus_in(holder.id) == ["A"]
    assert status_of(pid) is PackageStatus.WAITING and skus_in(pid) == ["B"]
    assert_invariants()

    stock("WH", "A", 1)
    assert api.run(holder.id, "REPACK").status_code == 204
    assert package(holder.id).stock_location.erp_code == "WH"
    assert_invariants()


def test_advanced_with_every_item_listed_empties_the_package_like_the_standard_command(api):
    stock("L1", "A", 5)
    stock("L2", "A", 5)
    [pid] = order("1007", "A", prefer="L1")

    body = api.run(pid, "DETECTED_OUT_OF_STOCK_ITEM_ADVANCED", package_items=item_ids(pid)).get_json()

    assert body["is_same_location"] is False and status_of(body["package__id"]) is PackageStatus.WAITING
    assert status_of(pid) is PackageStatus.OUT_OF_STOCK
    assert_invariants()


def test_reschedule_splits_when_no_single_location_has_everything(api):
    stock("L1", "A", 1)
    stock("L1", "B", 1)
    [pid] = order("1008", "A", "B", prefer="L1")
    api.run(pid, "DETECTED_OUT_OF_STOCK_ITEM", package_items=item_ids(pid))
    stock("L2", "A", 1)
    stock("WH", "B", 1)

    assert api.run(pid, "REPACK").status_code == 204

    rescheduled = package(pid)
    assert rescheduled.stock_location.erp_code == "L2" and skus_in(pid) == ["A"]
    other = [item for item in rescheduled.items if item.status == "replanned"][0].replanned_to.package
    assert other.stock_location.erp_code == "WH" and skus_in(other.id) == ["B"]
    assert_invariants()
