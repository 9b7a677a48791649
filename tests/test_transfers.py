"""Transfer orders: planned by a transferable rule, moved by their commands, completing the package."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from oms_dashboard.extensions import db
from oms_dashboard.models import TransferOrder
from oms_dashboard.states import PackageStatus, TransferStatus
from tests.helpers import (
    API,
    ApiClient,
    available,
    fresh,
    location,
    order,
    package,
    product,
    quota,
    scenario,
    skus_in,
    snapshot,
    status_of,
    stock,
    token,
    transfer_command,
)
from tests.invariants import assert_invariants

TRANSFER_RULE = {"name": "Pack at the best store, transfer the rest", "transferable": True, "order_by": ["priority"]}


@pytest.fixture
def world(app):
    location("L1", priority=80, name="Kadıköy")
    location("L2", priority=70, name="Beşiktaş")
    location("WH", priority=40, kind="warehouse", name="Warehouse", cargo="aras")
    product("A")
    product("B")
    stock("L1", "A", 5)
    stock("WH", "B", 5)
    scenario(TRANSFER_RULE)


@pytest.fixture
def api(client, world):
    return ApiClient(client, token())


def transfers_of(package_id: int) -> list[TransferOrder]:
    fresh()
    return list(
        db.session.scalars(
            select(TransferOrder).where(TransferOrder.package_id == package_id).order_by(TransferOrder.id)
        )
    )


def test_a_transferable_rule_packs_where_most_is_and_transfers_the_rest(world):
    [package_id] = order("T1", "A", "B")

    assert status_of(package_id) is PackageStatus.WAITING_FOR_TRANSFER
    assert package(package_id).stock_location.erp_code == "L1" and skus_in(package_id) == ["A", "B"]
    [transfer] = transfers_of(package_id)
    assert (transfer.number, transfer.status) == ("T1P1T1", "waiting")
    assert (transfer.source.erp_code, transfer.destination.erp_code) == ("WH", "L1")
    assert available("L1", "A") == (5, 1) and available("WH", "B") == (5, 1)  # B is held at the source
    assert quota("L1") == 1 and quota("WH") == 0
    assert_invariants()


def test_a_transfer_goes_from_waiting_to_delivered_and_the_package_becomes_waiting(api):
    [package_id] = order("T2", "A", "B")
    [transfer] = transfers_of(package_id)

    for command, state in (
        ("TRANSFER_READY_FOR_DISPATCH", "ready_to_shipment"),
        ("TRANSFER_DISPATCH", "in_transit"),
    ):
        assert transfer_command(api, transfer.id, command).status_code == 204
        fresh()
        assert db.session.get(TransferOrder, transfer.id).status == state
        assert status_of(package_id) is PackageStatus.WAITING_FOR_TRANSFER
        assert_invariants()

    assert transfer_command(api, transfer.id, "TRANSFER_DELIVERED").status_code == 204

    assert transfers_of(package_id)[0].status == "transferred"
    assert status_of(package_id) is PackageStatus.WAITING
    assert available("WH", "B") == (4, 0) and available("L1", "B") == (1, 1)  # the unit moved and waits for packing
    assert_invariants()
    assert api.run(package_id, "COMPLETE_PACKAGING").status_code == 204
    assert available("L1", "A") == (4, 0) and available("L1", "B") == (0, 0)
    assert_invariants()


def test_the_api_shows_transfers_like_packages(api):
    [package_id] = order("T3", "A", "B")
    [transfer] = transfers_of(package_id)

    body = api.get(f"transfer_orders/{transfer.id}/").get_json()

    assert body["state"] == {"enum_value": "waiting", "name": "Waiting", "slug": "waiting"}
    assert body["package"] == {"id": package_id, "number": "T3P1"}
    assert body["source"]["erp_code"] == "WH" and body["destination"]["erp_code"] == "L1"
    assert [item["sku"] for item in body["transferitem_set"]] == ["B"]
    assert {command["command"] for command in body["commands"]} == {
        "TRANSFER_READY_FOR_DISPATCH",
        "TRANSFER_DISPATCH",
        "TRANSFER_OUT_OF_STOCK",
        "TRANSFER_ORDER_ADVANCED",
        "TRANSFER_ITEMS_NOT_FOUND",
        "TRANSFER_CANCEL",
    }
    listing = api.get("transfer_orders/", state="waiting", source__erp_code="WH").get_json()
    assert [row["id"] for row in listing["results"]] == [transfer.id]
    assert api.get("transfer_orders/", state="flying").status_code == 400


def test_a_transfer_command_from_the_wrong_state_is_406_and_changes_nothing(api):
    [package_id] = order("T4", "A", "B")
    [transfer] = transfers_of(package_id)
    slug = "transfer__transfer_delivered__in_transit__transferred"
    before = snapshot()

    response = api.post_raw(f"transfer_orders/{transfer.id}/command/", {"slug": slug})

    assert response.status_code == 406 and response.get_json()["error"]["error_code"] == "commands_100_1"
    assert snapshot() == before
    assert api.post_raw("transfer_orders/999999/command/", {"slug": slug}).status_code == 404
    assert api.post_raw(f"transfer_orders/{transfer.id}/command/", {}).get_json() == {
        "error": {"non_field_errors": "transition or slug required"},
        "status_code": 400,
    }


def test_each_end_runs_its_own_commands(client, world):
    [package_id] = order("T5", "A", "B")
    [transfer] = transfers_of(package_id)
    destination = ApiClient(client, token("L1", name="Kadıköy POS"))
    source = ApiClient(client, token("WH", name="Warehouse WMS"))
    elsewhere = ApiClient(client, token("L2", name="Beşiktaş POS"))

    assert elsewhere.get(f"transfer_orders/{transfer.id}/").status_code == 403
    # Only Cancel Transfer, which either end may run.
    commands = destination.get(f"transfer_orders/{transfer.id}/").get_json()["commands"]
    assert [command["command"] for command in commands] == ["TRANSFER_CANCEL"]
    assert transfer_command(destination, transfer.id, "TRANSFER_DISPATCH").status_code == 406
    assert transfer_command(source, transfer.id, "TRANSFER_DISPATCH").status_code == 204
    assert transfer_command(source, transfer.id, "TRANSFER_DELIVERED").status_code == 406
    assert transfer_command(destination, transfer.id, "TRANSFER_DELIVERED").status_code == 204
    assert status_of(package_id) is PackageStatus.WAITING


def test_not_found_at_the_source_brings_the_items_from_another_source(api):
    stock("L2", "B", 2)
    [package_id] = order("T6", "A", "B")
    [first] = transfers_of(package_id)
    assert first.source.erp_code == "L2"  # L2 (priority 70) before the warehouse (40)

    assert transfer_command(api, first.id, "TRANSFER_OUT_OF_STOCK").status_code == 204

    first_again, second = transfers_of(package_id)
    assert first_again.status == "out_of_stock" and second.status == "waiting"
    assert second.source.erp_code == "WH"  # never the source that had none
    assert available("L2", "B") == (1, 0) and available("WH", "B") == (5, 1)
    assert status_of(package_id) is PackageStatus.WAITING_FOR_TRANSFER
    assert_invariants()


def test_items_no_source_has_wait_for_rescheduling(api):
    [package_id] = order("T7", "A", "B")
    [transfer] = transfers_of(package_id)

    assert transfer_command(api, transfer.id, "TRANSFER_OUT_OF_STOCK").status_code == 204

    kept = package(package_id)
    assert kept.state is PackageStatus.WAITING and skus_in(package_id) == ["A"]  # nothing else on its way
    holder = [item for item in kept.items if item.replanned_to][0].replanned_to.package
    assert holder.state is PackageStatus.OUT_OF_STOCK and skus_in(holder.id) == ["B"]
    assert_invariants()


def test_a_package_of_transferred_items_only_goes_out_of_stock_when_none_can_come(api):
    stock("L1", "B", 0)
    scenario({**TRANSFER_RULE, "locations": {"erp_codes": ["L2"]}})  # pack at L2, which has nothing
    [package_id] = order("T8", "B")
    [transfer] = transfers_of(package_id)
    assert package(package_id).stock_location.erp_code == "L2"

    transfer_command(api, transfer.id, "TRANSFER_OUT_OF_STOCK")

    assert status_of(package_id) is PackageStatus.OUT_OF_STOCK and quota("L2") == 0
    assert_invariants()


def test_transfer_events_go_to_the_outbox(api):
    from oms_dashboard.models import OutboxEvent

    [package_id] = order("T9", "A", "B")
    [transfer] = transfers_of(package_id)
    transfer_command(api, transfer.id, "TRANSFER_DISPATCH")

    fresh()
    events = [
        e.event_type
        for e in db.session.scalars(select(OutboxEvent).where(OutboxEvent.transfer_order_id == transfer.id))
    ]
    assert events == [
        "transfer.created",
        "transfer.status.created",
        "transfer.status.in_transit",
        "transfer.status.transitioned",
    ]
    assert api.client.get(f"{API}/transfer_orders/{transfer.id}/").status_code == 401  # no token, no data
    assert TransferStatus.IN_TRANSIT.is_open


def test_every_new_transfer_is_logged_and_announced_once(api):
    from oms_dashboard.models import OutboxEvent, TransferLog

    stock("L2", "B", 1)
    [package_id] = order("T10", "A", "B")
    first = transfers_of(package_id)[0]
    transfer_command(api, first.id, "TRANSFER_OUT_OF_STOCK")  # makes the second transfer
    second = transfers_of(package_id)[1]

    fresh()
    for transfer, actor in ((first, "system"), (second, api_token_actor())):
        created = db.session.scalars(
            select(OutboxEvent.event_type).where(
                OutboxEvent.transfer_order_id == transfer.id, OutboxEvent.event_type == "transfer.status.created"
            )
        ).all()
        assert len(created) == 1
        log = db.session.scalars(
            select(TransferLog).where(TransferLog.transfer_order_id == transfer.id).order_by(TransferLog.id)
        ).first()
        assert (log.from_state, log.to_state, log.command) == (None, "waiting", "TRANSFER_CREATED")
        assert log.actor == actor


def api_token_actor() -> str:
    from oms_dashboard.models import ApiToken

    token_row = db.session.scalars(select(ApiToken)).one()
    return f"token:{token_row.name} ({token_row.key_prefix})"
