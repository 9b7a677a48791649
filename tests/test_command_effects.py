"""What each package command does (DESIGN §4), its transition-log row and its outbox events (§8).

The out-of-stock commands and REPACK have their own file (test_out_of_stock.py); here they only
set the scene. Every command goes through the JSON API as an ERP sends it, unless said otherwise.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import func, select

from oms_dashboard.extensions import db
from oms_dashboard.models import (
    CargoCompany,
    DenialReason,
    Discrepancy,
    OrderItem,
    OutboxEvent,
    PackageItem,
    Reservation,
    Shipment,
    Transition,
    TransitionLog,
)
from oms_dashboard.states import PackageStatus as S
from tests.helpers import (
    ApiClient,
    available,
    fresh,
    item_ids,
    location,
    order,
    package,
    product,
    quota,
    run,
    slug,
    snapshot,
    status_of,
    stock,
    token,
    transition,
)
from tests.invariants import assert_invariants

BARCODE = {"A": "8690000000011", "B": "8690000000028"}


def commands_from(status: S) -> list[Transition]:
    fresh()
    return list(db.session.scalars(select(Transition).where(Transition.source_state == status)))


# --- the world ------------------------------------------------------------------------------------


@pytest.fixture
def world(app):
    """Kadıköy (L1) ships with Yurtiçi by default; Beşiktaş (L2) has no default cargo company.

    Both have 5 units of A and B. C is only at L1 (so a missing C has nowhere else to go).
    """
    location("L1", priority=80, name="Kadıköy", cargo="yurtici")
    location("L2", priority=70, name="Beşiktaş", cargo=None)
    product("A", barcode=BARCODE["A"])
    product("B", barcode=BARCODE["B"])
    product("C", barcode="8690000000035")
    for code in ("L1", "L2"):
        stock(code, "A", 5)
        stock(code, "B", 5)
    stock("L1", "C", 5)


class Erp(ApiClient):
    def __init__(self, client, key: str):
        super().__init__(client, key)
        self.actor_name = f"token:ERP ({key[:8]})"

    def ok(self, package_id: int, command: str, **inputs: Any):
        """Run a command that must succeed with 204; the invariants of §3 hold afterwards."""
        response = self.run(package_id, command, **inputs)
        assert response.status_code == 204, response.get_json()
        assert response.data == b""
        assert_invariants()
        return response

    def shown(self, package_id: int) -> dict:
        response = self.get(f"packages/{package_id}/")
        assert response.status_code == 200
        return response.get_json()


@pytest.fixture
def api(client, world):
    return Erp(client, token(name="ERP"))


# --- reading the tables ---------------------------------------------------------------------------


def reservations_of(package_id: int) -> int:
    fresh()
    return db.session.scalar(
        select(func.count())
        .select_from(Reservation)
        .join(PackageItem, PackageItem.id == Reservation.package_item_id)
        .where(PackageItem.package_id == package_id)
    )


def shipment_of(package_id: int) -> Shipment | None:
    fresh()
    return db.session.scalars(select(Shipment).where(Shipment.package_id == package_id)).first()


def logs_of(package_id: int) -> list[TransitionLog]:
    fresh()
    return list(
        db.session.scalars(
            select(TransitionLog).where(TransitionLog.package_id == package_id).order_by(TransitionLog.id)
        )
    )


def events_of(package_id: int) -> list[OutboxEvent]:
    fresh()
    return list(
        db.session.scalars(select(OutboxEvent).where(OutboxEvent.package_id == package_id).order_by(OutboxEvent.id))
    )


def event_types(package_id: int) -> list[str]:
    return [event.event_type for event in events_of(package_id)]


def discrepancies_of(package_id: int) -> int:
    fresh()
    return db.session.scalar(select(func.count()).select_from(Discrepancy).where(Discrepancy.package_id == package_id))


def item_states(package_id: int) -> list[str]:
    return [item.status for item in package(package_id).active_items]


def order_item_states(package_id: int) -> list[str]:
    fresh()
    return list(
        db.session.scalars(
            select(OrderItem.status)
            .join(PackageItem, PackageItem.order_item_id == OrderItem.id)
            .where(PackageItem.package_id == package_id)
            .order_by(OrderItem.id)
        )
    )


def denial_reason_id() -> int:
    fresh()
    return db.session.scalars(
        select(DenialReason.id).where(DenialReason.is_active).order_by(DenialReason.priority)
    ).first()


def cargo_id(erp_code: str) -> int:
    fresh()
    return db.session.scalar(select(CargoCompany.id).where(CargoCompany.erp_code == erp_code))


# --- COMPLETE_PACKAGING ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "steps_before",
    [[], ["PKG_STATE_TRANSITION"], ["PKG_STATE_TRANSITION", "PKG_STATE_TRANSITION"]],
    ids=["from_waiting", "from_preparing", "from_ready_for_packaging"],
)
def test_packing_consumes_reservations_and_creates_the_shipment_with_the_location_carrier(api, steps_before):
    [pid] = order("2001", "A", "A", "B", prefer="L1")
    for step in steps_before:
        api.ok(pid, step)
    assert available("L1", "A") == (5, 2) and available("L1", "B") == (5, 1)
    assert reservations_of(pid) == 3 and quota("L1") == 1

    api.ok(pid, "COMPLETE_PACKAGING")

    # The units left the shelf: quantity and reserved both go down, the reservation rows are gone.
    assert available("L1", "A") == (3, 0) and available("L1", "B") == (4, 0)
    assert reservations_of(pid) == 0
    assert status_of(pid) is S.PACKED
    assert item_states(pid) == ["packed", "packed", "packed"]
    assert order_item_states(pid) == ["preparing", "preparing", "preparing"]
    assert quota("L1") == 0

    shipment = shipment_of(pid)
    assert shipment.cargo_company.erp_code == "yurtici"
    assert shipment.tracking_number
    assert shipment.status == "created"
    assert shipment.label_version == 1
    assert shipment.label["tracking_number"] == shipment.tracking_number
    assert shipment.label["cargo_company"] == "Yurtiçi Kargo"
    assert shipment.label["package_number"] == "2001P1" and shipment.label["item_count"] == 3
    shown = api.shown(pid)["shipment"]
    assert shown["cargo_company"]["erp_code"] == "yurtici"
    assert (shown["tracking_number"], shown["status"], shown["label_version"]) == (
        shipment.tracking_number,
        "created",
        1,
    )


def test_packing_at_a_location_without_default_carrier_makes_a_shipment_without_carrier(api):
    [pid] = order("2002", "A", prefer="L2")

    api.ok(pid, "COMPLETE_PACKAGING")

    assert status_of(pid) is S.PACKED
    assert available("L2", "A") == (4, 0) and quota("L2") == 0
    shipment = shipment_of(pid)
    assert shipment is not None
    assert shipment.cargo_company_id is None and shipment.tracking_number is None
    assert shipment.label_version == 1 and shipment.label["cargo_company"] is None


def test_packing_without_shipment_does_everything_but_the_shipment(api):
    [pid] = order("2003", "A", "B", prefer="L1")

    api.ok(pid, "COMPLETE_PACKAGING_WITHOUT_SHIPMENT")

    assert status_of(pid) is S.PACKED
    assert item_states(pid) == ["packed", "packed"]
    assert order_item_states(pid) == ["preparing", "preparing"]
    assert available("L1", "A") == (4, 0) and available("L1", "B") == (4, 0)
    assert reservations_of(pid) == 0 and quota("L1") == 0
    assert shipment_of(pid) is None
    assert api.shown(pid)["shipment"] is None


# --- CHANNEL_BASED_COMPLETE_PACKAGING -------------------------------------------------------------


@pytest.mark.parametrize(
    "scanned",
    [
        [BARCODE["A"]],
        [BARCODE["A"], BARCODE["B"], BARCODE["B"]],
        [BARCODE["A"], BARCODE["A"]],
        [BARCODE["A"], BARCODE["B"], "0000000000000"],
    ],
    ids=["one_missing", "one_scanned_twice", "wrong_multiset", "extra_unknown"],
)
def test_barcode_packing_rejects_anything_but_the_exact_items(api, scanned):
    [pid] = order("2101", "A", "B", prefer="L1", cargo_company_code="aras", tracking_number="MP123")
    before = snapshot()

    response = api.run(pid, "CHANNEL_BASED_COMPLETE_PACKAGING", barcodes=scanned)

    assert response.status_code == 400
    body = response.get_json()
    assert body["status_code"] == 400 and list(body["error"]) == ["barcodes"]
    assert snapshot() == before
    assert_invariants()


def test_barcode_packing_takes_the_marketplace_carrier_and_tracking_number_from_the_order(api):
    [pid] = order("2102", "A", "B", "A", prefer="L1", cargo_company_code="aras", tracking_number="MP123")

    api.ok(pid, "CHANNEL_BASED_COMPLETE_PACKAGING", barcodes=[BARCODE["B"], BARCODE["A"], BARCODE["A"]])

    assert status_of(pid) is S.PACKED
    assert item_states(pid) == ["packed"] * 3
    assert available("L1", "A") == (3, 0) and available("L1", "B") == (4, 0)
    assert quota("L1") == 0
    shipment = shipment_of(pid)
    assert (shipment.cargo_company.erp_code, shipment.tracking_number) == ("aras", "MP123")
    assert shipment.label_version == 1 and shipment.label["tracking_number"] == "MP123"


def test_barcode_packing_needs_barcodes(api):
    [pid] = order("2103", "A", prefer="L1")
    before = snapshot()

    for inputs in ({}, {"barcodes": []}, {"barcodes": "8690000000011"}):
        response = api.run(pid, "CHANNEL_BASED_COMPLETE_PACKAGING", **inputs)
        assert response.status_code == 400 and "barcodes" in response.get_json()["error"]

    assert snapshot() == before


# --- PKG_STATE_TRANSITION, PKG_DEALLOCATE_RESERVATIONS --------------------------------------------


def test_state_transition_changes_the_state_and_keeps_the_reservations(api):
    [pid] = order("2201", "A", "B", prefer="L1")

    api.ok(pid, "PKG_STATE_TRANSITION")
    assert status_of(pid) is S.PREPARING and item_states(pid) == ["preparing", "preparing"]
    assert reservations_of(pid) == 2 and available("L1", "A") == (5, 1) and quota("L1") == 1

    api.ok(pid, "PKG_STATE_TRANSITION")
    assert status_of(pid) is S.READY_FOR_PACKAGING and item_states(pid) == ["ready_for_packaging"] * 2
    assert reservations_of(pid) == 2 and available("L1", "B") == (5, 1) and quota("L1") == 1
    assert shipment_of(pid) is None


def test_deallocating_releases_the_reservations_and_packing_then_leaves_stock_alone(api):
    [pid] = order("2202", "A", "B", prefer="L1")

    api.ok(pid, "PKG_DEALLOCATE_RESERVATIONS")

    assert status_of(pid) is S.PREPARING
    assert reservations_of(pid) == 0
    assert available("L1", "A") == (5, 0) and available("L1", "B") == (5, 0)
    assert quota("L1") == 1

    api.ok(pid, "COMPLETE_PACKAGING")
    assert status_of(pid) is S.PACKED
    assert available("L1", "A") == (5, 0) and available("L1", "B") == (5, 0)  # nothing reserved, nothing consumed
    assert quota("L1") == 0


# --- REFUSE_WITH_DENIAL_REASON --------------------------------------------------------------------


@pytest.mark.parametrize("inputs", [{}, {"denial_reason": 9999}, {"denial_reason": "soon"}, {"denial_reason": True}])
def test_refusing_needs_a_known_denial_reason(api, inputs):
    [pid] = order("2301", "A", prefer="L1")
    before = snapshot()

    response = api.run(pid, "REFUSE_WITH_DENIAL_REASON", **inputs)

    assert response.status_code == 400
    assert list(response.get_json()["error"]) == ["denial_reason"]
    assert snapshot() == before


def test_refusing_releases_the_reservations_and_repack_brings_the_package_back(api):
    [pid] = order("2302", "A", "B", prefer="L1")
    api.ok(pid, "PKG_STATE_TRANSITION")
    reason = denial_reason_id()

    api.ok(pid, "REFUSE_WITH_DENIAL_REASON", denial_reason=reason)

    refused = package(pid)
    assert refused.state is S.NEEDS_RESCHEDULING and refused.denial_reason_id == reason
    assert item_states(pid) == ["needs_rescheduling"] * 2
    assert reservations_of(pid) == 0
    assert available("L1", "A") == (5, 0) and available("L1", "B") == (5, 0)
    assert quota("L1") == 0
    assert "package.refused" in event_types(pid)

    api.ok(pid, "REPACK")

    back = package(pid)
    assert back.state is S.WAITING and item_states(pid) == ["waiting", "waiting"]
    assert reservations_of(pid) == 2
    assert available(back.stock_location.erp_code, "A")[1] == 1
    assert quota(back.stock_location.erp_code) == 1


# --- BLOCK / UNBLOCK ------------------------------------------------------------------------------


def test_block_and_unblock_return_to_preparing_without_touching_reservations_or_quota(api):
    [pid] = order("2401", "A", prefer="L1")
    api.ok(pid, "PKG_STATE_TRANSITION")

    api.ok(pid, "BLOCK")
    assert status_of(pid) is S.BLOCKED and item_states(pid) == ["blocked"]
    assert reservations_of(pid) == 1 and available("L1", "A") == (5, 1) and quota("L1") == 1

    api.ok(pid, "UNBLOCK")
    assert status_of(pid) is S.PREPARING and item_states(pid) == ["preparing"]
    assert reservations_of(pid) == 1 and available("L1", "A") == (5, 1) and quota("L1") == 1
    assert logs_of(pid)[-1].from_status == S.BLOCKED and logs_of(pid)[-1].to_status == S.PREPARING


def test_unblock_after_a_block_made_in_waiting_returns_to_waiting(api):
    [pid] = order("2402", "A", prefer="L1")

    api.ok(pid, "BLOCK")
    api.ok(pid, "UNBLOCK")

    assert status_of(pid) is S.WAITING and reservations_of(pid) == 1 and quota("L1") == 1


def test_unblock_returns_to_the_status_before_the_latest_block(api):
    [pid] = order("2403", "A", prefer="L1")
    api.ok(pid, "BLOCK")
    api.ok(pid, "UNBLOCK")  # back to waiting
    api.ok(pid, "PKG_STATE_TRANSITION")
    api.ok(pid, "PKG_STATE_TRANSITION")  # ready for packaging

    api.ok(pid, "BLOCK")
    api.ok(pid, "UNBLOCK")

    assert status_of(pid) is S.READY_FOR_PACKAGING


# --- PACKED_FOR_REFUND (seed 002) -----------------------------------------------------------------


def test_packed_for_refund_from_waiting_releases_reservations_and_deletes_discrepancies(api):
    # Advanced out-of-stock keeps the package waiting (with B) and leaves a discrepancy record on it for A.
    [pid] = order("2501", "A", "B", prefer="L1")
    a_item, _ = item_ids(pid)
    assert api.run(pid, "DETECTED_OUT_OF_STOCK_ITEM_ADVANCED", package_items=[a_item]).status_code == 200
    assert status_of(pid) is S.WAITING and discrepancies_of(pid) == 1
    assert available("L1", "B") == (5, 1) and quota("L1") == 1

    # The request body of seed 002, verbatim: transition, slug and the package at the top level.
    row = transition("PACKED_FOR_REFUND", S.WAITING)
    response = api.command(pid, {"transition": row.id, "slug": row.slug, "package": pid})
    assert response.status_code == 204
    assert_invariants()

    assert status_of(pid) is S.PACKED_FOR_REFUND
    assert item_states(pid) == ["packed_for_refund"]
    assert reservations_of(pid) == 0 and available("L1", "B") == (5, 0)
    assert discrepancies_of(pid) == 0
    assert quota("L1") == 0
    assert logs_of(pid)[-1].input_parameters == {"package": pid}
    assert event_types(pid)[-1] == "package.status.packed_for_refund"


def test_packed_for_refund_from_out_of_stock(api):
    # C exists only at L1: reported missing there, it has nowhere to go and waits in the package.
    [pid] = order("2502", "C", prefer="L1")
    assert api.run(pid, "DETECTED_OUT_OF_STOCK_ITEM", package_items=item_ids(pid)).status_code == 200
    assert status_of(pid) is S.OUT_OF_STOCK and quota("L1") == 0

    api.ok(pid, "PACKED_FOR_REFUND")

    assert status_of(pid) is S.PACKED_FOR_REFUND
    assert item_states(pid) == ["packed_for_refund"]
    assert quota("L1") == 0
    assert discrepancies_of(pid) == 1  # only a refund from waiting deletes them (DESIGN §4)


def test_packed_for_refund_of_a_package_created_out_of_stock(api):
    product("Z")  # in no location's stock: the order lands in an out-of-stock package
    [pid] = order("2503", "Z")
    assert status_of(pid) is S.OUT_OF_STOCK

    api.ok(pid, "PACKED_FOR_REFUND")

    assert status_of(pid) is S.PACKED_FOR_REFUND and item_states(pid) == ["packed_for_refund"]


# --- SHIP -----------------------------------------------------------------------------------------


def test_ship_moves_the_package_and_its_shipment_to_shipped(api):
    [pid] = order("2601", "A", "B", prefer="L1")
    api.ok(pid, "COMPLETE_PACKAGING")

    api.ok(pid, "SHIP")

    assert status_of(pid) is S.SHIPPED and item_states(pid) == ["shipped", "shipped"]
    assert shipment_of(pid).status == "shipped"
    assert api.shown(pid)["shipment"]["status"] == "shipped"
    assert quota("L1") == 0


def test_ship_with_only_some_of_the_items_is_refused(api):
    [pid] = order("2602", "A", "B", prefer="L1")
    api.ok(pid, "COMPLETE_PACKAGING")
    first, second = item_ids(pid)
    before = snapshot()

    for listed in ([first], [second, second], [], [first, 999_999]):
        response = api.run(pid, "SHIP", package_items=listed)
        assert response.status_code == 400, listed
        assert list(response.get_json()["error"]) == ["package_items"]
    assert snapshot() == before
    assert shipment_of(pid).status == "created"

    api.ok(pid, "SHIP", package_items=[second, first])
    assert status_of(pid) is S.SHIPPED and shipment_of(pid).status == "shipped"


def test_ship_of_a_package_packed_without_shipment(api):
    [pid] = order("2603", "A", prefer="L1")
    api.ok(pid, "COMPLETE_PACKAGING_WITHOUT_SHIPMENT")

    api.ok(pid, "SHIP")

    assert status_of(pid) is S.SHIPPED and shipment_of(pid) is None


# --- SHIP_ADVANCED --------------------------------------------------------------------------------


@pytest.mark.parametrize("reference", ["erp_code", "id"])
def test_ship_advanced_records_the_carrier_and_tracking_number(api, reference):
    [pid] = order("2701", "A", prefer="L1")
    api.ok(pid, "COMPLETE_PACKAGING")
    carrier = "aras" if reference == "erp_code" else cargo_id("mng")
    expected_code = "aras" if reference == "erp_code" else "mng"

    api.ok(pid, "SHIP_ADVANCED", tracking_number="AWB-778", cargo_company=carrier)

    assert status_of(pid) is S.SHIPPED
    shipment = shipment_of(pid)
    assert (shipment.cargo_company.erp_code, shipment.tracking_number, shipment.status) == (
        expected_code,
        "AWB-778",
        "shipped",
    )
    assert shipment.label_version == 2 and shipment.label["tracking_number"] == "AWB-778"
    awb = [event for event in events_of(pid) if event.event_type == "package.shipment.awb_number"]
    assert len(awb) == 1
    assert awb[0].payload["payload"]["shipment"]["tracking_number"] == "AWB-778"


def test_ship_advanced_creates_the_shipment_of_a_package_packed_without_one(api):
    [pid] = order("2702", "A", prefer="L2")
    api.ok(pid, "COMPLETE_PACKAGING_WITHOUT_SHIPMENT")

    api.ok(pid, "SHIP_ADVANCED", tracking_number="PTT-1", cargo_company="ptt")

    shipment = shipment_of(pid)
    assert (shipment.cargo_company.erp_code, shipment.tracking_number, shipment.status) == ("ptt", "PTT-1", "shipped")
    assert shipment.label_version == 1


@pytest.mark.parametrize(
    "inputs, field",
    [
        ({"tracking_number": "AWB-1", "cargo_company": "no-such-carrier"}, "cargo_company"),
        ({"tracking_number": "AWB-1", "cargo_company": 9999}, "cargo_company"),
        ({"tracking_number": "AWB-1"}, "cargo_company"),
        ({"cargo_company": "aras"}, "tracking_number"),
        ({"tracking_number": "", "cargo_company": "aras"}, "tracking_number"),
    ],
    ids=["unknown_code", "unknown_id", "no_carrier", "no_tracking", "blank_tracking"],
)
def test_ship_advanced_refuses_bad_input_and_changes_nothing(api, inputs, field):
    [pid] = order("2703", "A", prefer="L1")
    api.ok(pid, "COMPLETE_PACKAGING")
    before = snapshot()

    response = api.run(pid, "SHIP_ADVANCED", **inputs)

    assert response.status_code == 400
    assert list(response.get_json()["error"]) == [field]
    assert snapshot() == before
    assert shipment_of(pid).label_version == 1


# --- UPDATE_SHIPMENT_STATUS (seed 003) ------------------------------------------------------------


@pytest.fixture
def shipped(api):
    [pid] = order("2801", "A", prefer="L1")
    api.ok(pid, "COMPLETE_PACKAGING")
    api.ok(pid, "SHIP")
    return pid


def test_delivered_status_true_delivers_the_package(api, shipped):
    # Seed 003's body: the package id inside input_parameters next to delivered_status.
    row = transition("UPDATE_SHIPMENT_STATUS", S.SHIPPED)
    response = api.command(
        shipped,
        {"transition": row.id, "slug": row.slug, "input_parameters": {"package": shipped, "delivered_status": True}},
    )
    assert response.status_code == 204
    assert_invariants()

    assert status_of(shipped) is S.DELIVERED and item_states(shipped) == ["delivered"]
    assert shipment_of(shipped).status == "delivered"


def test_attempted_delivery_then_delivered(api, shipped):
    api.ok(
        shipped, "UPDATE_SHIPMENT_STATUS", to=S.ATTEMPTED_DELIVERY, delivered_status=False, status="attempted_delivery"
    )
    assert status_of(shipped) is S.ATTEMPTED_DELIVERY and shipment_of(shipped).status == "attempted_delivery"

    api.ok(shipped, "UPDATE_SHIPMENT_STATUS", delivered_status=True)
    assert status_of(shipped) is S.DELIVERED and shipment_of(shipped).status == "delivered"


def test_each_outcome_has_its_transition_which_names_the_state_it_leads_to(api, shipped):
    outcomes = {row.destination_state for row in commands_from(S.SHIPPED) if row.command == "UPDATE_SHIPMENT_STATUS"}
    assert outcomes == {S.DELIVERED, S.ATTEMPTED_DELIVERY, S.DELIVERY_FAILED}

    api.ok(shipped, "UPDATE_SHIPMENT_STATUS", to=S.DELIVERY_FAILED, delivered_status=False)

    assert status_of(shipped) is S.DELIVERY_FAILED and shipment_of(shipped).status == "delivery_failed"

    api.ok(shipped, "UPDATE_SHIPMENT_STATUS", delivered_status=True)
    assert status_of(shipped) is S.DELIVERED and shipment_of(shipped).status == "delivered"


@pytest.mark.parametrize(
    "inputs, field",
    [
        ({"delivered_status": True, "status": "attempted_delivery"}, "status"),
        ({"delivered_status": False}, "delivered_status"),
        ({"delivered_status": "yes"}, "delivered_status"),
        ({"delivered_status": False, "status": "delivered"}, "status"),
    ],
    ids=["delivered_with_status", "not_what_the_transition_records", "not_a_boolean", "unknown_status"],
)
def test_update_shipment_status_refuses_bad_input(api, shipped, inputs, field):
    """On the Delivered transition: inputs that say otherwise are refused, naming the field."""
    before = snapshot()

    response = api.run(shipped, "UPDATE_SHIPMENT_STATUS", to=S.DELIVERED, **inputs)

    assert response.status_code == 400
    assert field in response.get_json()["error"]
    assert snapshot() == before
    assert shipment_of(shipped).status == "shipped"


def test_update_shipment_status_before_shipping_is_not_allowed(api):
    [pid] = order("2802", "A", prefer="L1")
    api.ok(pid, "COMPLETE_PACKAGING")
    before = snapshot()

    response = api.command(
        pid, {"slug": slug("UPDATE_SHIPMENT_STATUS", S.SHIPPED), "input_parameters": {"delivered_status": True}}
    )

    assert response.status_code == 406
    assert response.get_json()["error"]["error_code"] == "commands_100_1"
    assert snapshot() == before


# --- UPDATE_SHIPMENT_INFO -------------------------------------------------------------------------


@pytest.mark.parametrize("shipping_first", [False, True], ids=["packed", "shipped"])
def test_new_tracking_number_regenerates_the_label_and_keeps_the_state(api, shipping_first):
    [pid] = order("2901", "A", prefer="L1")
    api.ok(pid, "COMPLETE_PACKAGING")
    if shipping_first:
        api.ok(pid, "SHIP")
    state_before, shipment_status = status_of(pid), shipment_of(pid).status
    statuses_before = event_types(pid)

    api.ok(pid, "UPDATE_SHIPMENT_INFO", tracking_number="NEW-42")

    assert status_of(pid) is state_before
    shipment = shipment_of(pid)
    assert shipment.tracking_number == "NEW-42" and shipment.cargo_company.erp_code == "yurtici"
    assert shipment.status == shipment_status
    assert shipment.label_version == 2 and shipment.label["tracking_number"] == "NEW-42"
    assert event_types(pid) == statuses_before + ["package.shipment.awb_number"]


def test_new_cargo_company_regenerates_the_label(api):
    [pid] = order("2902", "A", prefer="L1")
    api.ok(pid, "COMPLETE_PACKAGING")
    tracking = shipment_of(pid).tracking_number

    api.ok(pid, "UPDATE_SHIPMENT_INFO", cargo_company=cargo_id("aras"))

    shipment = shipment_of(pid)
    assert (shipment.cargo_company.erp_code, shipment.tracking_number) == ("aras", tracking)
    assert shipment.label_version == 2 and shipment.label["cargo_company"] == "Aras Kargo"


@pytest.mark.parametrize(
    "inputs, field",
    [
        ({}, "non_field_errors"),
        ({"cargo_company": "no-such-carrier"}, "cargo_company"),
        ({"tracking_number": ""}, "tracking_number"),
    ],
    ids=["nothing_given", "unknown_carrier", "blank_tracking"],
)
def test_update_shipment_info_refuses_bad_input(api, inputs, field):
    [pid] = order("2903", "A", prefer="L1")
    api.ok(pid, "COMPLETE_PACKAGING")
    before = snapshot()

    response = api.run(pid, "UPDATE_SHIPMENT_INFO", **inputs)

    assert response.status_code == 400
    assert list(response.get_json()["error"]) == [field]
    assert snapshot() == before
    assert shipment_of(pid).label_version == 1


# --- UPDATE_INVOICE -------------------------------------------------------------------------------


def test_invoice_is_stored_on_the_package(api):
    [pid] = order("3001", "A", prefer="L1")
    api.ok(pid, "COMPLETE_PACKAGING")

    api.ok(
        pid,
        "UPDATE_INVOICE",
        invoice_number="INV-2024-7",
        invoice_date="2024-03-01",
        invoice_url="https://erp.example/invoices/7.pdf",
    )

    shown = api.shown(pid)
    assert (shown["invoice_number"], shown["invoice_date"], shown["invoice_url"]) == (
        "INV-2024-7",
        "2024-03-01",
        "https://erp.example/invoices/7.pdf",
    )
    assert shown["state"]["enum_value"] == S.PACKED


@pytest.mark.parametrize(
    "inputs, field",
    [
        ({"invoice_number": "INV-1", "invoice_date": "2024-02-30"}, "invoice_date"),
        ({"invoice_number": "INV-1", "invoice_date": "yesterday"}, "invoice_date"),
        ({"invoice_number": "INV-1", "invoice_url": "ftp://erp.example/7.pdf"}, "invoice_url"),
        ({"invoice_number": "INV-1", "invoice_url": "javascript:alert(1)"}, "invoice_url"),
        ({"invoice_date": "2024-03-01"}, "invoice_number"),
    ],
    ids=["impossible_date", "not_a_date", "ftp_url", "javascript_url", "no_number"],
)
def test_invoice_with_bad_input_is_refused(api, inputs, field):
    [pid] = order("3002", "A", prefer="L1")
    api.ok(pid, "COMPLETE_PACKAGING")
    before = snapshot()

    response = api.run(pid, "UPDATE_INVOICE", **inputs)

    assert response.status_code == 400
    assert list(response.get_json()["error"]) == [field]
    assert snapshot() == before
    assert package(pid).invoice_number is None


# --- ids out of the database's range --------------------------------------------------------------

TOO_BIG = 10**20  # beyond a 64-bit integer: SQLite cannot bind it, PostgreSQL's integer columns cannot hold it


@pytest.mark.parametrize(
    "command, steps_before, inputs, field",
    [
        ("REFUSE_WITH_DENIAL_REASON", [], {"denial_reason": TOO_BIG}, "denial_reason"),
        (
            "SHIP_ADVANCED",
            ["COMPLETE_PACKAGING"],
            {"tracking_number": "AWB-1", "cargo_company": TOO_BIG},
            "cargo_company",
        ),
        ("UPDATE_SHIPMENT_INFO", ["COMPLETE_PACKAGING"], {"cargo_company": TOO_BIG}, "cargo_company"),
    ],
    ids=["refuse_denial_reason", "ship_advanced_cargo_company", "update_shipment_info_cargo_company"],
)
def test_an_id_out_of_range_is_an_unknown_id(api, command, steps_before, inputs, field):
    [pid] = order("3050", "A", prefer="L1")
    for step in steps_before:
        api.ok(pid, step)
    before = snapshot()

    response = api.run(pid, command, **inputs)

    assert response.status_code == 400
    assert list(response.get_json()["error"]) == [field]
    assert snapshot() == before


# --- transition log and outbox events of every command --------------------------------------------

Inputs = Callable[[list[int]], dict[str, Any]]


def _no_inputs(_items: list[int]) -> dict[str, Any]:
    return {}


# (command, commands run before it, its inputs (given the package's item ids), status it leaves the package in,
#  events it writes besides the status events)
CASES: list[tuple[str, list[str], Inputs, S, list[str]]] = [
    ("PKG_STATE_TRANSITION", [], _no_inputs, S.PREPARING, []),
    ("PKG_STATE_TRANSITION", ["PKG_STATE_TRANSITION"], _no_inputs, S.READY_FOR_PACKAGING, []),
    ("PKG_DEALLOCATE_RESERVATIONS", [], _no_inputs, S.PREPARING, []),
    ("COMPLETE_PACKAGING", [], _no_inputs, S.PACKED, []),
    ("COMPLETE_PACKAGING_WITHOUT_SHIPMENT", [], _no_inputs, S.PACKED, []),
    ("CHANNEL_BASED_COMPLETE_PACKAGING", [], lambda _: {"barcodes": [BARCODE["A"], BARCODE["B"]]}, S.PACKED, []),
    (
        "REFUSE_WITH_DENIAL_REASON",
        [],
        lambda _: {"denial_reason": denial_reason_id()},
        S.NEEDS_RESCHEDULING,
        ["package.refused"],
    ),
    ("BLOCK", [], _no_inputs, S.BLOCKED, []),
    ("UNBLOCK", ["PKG_STATE_TRANSITION", "BLOCK"], _no_inputs, S.PREPARING, []),
    ("PACKED_FOR_REFUND", [], _no_inputs, S.PACKED_FOR_REFUND, []),
    ("SHIP", ["COMPLETE_PACKAGING"], lambda items: {"package_items": items}, S.SHIPPED, []),
    (
        "SHIP_ADVANCED",
        ["COMPLETE_PACKAGING"],
        lambda _: {"tracking_number": "AWB-9", "cargo_company": "aras"},
        S.SHIPPED,
        ["package.shipment.awb_number"],
    ),
    ("UPDATE_SHIPMENT_STATUS", ["COMPLETE_PACKAGING", "SHIP"], lambda _: {"delivered_status": True}, S.DELIVERED, []),
    (
        "UPDATE_SHIPMENT_STATUS",
        ["COMPLETE_PACKAGING", "SHIP"],
        lambda _: {"delivered_status": False, "status": "attempted_delivery"},
        S.ATTEMPTED_DELIVERY,
        [],
    ),
    (
        "UPDATE_SHIPMENT_INFO",
        ["COMPLETE_PACKAGING"],
        lambda _: {"tracking_number": "NEW-1"},
        S.PACKED,
        ["package.shipment.awb_number"],
    ),
    ("UPDATE_INVOICE", ["COMPLETE_PACKAGING"], lambda _: {"invoice_number": "INV-9"}, S.PACKED, []),
]


@pytest.mark.parametrize(
    "command, steps_before, make_inputs, to_status, extra_events",
    CASES,
    ids=[f"{case[0]}_to_{case[3].slug}" for case in CASES],
)
def test_command_writes_one_log_row_and_its_outbox_events(
    api, command, steps_before, make_inputs, to_status, extra_events
):
    [pid] = order("3101", "A", "B", prefer="L1")
    for step in steps_before:
        api.ok(pid, step)
    from_status = status_of(pid)
    inputs = make_inputs(item_ids(pid))
    used = transition(command, from_status, to_status) or transition(command, from_status)
    logs_before, events_before = len(logs_of(pid)), len(events_of(pid))

    api.ok(pid, command, to=used.destination_state, **inputs)

    new_logs = logs_of(pid)[logs_before:]
    assert len(new_logs) == 1
    log = new_logs[0]
    assert (log.from_status, log.to_status, log.command, log.transition_id) == (
        from_status,
        to_status,
        command,
        used.id,
    )
    assert log.actor == api.actor_name
    assert log.input_parameters == inputs
    assert log.api_token_id is not None and log.user_id is None

    new_events = events_of(pid)[events_before:]
    status_events = (
        ["package.status.transitioned", f"package.status.{to_status.slug}"] if to_status != from_status else []
    )
    assert [event.event_type for event in new_events] == status_events + extra_events
    shown = api.shown(pid)
    for event in new_events:
        assert event.payload == {"event": {"type": event.event_type, "uuid": event.uuid}, "payload": shown}


def test_a_failed_command_writes_no_log_row_and_no_event(api):
    [pid] = order("3102", "A", prefer="L1")
    logs_before, events_before = len(logs_of(pid)), len(events_of(pid))

    assert api.run(pid, "REFUSE_WITH_DENIAL_REASON").status_code == 400
    assert api.command(pid, {"slug": slug("SHIP", S.PACKED)}).status_code == 406

    assert len(logs_of(pid)) == logs_before and len(events_of(pid)) == events_before


def test_packages_a_command_creates_get_a_log_row_and_a_created_event(api):
    # A missing at L1: B gets a new package at L1, A one at L2.
    [pid] = order("3103", "A", "B", prefer="L1")
    a_item, _ = item_ids(pid)

    response = api.run(pid, "DETECTED_OUT_OF_STOCK_ITEM", package_items=[a_item])

    assert response.status_code == 200
    assert_invariants()
    fresh()
    created = [item.replanned_to.package_id for item in package(pid).items]
    assert len(set(created)) == 2
    for new_id in created:
        [log] = logs_of(new_id)
        assert (log.from_status, log.to_status, log.command) == (None, S.WAITING, "DETECTED_OUT_OF_STOCK_ITEM")
        assert log.actor == api.actor_name and log.input_parameters == {"source_package": pid}
        [event] = events_of(new_id)
        assert event.event_type == "package.created"
        assert event.payload == {"event": {"type": "package.created", "uuid": event.uuid}, "payload": api.shown(new_id)}
    assert event_types(pid)[-2:] == ["package.status.transitioned", "package.status.out_of_stock"]


def test_commands_run_as_the_system_are_logged_as_the_system(api):
    [pid] = order("3104", "A", prefer="L1")
    run(pid, "PKG_STATE_TRANSITION")

    log = logs_of(pid)[-1]
    assert (log.actor, log.api_token_id, log.user_id, log.to_status) == ("system", None, None, S.PREPARING)
    assert_invariants()


# --- the quota through a whole life ---------------------------------------------------------------


def test_quota_through_the_whole_lifecycle(api):
    location("L3", priority=10, max_quota=2, name="Üsküdar")
    stock("L3", "A", 1)
    [pid] = order("3201", "A", prefer="L3")

    def quota_shown() -> tuple[int, int]:
        [row] = [row for row in api.get("stocklocations/").get_json()["results"] if row["erp_code"] == "L3"]
        return row["quota"], row["available_quota"]

    seen = [(status_of(pid), quota("L3"), quota_shown())]
    for command, inputs in [
        ("PKG_STATE_TRANSITION", {}),
        ("COMPLETE_PACKAGING", {}),
        ("SHIP", {}),
        ("UPDATE_SHIPMENT_STATUS", {"delivered_status": True}),
    ]:
        api.ok(pid, command, **inputs)
        seen.append((status_of(pid), quota("L3"), quota_shown()))

    assert seen == [
        (S.WAITING, 1, (1, 1)),
        (S.PREPARING, 1, (1, 1)),
        (S.PACKED, 0, (0, 2)),
        (S.SHIPPED, 0, (0, 2)),
        (S.DELIVERED, 0, (0, 2)),
    ]
    assert available("L3", "A") == (0, 0)
