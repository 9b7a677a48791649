"""Transfer Order Advanced, Product for Transfer Not Found, Cancel Transfer, and what a package's
cancellation does to its transfers (hold, confirm, reject; in-transit units arriving for nobody)."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from oms_dashboard.actors import SYSTEM, Actor
from oms_dashboard.database import run_in_transaction
from oms_dashboard.errors import AppError
from oms_dashboard.extensions import db
from oms_dashboard.models import (
    CargoCompany,
    DenialReason,
    Discrepancy,
    OutboxEvent,
    TransferLog,
    TransferOrder,
    TransferTransition,
    User,
)
from oms_dashboard.services.commands import run_transfer_command
from oms_dashboard.services.commands.core import lock_package
from oms_dashboard.services.packages import set_package_status
from oms_dashboard.services.stock import release_reservations
from oms_dashboard.services.transfer_cancellation import (
    cancel_held_transfers,
    hold_transfers_for_cancellation,
    release_held_transfers,
)
from oms_dashboard.states import ItemStatus, PackageStatus
from tests.helpers import (
    ApiClient,
    available,
    fresh,
    location,
    order,
    package,
    product,
    quota,
    scenario,
    snapshot,
    status_of,
    stock,
    token,
    user,
)
from tests.invariants import _quota_counts_holding_packages, _reserved_counts_reservations, assert_invariants


@pytest.fixture
def world(app):
    """Kadıköy (L1) packs; B and C come from the warehouse (WH); L2 has nothing yet."""
    location("L1", priority=80, name="Kadıköy")
    location("L2", priority=70, name="Beşiktaş")
    location("WH", priority=40, kind="warehouse", name="Warehouse", cargo="aras")
    for sku in ("A", "B", "C"):
        product(sku)
    stock("L1", "A", 5)
    stock("WH", "B", 5)
    stock("WH", "C", 5)
    scenario(
        {
            "name": "Pack at the best store, transfer the rest",
            "transferable": True,
            "order_by": ["priority"],
            "locations": {"types": ["store"]},
        }
    )
    user("selin", "store_staff", "L1")
    user("wendy", "store_staff", "WH")


@pytest.fixture
def api(client, world):
    return ApiClient(client, token())


def transfers_of(package_id: int) -> list[TransferOrder]:
    fresh()
    query = select(TransferOrder).where(TransferOrder.package_id == package_id).order_by(TransferOrder.id)
    return list(db.session.scalars(query))


NEW_COMMANDS = ("TRANSFER_ORDER_ADVANCED", "TRANSFER_ITEMS_NOT_FOUND", "TRANSFER_CANCEL")


def slug_for(transfer_id: int, command: str) -> str:
    """The command's transition from the transfer's state now."""
    fresh()
    state = db.session.get(TransferOrder, transfer_id).status
    query = select(TransferTransition.slug).where(
        TransferTransition.command == command, TransferTransition.source_state == state
    )
    return db.session.scalars(query).one()


def send(api: ApiClient, transfer_id: int, command: str, **inputs: Any):
    body = {"slug": slug_for(transfer_id, command), "input_parameters": inputs}
    return api.post_raw(f"transfer_orders/{transfer_id}/command/", body)


def counters_hold() -> None:
    """stock.reserved == its reservation rows, and each location's quota == its quota-holding packages."""
    fresh()
    _reserved_counts_reservations()
    _quota_counts_holding_packages()


def logs_of(transfer_id: int) -> list[tuple[str | None, str, str]]:
    fresh()
    query = select(TransferLog).where(TransferLog.transfer_order_id == transfer_id).order_by(TransferLog.id)
    return [(log.from_state, log.to_state, log.command) for log in db.session.scalars(query)]


def events_of(transfer_id: int) -> list[str]:
    fresh()
    query = select(OutboxEvent.event_type).where(OutboxEvent.transfer_order_id == transfer_id)
    return list(db.session.scalars(query.order_by(OutboxEvent.id)))


# --- TRANSFER_ORDER_ADVANCED -------------------------------------------------------------------------


@pytest.mark.parametrize("by_id", [False, True], ids=["erp_code", "id"])
def test_order_advanced_records_carrier_and_tracking_and_touches_no_stock(api, by_id):
    [package_id] = order("V1", "A", "B")
    [transfer] = transfers_of(package_id)
    stocks = snapshot()["stocks"]
    carrier = db.session.scalar(select(CargoCompany.id).where(CargoCompany.erp_code == "aras")) if by_id else "aras"

    response = send(api, transfer.id, "TRANSFER_ORDER_ADVANCED", cargo_company=carrier, tracking_number=" AR-123 ")

    assert response.status_code == 204, response.get_json()
    [transfer] = transfers_of(package_id)
    assert transfer.status == "ready_to_shipment" and transfer.cargo_company.erp_code == "aras"
    assert transfer.tracking_number == "AR-123"
    shown = api.get(f"transfer_orders/{transfer.id}/").get_json()
    assert (shown["cargo_company"]["erp_code"], shown["tracking_number"]) == ("aras", "AR-123")
    assert snapshot()["stocks"] == stocks and status_of(package_id) is PackageStatus.WAITING_FOR_TRANSFER
    assert logs_of(transfer.id)[-1] == ("waiting", "ready_to_shipment", "TRANSFER_ORDER_ADVANCED")
    assert events_of(transfer.id)[-2:] == ["transfer.status.ready_to_shipment", "transfer.status.transitioned"]
    assert_invariants()
    # From ready_to_shipment it is not offered any more.
    assert send(api, transfer.id, "TRANSFER_DISPATCH").status_code == 204
    again = {"slug": "transfer__transfer_order_advanced__waiting__ready_to_shipment"}
    assert api.post_raw(f"transfer_orders/{transfer.id}/command/", again).status_code == 406


@pytest.mark.parametrize(
    ("inputs", "field"),
    [
        ({"cargo_company": "aras"}, "tracking_number"),
        ({"cargo_company": "aras", "tracking_number": "   "}, "tracking_number"),
        ({"cargo_company": "nobody", "tracking_number": "X1"}, "cargo_company"),
        ({"cargo_company": 999999, "tracking_number": "X1"}, "cargo_company"),
        ({"tracking_number": "X1"}, "cargo_company"),
    ],
)
def test_order_advanced_with_bad_input_is_400_naming_the_field_and_changes_nothing(api, inputs, field):
    [package_id] = order("V2", "A", "B")
    [transfer] = transfers_of(package_id)
    before = snapshot()

    response = send(api, transfer.id, "TRANSFER_ORDER_ADVANCED", **inputs)

    assert response.status_code == 400 and list(response.get_json()["error"]) == [field]
    assert snapshot() == before and transfers_of(package_id)[0].tracking_number is None


# --- TRANSFER_ITEMS_NOT_FOUND ------------------------------------------------------------------------


def test_only_the_listed_items_are_sought_elsewhere_never_at_this_source(api):
    [package_id] = order("V3", "A", "B", "C")
    [transfer] = transfers_of(package_id)
    assert transfer.source.erp_code == "WH" and sorted(i.product.sku for i in transfer.items) == ["B", "C"]
    stock("L2", "C", 2)  # another source for C, which WH still has too
    c_item = next(item for item in transfer.items if item.product.sku == "C")
    reason_id = db.session.scalars(select(DenialReason.id).order_by(DenialReason.id)).first()
    inputs = {"transfer_items": [c_item.id], "reason": "wrong_product", "denial_reason": reason_id}

    response = send(api, transfer.id, "TRANSFER_ITEMS_NOT_FOUND", **inputs)

    assert response.status_code == 204, response.get_json()
    first, second = transfers_of(package_id)
    assert first.status == "waiting" and [i.product.sku for i in first.items] == ["B"]  # the rest stays
    assert (second.source.erp_code, second.status, [i.product.sku for i in second.items]) == ("L2", "waiting", ["C"])
    assert available("WH", "C") == (4, 0)  # written off where it was not found, reservation released
    assert available("WH", "B") == (5, 1) and available("L2", "C") == (2, 1)
    fresh()
    [discrepancy] = db.session.scalars(select(Discrepancy)).all()
    assert discrepancy.stock_location_id == transfer.source_location_id  # the source, nowhere else
    assert (discrepancy.reason, discrepancy.denial_reason_id) == ("wrong_product", reason_id)
    assert status_of(package_id) is PackageStatus.WAITING_FOR_TRANSFER and quota("L1") == 1
    assert logs_of(transfer.id)[-1] == ("waiting", "waiting", "TRANSFER_ITEMS_NOT_FOUND")
    assert_invariants()


def test_listed_items_nothing_can_bring_wait_for_reschedule(api):
    [package_id] = order("V4", "A", "B", "C")
    [transfer] = transfers_of(package_id)
    c_item = next(item for item in transfer.items if item.product.sku == "C")

    assert send(api, transfer.id, "TRANSFER_ITEMS_NOT_FOUND", transfer_items=[c_item.id]).status_code == 204

    [first] = transfers_of(package_id)  # WH still has 4 C: never asked again
    assert [i.product.sku for i in first.items] == ["B"] and available("WH", "C") == (4, 0)
    kept = package(package_id)
    holder = next(item.replanned_to.package for item in kept.items if item.replanned_to)
    assert holder.state is PackageStatus.OUT_OF_STOCK and [i.product.sku for i in holder.items] == ["C"]
    assert kept.state is PackageStatus.WAITING_FOR_TRANSFER and quota("L1") == 1
    assert_invariants()


def test_listing_every_item_is_transfer_out_of_stock(api):
    [package_id] = order("V5", "A", "B", "C")
    [transfer] = transfers_of(package_id)
    stock("L2", "B", 1)
    stock("L2", "C", 1)
    ids = [item.id for item in transfer.items]

    assert send(api, transfer.id, "TRANSFER_ITEMS_NOT_FOUND", transfer_items=ids).status_code == 204

    first, second = transfers_of(package_id)
    assert first.status == "out_of_stock" and [i.status for i in first.items] == ["out_of_stock"] * 2
    assert logs_of(first.id)[-1] == ("waiting", "out_of_stock", "TRANSFER_ITEMS_NOT_FOUND")
    assert (second.source.erp_code, sorted(i.product.sku for i in second.items)) == ("L2", ["B", "C"])
    assert available("WH", "B") == (4, 0) and available("WH", "C") == (4, 0)
    assert_invariants()


@pytest.mark.parametrize(
    ("inputs", "field"),
    [
        ({}, "transfer_items"),
        ({"transfer_items": []}, "transfer_items"),
        ({"transfer_items": [999999]}, "transfer_items"),
        ({"transfer_items": "mine"}, "transfer_items"),
        ({"transfer_items": "FIRST", "reason": "lost"}, "reason"),
        ({"transfer_items": "FIRST", "denial_reason": 999999}, "denial_reason"),
    ],
)
def test_items_not_found_with_bad_input_is_400_naming_the_field_and_changes_nothing(api, inputs, field):
    [package_id] = order("V6", "A", "B")
    [other_package] = order("V7", "A", "C")
    [transfer] = transfers_of(package_id)
    if inputs.get("transfer_items") == "FIRST":
        inputs = {**inputs, "transfer_items": [transfer.items[0].id]}
    if inputs.get("transfer_items") == [999999]:  # an item of another transfer
        inputs = {"transfer_items": [transfers_of(other_package)[0].items[0].id]}
    before = snapshot()

    response = send(api, transfer.id, "TRANSFER_ITEMS_NOT_FOUND", **inputs)

    assert response.status_code == 400 and list(response.get_json()["error"]) == [field], response.get_json()
    assert snapshot() == before


# --- TRANSFER_CANCEL ---------------------------------------------------------------------------------


@pytest.mark.parametrize("ready_first", [False, True])
def test_cancel_frees_the_source_without_write_off_and_brings_the_items_again(api, ready_first):
    [package_id] = order("V8", "A", "B")
    [transfer] = transfers_of(package_id)
    if ready_first:
        assert send(api, transfer.id, "TRANSFER_READY_FOR_DISPATCH").status_code == 204

    assert send(api, transfer.id, "TRANSFER_CANCEL").status_code == 204

    first, second = transfers_of(package_id)
    assert first.status == "cancelled" and [i.status for i in first.items] == ["cancelled"]
    assert second.source.erp_code == "WH" and second.status == "waiting"  # the source may serve again
    assert available("WH", "B") == (5, 1)  # nothing written off: released, then reserved again
    fresh()
    assert db.session.scalars(select(Discrepancy)).all() == []
    from_state = "ready_to_shipment" if ready_first else "waiting"
    assert logs_of(first.id)[-1] == (from_state, "cancelled", "TRANSFER_CANCEL")
    assert_invariants()


def test_cancel_with_nothing_to_bring_the_items_leaves_them_for_reschedule(api):
    [package_id] = order("V9", "B")  # packed at L1, B from WH
    [transfer] = transfers_of(package_id)
    stock("WH", "B", 0)  # the ERP says WH has none left: only the transfer's reservation holds it

    assert send(api, transfer.id, "TRANSFER_CANCEL").status_code == 204

    assert available("WH", "B") == (0, 0) and len(transfers_of(package_id)) == 1
    assert status_of(package_id) is PackageStatus.OUT_OF_STOCK and quota("L1") == 0
    assert_invariants()


def test_cancel_is_refused_to_store_staff_and_the_new_commands_from_in_transit(api):
    [package_id] = order("V10", "A", "B")
    [transfer] = transfers_of(package_id)
    from_waiting = {command: slug_for(transfer.id, command) for command in NEW_COMMANDS}
    before = snapshot()

    for username in ("wendy", "selin"):  # the source's and the destination's staff
        fresh()
        actor = Actor.for_user(db.session.scalars(select(User).where(User.username == username)).one())
        with pytest.raises(AppError) as refused:
            run_transfer_command(transfer_id=transfer.id, actor=actor, slug=from_waiting["TRANSFER_CANCEL"])
        assert refused.value.status_code == 406 and refused.value.error["error_code"] == "commands_100_1"
    assert snapshot() == before
    assert send(api, transfer.id, "TRANSFER_DISPATCH").status_code == 204
    before = snapshot()
    for slug in from_waiting.values():
        body = {"slug": slug, "input_parameters": {"transfer_items": [transfer.items[0].id]}}
        response = api.post_raw(f"transfer_orders/{transfer.id}/command/", body)
        assert response.status_code == 406 and response.get_json()["error"]["error_code"] == "commands_100_1"
    assert snapshot() == before


# --- a package's cancellation ------------------------------------------------------------------------


def two_transfers() -> tuple[int, TransferOrder, TransferOrder]:
    """A package at L1 waiting for B from WH (waiting) and C from L2 (in transit)."""
    stock("L2", "C", 2)
    [package_id] = order("V20", "A", "B", "C")
    from_wh, from_l2 = sorted(transfers_of(package_id), key=lambda t: t.source.erp_code != "WH")
    assert (from_wh.source.erp_code, from_l2.source.erp_code) == ("WH", "L2")
    run_transfer_command(transfer_id=from_l2.id, actor=SYSTEM, slug=slug_for(from_l2.id, "TRANSFER_DISPATCH"))
    return package_id, from_wh, from_l2


def in_package_transaction(package_id: int, work) -> list[int]:
    """As the package cancellation service calls the helpers: its package row locked first, one transaction.
    Returns the ids of the transfers `work` returned."""

    def run() -> list[int]:
        held = work(lock_package(package_id))
        return [transfer.id for transfer in held]

    return run_in_transaction(run)


def request_cancellation(package_id: int) -> list[int]:
    def work(locked):
        set_package_status(locked, PackageStatus.CANCELLATION_WAITING)
        return hold_transfers_for_cancellation(package=locked, actor=SYSTEM)

    return in_package_transaction(package_id, work)


def test_a_cancellation_request_holds_the_transfers_not_yet_sent_and_refuses_their_commands(world):
    package_id, from_wh, from_l2 = two_transfers()

    assert request_cancellation(package_id) == [from_wh.id]

    assert [t.status for t in transfers_of(package_id)] == ["cancellation_waiting", "in_transit"]
    assert logs_of(from_wh.id)[-1] == ("waiting", "cancellation_waiting", "REQUEST_CANCELLATION")
    assert events_of(from_wh.id)[-2:] == ["transfer.status.cancellation_waiting", "transfer.status.transitioned"]
    assert available("WH", "B") == (5, 1)  # still held at the source until the answer
    counters_hold()
    fresh()
    for row in db.session.scalars(select(TransferTransition)):  # no transition starts there
        with pytest.raises(AppError) as refused:
            run_transfer_command(transfer_id=from_wh.id, actor=SYSTEM, transition_id=row.id)
        assert refused.value.status_code == 406


@pytest.mark.parametrize("ready_first", [False, True])
def test_a_rejected_cancellation_puts_each_transfer_back_where_it_was(world, ready_first):
    package_id, from_wh, _ = two_transfers()
    if ready_first:
        run_transfer_command(
            transfer_id=from_wh.id, actor=SYSTEM, slug=slug_for(from_wh.id, "TRANSFER_READY_FOR_DISPATCH")
        )
    request_cancellation(package_id)

    def reject(locked):
        released = release_held_transfers(package=locked, actor=SYSTEM)
        set_package_status(locked, PackageStatus.WAITING_FOR_TRANSFER)
        return released

    assert in_package_transaction(package_id, reject) == [from_wh.id]

    state = "ready_to_shipment" if ready_first else "waiting"
    assert transfers_of(package_id)[0].status == state
    assert logs_of(from_wh.id)[-1] == ("cancellation_waiting", state, "REJECT_CANCELLATION")
    assert events_of(from_wh.id)[-2:] == [f"transfer.status.{state}", "transfer.status.transitioned"]
    assert available("WH", "B") == (5, 1)
    counters_hold()


def test_a_confirmed_cancellation_frees_the_source_and_units_on_the_road_arrive_as_plain_stock(world):
    package_id, from_wh, from_l2 = two_transfers()
    request_cancellation(package_id)

    def confirm(locked):
        cancelled = cancel_held_transfers(package=locked, actor=SYSTEM)
        # What the package cancellation service does besides: its own units freed, the package cancelled.
        release_reservations(item.id for item in locked.active_items)
        set_package_status(locked, PackageStatus.CANCELLED)
        for item in locked.items:
            item.status = ItemStatus.CANCELLED
        return cancelled

    assert in_package_transaction(package_id, confirm) == [from_wh.id]

    assert [t.status for t in transfers_of(package_id)] == ["cancelled", "in_transit"]
    assert logs_of(from_wh.id)[-1] == ("cancellation_waiting", "cancelled", "CONFIRM_CANCELLATION")
    assert events_of(from_wh.id)[-2:] == ["transfer.status.cancelled", "transfer.status.transitioned"]
    assert available("WH", "B") == (5, 0) and available("L1", "A") == (5, 0)  # freed, nothing written off
    assert quota("L1") == 0
    counters_hold()
    hold_again = in_package_transaction(
        package_id, lambda locked: hold_transfers_for_cancellation(package=locked, actor=SYSTEM)
    )
    assert hold_again == []  # nothing left to hold: the one on the road goes on

    delivered = slug_for(from_l2.id, "TRANSFER_DELIVERED")
    run_transfer_command(transfer_id=from_l2.id, actor=SYSTEM, slug=delivered)

    assert transfers_of(package_id)[1].status == "transferred"
    assert available("L2", "C") == (1, 0)  # the unit left its source
    assert available("L1", "C") == (1, 0)  # and is on hand at the destination, for anyone
    assert status_of(package_id) is PackageStatus.CANCELLED
    counters_hold()


def test_units_on_the_road_for_a_package_cancelled_with_their_reservation_kept_arrive_unreserved(world):
    package_id, _, from_l2 = two_transfers()

    def cancel_outright(locked):
        set_package_status(locked, PackageStatus.CANCELLED)
        return []

    in_package_transaction(package_id, cancel_outright)
    run_transfer_command(transfer_id=from_l2.id, actor=SYSTEM, slug=slug_for(from_l2.id, "TRANSFER_DELIVERED"))

    assert available("L2", "C") == (1, 0) and available("L1", "C") == (1, 0)
