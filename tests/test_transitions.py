"""The whole lifecycle (DESIGN §3, §4, §4.1): every status is reached by commands alone, every default
transition runs from its source state, and every other command is refused there and changes nothing.
The invariants (quota, reservations, history …) are checked after every step."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from oms_dashboard.extensions import db
from oms_dashboard.models import DenialReason, Transition
from oms_dashboard.selectors.transitions import PICKUP_ONLY
from oms_dashboard.services.catalog import add_product
from oms_dashboard.services.install import DEFAULT_TRANSITIONS, default_transition_rows
from oms_dashboard.services.masterdata.catalog import upsert_carriers
from oms_dashboard.services.masterdata.reference import upsert_sales_channels
from oms_dashboard.services.masterdata.rows import CarrierRow, SalesChannelRow
from oms_dashboard.states import PackageStatus
from oms_dashboard.validation import parse
from tests.helpers import (
    ApiClient,
    item_ids,
    location,
    order,
    package,
    run,
    scenario,
    snapshot,
    status_of,
    stock,
    token,
)
from tests.invariants import assert_invariants

S = PackageStatus
ANY_REASON = "any"
ALL_ITEMS = "all"

# The order each status starts from (keyword arguments of `order`), when not a plain order of A and B at L1.
ORDERS: dict[PackageStatus, dict] = {
    S.WAITING_FOR_TRANSFER: {"skus": ("T",)},  # T is only at the warehouse: it comes by transfer
    S.WAITING_REMOTE_ACTION: {"skus": ("R",)},  # R is only at the 3PL location the ERP runs
    S.WAITING_INVOICE: {"channel": "invoiced"},  # a sales channel that invoices before shipping
    S.READY_FOR_PICKUP: {"delivery_type": "pickup", "pickup_location_code": "P1"},
    S.OUT_OF_STOCK: {"skus": ("C",)},  # C is only at L1: reported missing there, nothing else can serve it
    S.WRONG_PRODUCT: {"skus": ("C",)},
}
# How each status is reached from the order's first package: (command, inputs, destination when it has several).
PATHS: dict[PackageStatus, list[tuple[str, dict, PackageStatus | None]]] = {
    S.WAITING: [],
    S.WAITING_FOR_TRANSFER: [],
    S.WAITING_REMOTE_ACTION: [],
    S.PREPARING: [("PKG_STATE_TRANSITION", {}, None)],
    S.BLOCKED: [("BLOCK", {}, None)],
    S.READY_FOR_PACKAGING: [("PKG_STATE_TRANSITION", {}, None), ("PKG_STATE_TRANSITION", {}, None)],
    S.WAITING_CARGO_LABEL: [("COMPLETE_PACKAGING_WITHOUT_SHIPMENT", {}, None), ("SHIPMENT_ORDER", {}, None)],
    S.PACKED: [("COMPLETE_PACKAGING", {}, None)],
    S.WAITING_INVOICE: [("COMPLETE_PACKAGING", {}, None)],
    S.READY_FOR_PICKUP: [("COMPLETE_PACKAGING", {}, None), ("READY_FOR_PICKUP", {}, None)],
    S.SHIPPED: [("COMPLETE_PACKAGING", {}, None), ("SHIP", {}, None)],
    S.ATTEMPTED_DELIVERY: [
        ("COMPLETE_PACKAGING", {}, None),
        ("SHIP", {}, None),
        ("UPDATE_SHIPMENT_STATUS", {}, S.ATTEMPTED_DELIVERY),
    ],
    S.DELIVERY_FAILED: [
        ("COMPLETE_PACKAGING", {}, None),
        ("SHIP", {}, None),
        ("UPDATE_SHIPMENT_STATUS", {"delivered_status": False}, S.DELIVERY_FAILED),
    ],
    S.DELIVERED: [
        ("COMPLETE_PACKAGING", {}, None),
        ("SHIP", {}, None),
        ("UPDATE_SHIPMENT_STATUS", {"delivered_status": True}, S.DELIVERED),
    ],
    S.CANCELLATION_WAITING: [("REQUEST_CANCELLATION", {}, None)],
    S.CANCELLED: [("REQUEST_CANCELLATION", {}, None), ("CONFIRM_CANCELLATION", {}, None)],
    S.OUT_OF_STOCK: [("DETECTED_OUT_OF_STOCK_ITEM", {"package_items": ALL_ITEMS}, S.OUT_OF_STOCK)],
    S.WRONG_PRODUCT: [("DETECTED_OUT_OF_STOCK_ITEM", {"package_items": ALL_ITEMS}, S.WRONG_PRODUCT)],
    S.NEEDS_RESCHEDULING: [("REFUSE_WITH_DENIAL_REASON", {"denial_reason": ANY_REASON}, None)],
    S.PACKED_FOR_REFUND: [("PACKED_FOR_REFUND", {}, None)],
}


@pytest.fixture
def world(app):
    upsert_carriers(rows=[parse(CarrierRow, {"erp_code": "later", "name": "Later Kargo", "label_mode": "async"})])
    upsert_sales_channels(rows=[parse(SalesChannelRow, {"code": "invoiced", "name": "B2B", "invoice_required": True})])
    location("L1", priority=80)
    location("L2", priority=70)
    location("P1", priority=10, name="Pickup Point", is_pickup_location=True)
    location("R3", priority=5, kind="warehouse", name="3PL", remote_fulfilment=True)
    location("WH", priority=1, kind="warehouse", name="Warehouse")
    for sku in ("A", "B", "C", "T", "R"):
        add_product(sku=sku, name=f"Product {sku}", barcode=f"20{ord(sku)}")
    for erp_code in ("L1", "L2", "P1"):
        stock(erp_code, "A", 50)
        stock(erp_code, "B", 50)
    stock("L1", "C", 50)
    stock("WH", "T", 5)
    stock("R3", "R", 5)
    scenario(
        {"name": "One store", "locations": {"types": ["store"]}},
        {"name": "The 3PL", "locations": {"erp_codes": ["R3"]}},
        {"name": "Transfer to a store", "transferable": True, "locations": {"types": ["store"]}},
    )


def package_in(
    status: PackageStatus,
    number: str = "9001",
    *,
    pickup: bool = False,
    path: list | None = None,
    check_each_step: bool = False,
) -> int:
    """A package brought to `status` by commands alone (checking the invariants after each step, if asked)."""
    fields = dict(ORDERS.get(status, {}))
    if pickup:
        fields.update(ORDERS[S.READY_FOR_PICKUP])
    skus = fields.pop("skus", ("A", "B"))
    prefer = None if status in (S.WAITING_FOR_TRANSFER, S.WAITING_REMOTE_ACTION) or pickup else "L1"
    package_id = order(number, *skus, prefer=prefer, **fields)[0]
    if check_each_step:
        assert_invariants()
    for command, inputs, to in PATHS[status] if path is None else path:
        run(package_id, command, to=to, **_resolved(inputs, package_id))
        if check_each_step:
            assert_invariants()
    assert status_of(package_id) is status, status_of(package_id)
    return package_id


def _resolved(inputs: dict, package_id: int) -> dict:
    resolved = dict(inputs)
    if resolved.get("denial_reason") == ANY_REASON:
        resolved["denial_reason"] = db.session.scalars(select(DenialReason.id)).first()
    if resolved.get("package_items") == ALL_ITEMS:
        resolved["package_items"] = item_ids(package_id)
    return resolved


def _valid_input(command: str, package_id: int) -> dict:
    items = package(package_id).active_items or package(package_id).items  # a cancelled package has no active items
    return {
        "DETECTED_OUT_OF_STOCK_ITEM": {"package_items": [items[0].id]},
        "DETECTED_OUT_OF_STOCK_ITEM_ADVANCED": {"package_items": [items[0].id]},
        "CHANNEL_BASED_COMPLETE_PACKAGING": {"barcodes": [item.product.barcode for item in items]},
        "REFUSE_WITH_DENIAL_REASON": {"denial_reason": db.session.scalars(select(DenialReason.id)).first()},
        "SHIP_ADVANCED": {"tracking_number": "TRK-1", "cargo_company": "aras"},
        "SHIP_WITHOUT_SHIPMENT_INTEGRATION": {"tracking_number": "HAND-1"},
        "SHIPMENT_ORDER": {"cargo_company": "later"},
        "UPDATE_SHIPMENT_LABEL": {"tracking_number": "LATER-1", "label_url": "https://labels.example/1.pdf"},
        "UPDATE_SHIPMENT_INFO": {"tracking_number": "TRK-2"},
        "UPDATE_INVOICE": {"invoice_number": "INV-1", "invoice_date": "2026-11-20"},
        "SELF_SERVICE_DELIVERY": {"pickup_code": "any"},
        "MANUAL_PLANNING": {
            "assignment_groups": [{"package_items": [item.id for item in items], "stock_location": "L1"}]
        },
    }.get(command, {})


TRANSITIONS = default_transition_rows()


def test_every_status_of_the_design_has_a_path():
    assert set(PATHS) == set(PackageStatus)
    reached = {row["destination_state"] for row in TRANSITIONS} | {S.WAITING, S.WAITING_FOR_TRANSFER}
    # Statuses no transition names: reached by planning (remote fulfilment) or by packing for a sales channel
    # that invoices first; the walk below reaches each of them.
    assert set(PackageStatus) - reached == {S.WAITING_REMOTE_ACTION, S.WAITING_INVOICE}


@pytest.mark.parametrize("status", list(PackageStatus), ids=[s.slug for s in PackageStatus])
def test_every_status_is_reached_by_commands(world, status):
    package_in(status, check_each_step=True)


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
        "SHIP_WITHOUT_SHIPMENT_INTEGRATION",
        "SHIPMENT_ORDER",
        "UPDATE_SHIPMENT_LABEL",
        "UPDATE_SHIPMENT_STATUS",
        "UPDATE_SHIPMENT_INFO",
        "UPDATE_INVOICE",
        "READY_FOR_PICKUP",
        "SELF_SERVICE_DELIVERY",
        "REQUEST_CANCELLATION",
        "CONFIRM_CANCELLATION",
        "REJECT_CANCELLATION",
        "CANCEL_PACKAGE",
        "MANUAL_PLANNING",
    }
    assert len({row["slug"] for row in TRANSITIONS}) == len(TRANSITIONS)
    assert "package__complete_packaging__waiting__packed" in {row["slug"] for row in TRANSITIONS}


# Where a transition without a destination leads back to: the status before the block or the request.
BACK_TO = {"UNBLOCK": S.WAITING, "REJECT_CANCELLATION": S.WAITING}


@pytest.mark.parametrize("row", TRANSITIONS, ids=[row["slug"] for row in TRANSITIONS])
def test_each_transition_runs_from_its_source_state(client, world, row):
    api = ApiClient(client, token())
    source = PackageStatus(row["source_state"])
    # Shipment Order books a packed package that has no carrier yet.
    path = PATHS[S.WAITING_CARGO_LABEL][:1] if row["command"] == "SHIPMENT_ORDER" and source is S.PACKED else None
    package_id = package_in(source, pickup=row["command"] in PICKUP_ONLY, path=path)
    if row["command"] in ("REPACK", "MANUAL_PLANNING", "CANCEL_PACKAGE") and source in (
        S.OUT_OF_STOCK,
        S.WRONG_PRODUCT,
    ):
        stock("L1", "C", 5)  # the ERP counted the shelf again: L1 may serve C again

    response = api.command(
        package_id, {"slug": row["slug"], "input_parameters": _valid_input(row["command"], package_id)}
    )

    assert response.status_code in (200, 204), response.get_json()
    expected = row["destination_state"] if row["destination_state"] is not None else BACK_TO[row["command"]]
    if row["command"] == "UPDATE_INVOICE" and source is S.WAITING_INVOICE:
        expected = S.PACKED
    assert status_of(package_id) == expected
    assert_invariants()


STATES = list(PackageStatus)


@pytest.mark.parametrize("status", STATES, ids=[s.slug for s in STATES])
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


def test_the_commands_listed_are_those_that_can_run(client, world):
    """`commands` (DESIGN §5.2) leaves out what the package's order or items rule out."""
    api = ApiClient(client, token())
    shipping = package_in(S.PACKED, "9101")
    pickup = package_in(S.PACKED, "9102", pickup=True)

    def listed(package_id: int) -> set[str]:
        return {command["command"] for command in api.get(f"packages/{package_id}/").get_json()["commands"]}

    assert "READY_FOR_PICKUP" not in listed(shipping) and "SHIP" in listed(shipping)
    assert "READY_FOR_PICKUP" in listed(pickup) and "SHIP" not in listed(pickup)
    assert "SHIPMENT_ORDER" not in listed(shipping)  # already booked with L1's carrier when packed


def test_unblock_returns_to_the_state_before_the_block(client, world):
    api = ApiClient(client, token())
    package_id = package_in(S.READY_FOR_PACKAGING)
    assert api.run(package_id, "BLOCK").status_code == 204
    assert status_of(package_id) is S.BLOCKED
    assert api.run(package_id, "UNBLOCK").status_code == 204
    assert status_of(package_id) is S.READY_FOR_PACKAGING
    assert_invariants()
