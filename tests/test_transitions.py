"""Every transition of DESIGN §4, allowed from its source state and refused from every other."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from oms_dashboard.database import run_in_transaction
from oms_dashboard.extensions import db
from oms_dashboard.models import DenialReason, Package, Transition
from oms_dashboard.services.install import DEFAULT_TRANSITIONS, default_transition_rows
from oms_dashboard.services.packages import set_package_status
from oms_dashboard.services.stock import release_reservations
from oms_dashboard.states import PackageStatus
from tests.helpers import (
    ApiClient,
    item_ids,
    location,
    order,
    package,
    product,
    run,
    snapshot,
    status_of,
    stock,
    token,
)
from tests.invariants import assert_invariants

S = PackageStatus

# How a package reaches each state: commands from a fresh waiting package, or (for states no
# default command leads to) a status set directly, as another installation's commands would.
PATHS: dict[PackageStatus, list[tuple[str, dict]]] = {
    S.WAITING: [],
    S.PREPARING: [("PKG_STATE_TRANSITION", {})],
    S.READY_FOR_PACKAGING: [("PKG_STATE_TRANSITION", {}), ("PKG_STATE_TRANSITION", {})],
    S.BLOCKED: [("BLOCK", {})],
    S.PACKED: [("COMPLETE_PACKAGING", {})],
    S.SHIPPED: [("COMPLETE_PACKAGING", {}), ("SHIP", {})],
    S.DELIVERED: [("COMPLETE_PACKAGING", {}), ("SHIP", {}), ("UPDATE_SHIPMENT_STATUS", {"delivered_status": True})],
    S.ATTEMPTED_DELIVERY: [
        ("COMPLETE_PACKAGING", {}),
        ("SHIP", {}),
        ("UPDATE_SHIPMENT_STATUS", {"delivered_status": False, "status": "attempted_delivery"}),
    ],
    S.DELIVERY_FAILED: [
        ("COMPLETE_PACKAGING", {}),
        ("SHIP", {}),
        ("UPDATE_SHIPMENT_STATUS", {"delivered_status": False}),
    ],
    S.NEEDS_RESCHEDULING: [("REFUSE_WITH_DENIAL_REASON", {"denial_reason": "any"})],
    S.PACKED_FOR_REFUND: [("PACKED_FOR_REFUND", {})],
    S.OUT_OF_STOCK: [("DETECTED_OUT_OF_STOCK_ITEM", {"package_items": "all"})],
}
FORCED_FROM_PACKED = {S.WAITING_INVOICE, S.READY_FOR_PICKUP}


@pytest.fixture
def world(app):
    location("L1", priority=80)
    location("L2", priority=70)
    for sku, barcode in (("A", "1111"), ("B", "2222"), ("C", "3333")):
        product(sku, barcode=barcode)
    for erp_code in ("L1", "L2"):
        stock(erp_code, "A", 50)
        stock(erp_code, "B", 50)
    stock("L1", "C", 50)  # C exists only at L1: an out-of-stock package of C waits for rescheduling


def _force(package_id: int, status: PackageStatus) -> None:
    def work() -> None:
        target = db.session.get(Package, package_id)
        if not status.holds_quota:
            release_reservations(item.id for item in target.active_items)
        set_package_status(target, status)

    run_in_transaction(work)


def package_in(status: PackageStatus, number: str = "9001") -> int:
    skus = ("C",) if status is S.OUT_OF_STOCK else ("A", "B")
    [package_id] = order(number, *skus, prefer="L1")
    if status in PATHS:
        for command, inputs in PATHS[status]:
            inputs = dict(inputs)
            if inputs.get("denial_reason") == "any":
                inputs["denial_reason"] = db.session.scalars(select(DenialReason.id)).first()
            if inputs.get("package_items") == "all":
                inputs["package_items"] = item_ids(package_id)
            run(package_id, command, **inputs)
    elif status in FORCED_FROM_PACKED:
        run(package_id, "COMPLETE_PACKAGING")
        _force(package_id, status)
    else:
        _force(package_id, status)
    assert status_of(package_id) is status
    return package_id


def _valid_input(command: str, package_id: int) -> dict:
    items = package(package_id).active_items or package(package_id).items  # a cancelled package has no active items
    return {
        "DETECTED_OUT_OF_STOCK_ITEM": {"package_items": [items[0].id]},
        "DETECTED_OUT_OF_STOCK_ITEM_ADVANCED": {"package_items": [items[0].id]},
        "CHANNEL_BASED_COMPLETE_PACKAGING": {"barcodes": [item.product.barcode for item in items]},
        "REFUSE_WITH_DENIAL_REASON": {"denial_reason": db.session.scalars(select(DenialReason.id)).first()},
        "SHIP_ADVANCED": {"tracking_number": "TRK-1", "cargo_company": "aras"},
        "UPDATE_SHIPMENT_STATUS": {"delivered_status": True},
        "UPDATE_SHIPMENT_INFO": {"tracking_number": "TRK-2"},
        "UPDATE_INVOICE": {"invoice_number": "INV-1", "invoice_date": "2026-11-20"},
        "MANUAL_PLANNING": {
            "assignment_groups": [{"package_items": [item.id for item in items], "stock_location": "L1"}]
        },
    }.get(command, {})


TRANSITIONS = default_transition_rows()


def test_the_default_transitions_are_those_of_the_design():
    commands = {row["command"] for row in TRANSITIONS}
    assert commands == {
        "PKG_STATE_TRANSITION",
        "PKG_DEALLOCATE_RESERVATIONS",
        "COMPLETE_PACKAGING",
        "COMPLETE_PACKAGING_WITHOUT_SHIPMENT",
        "CHANNEL_BASED_COMPLETE_PACKAGING",
        "DETECTED_OUT_OF_STOCK_ITEM",
        "DETECTED_OUT_OF_STOCK_ITEM_ADVANCED",
        "REPACK",
        "PACKED_FOR_REFUND",
        "REFUSE_WITH_DENIAL_REASON",
        "BLOCK",
        "UNBLOCK",
        "SHIP",
        "SHIP_ADVANCED",
        "UPDATE_SHIPMENT_STATUS",
        "UPDATE_SHIPMENT_INFO",
        "UPDATE_INVOICE",
        "MANUAL_PLANNING",
    }
    assert len({row["slug"] for row in TRANSITIONS}) == len(TRANSITIONS)
    assert "package__complete_packaging__waiting__packed" in {row["slug"] for row in TRANSITIONS}


@pytest.mark.parametrize("row", TRANSITIONS, ids=[row["slug"] for row in TRANSITIONS])
def test_each_transition_runs_from_its_source_state(client, world, row):
    api = ApiClient(client, token())
    source = PackageStatus(row["source_state"])
    package_id = package_in(source)
    if row["command"] == "REPACK" and source is S.OUT_OF_STOCK:
        stock("L2", "C", 5)  # stock came back elsewhere

    response = api.command(
        package_id, {"slug": row["slug"], "input_parameters": _valid_input(row["command"], package_id)}
    )

    assert response.status_code in (200, 204), response.get_json()
    expected = (
        row["destination_state"] if row["destination_state"] is not None else S.WAITING
    )  # unblock: back to waiting
    assert status_of(package_id) == expected
    assert_invariants()


STATES_WITH_A_PACKAGE = sorted(
    set(PATHS) | FORCED_FROM_PACKED | {S.WAITING_REMOTE_ACTION, S.CANCELLED, S.WAITING_CARGO_LABEL}
)


@pytest.mark.parametrize("status", STATES_WITH_A_PACKAGE, ids=[s.slug for s in STATES_WITH_A_PACKAGE])
def test_every_other_command_is_refused_and_changes_nothing(client, world, status):
    api = ApiClient(client, token())
    package_id = package_in(status)
    allowed = {row["command"] for row in TRANSITIONS if row["source_state"] == status}
    before = snapshot()

    for default in DEFAULT_TRANSITIONS:
        if default.command in allowed:
            continue
        other_state = next(row for row in TRANSITIONS if row["command"] == default.command)
        by_slug = api.command(
            package_id, {"slug": other_state["slug"], "input_parameters": _valid_input(default.command, package_id)}
        )
        transition_id = db.session.scalars(select(Transition.id).where(Transition.slug == other_state["slug"])).one()
        by_id = api.command(package_id, {"transition": transition_id})
        for response in (by_slug, by_id):
            assert response.status_code == 406, (default.command, response.get_json())
            assert response.get_json()["error"]["error_code"] == "commands_100_1"

    assert snapshot() == before
    assert_invariants()


def test_unblock_returns_to_the_state_before_the_block(client, world):
    api = ApiClient(client, token())
    package_id = package_in(S.READY_FOR_PACKAGING)
    assert api.run(package_id, "BLOCK").status_code == 204
    assert status_of(package_id) is S.BLOCKED
    assert api.run(package_id, "UNBLOCK").status_code == 204
    assert status_of(package_id) is S.READY_FOR_PACKAGING
    assert_invariants()
