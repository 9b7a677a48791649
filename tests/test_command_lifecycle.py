"""The commands of DESIGN §4.1 through the API, each allowed and refused: shipment order and carrier labels,
shipping without an integration, invoices before shipping, store pickup, remote fulfilment and the
defective-product outcome. Cancellation has its own file (test_order_cancellation.py)."""

from __future__ import annotations

import base64

import pytest
from sqlalchemy import select

from oms_dashboard.extensions import db
from oms_dashboard.models import OutboxEvent, Shipment
from oms_dashboard.services.masterdata.catalog import upsert_carriers
from oms_dashboard.services.masterdata.reference import upsert_sales_channels
from oms_dashboard.services.masterdata.rows import CarrierRow, SalesChannelRow
from oms_dashboard.states import PackageStatus as S
from oms_dashboard.validation import parse
from tests.helpers import (
    ApiClient,
    fresh,
    item_ids,
    location,
    nothing_changes,
    order,
    product,
    quota,
    slug,
    status_of,
    stock,
    token,
    user,
)
from tests.invariants import assert_invariants

PDF = base64.b64encode(b"%PDF-1.4 a carrier's label").decode()
ZPL = base64.b64encode(b"^XA^FO50,50^FDLABEL^FS^XZ").decode()


@pytest.fixture
def world(app):
    """L1 ships with Yurtiçi (labels at once); L2 with "Later Kargo", whose labels come later; L3 has no carrier.
    P1 is a pickup point, R3 a 3PL the ERP runs. The B2B channel invoices before shipping."""
    upsert_carriers(rows=[parse(CarrierRow, {"erp_code": "later", "name": "Later Kargo", "label_mode": "async"})])
    upsert_sales_channels(rows=[parse(SalesChannelRow, {"code": "b2b", "name": "B2B", "invoice_required": True})])
    location("L1", priority=80, name="Kadıköy", cargo="yurtici")
    location("L2", priority=70, name="Beşiktaş", cargo="later")
    location("L3", priority=60, name="Kızılay", cargo=None)
    location("P1", priority=10, name="Pickup Point", is_pickup_location=True)
    location("R3", priority=5, name="3PL", kind="warehouse", remote_fulfilment=True)
    product("A", barcode="8690000000011", name="Tea Glass")
    product("B", barcode="8690000000028", name="Coffee Cup")
    product("R", barcode="8690000000035", name="Oak Table")
    for code in ("L1", "L2", "L3", "P1"):
        stock(code, "A", 10)
        stock(code, "B", 10)
    stock("R3", "R", 3)
    user("selin", "store_staff", "L1")


@pytest.fixture
def api(client, world):
    return ApiClient(client, token())


def refused(response, field: str | None = None) -> None:
    """400 naming `field`, or 406 commands_100_1 without a field."""
    body = response.get_json()
    if field is None:
        assert response.status_code == 406 and body["error"]["error_code"] == "commands_100_1", body
    else:
        assert response.status_code == 400 and field in body["error"], body


def shipment(package_id: int) -> Shipment | None:
    fresh()
    return db.session.scalars(select(Shipment).where(Shipment.package_id == package_id)).first()


def events(package_id: int) -> list[str]:
    fresh()
    return list(
        db.session.scalars(
            select(OutboxEvent.event_type).where(OutboxEvent.package_id == package_id).order_by(OutboxEvent.id)
        )
    )


def run_from(api: ApiClient, package_id: int, command: str, source: S, **inputs):
    """Send the command's transition from `source` (not the package's state)."""
    return api.command(package_id, {"slug": slug(command, source), "input_parameters": inputs})


def ok(response) -> None:
    assert response.status_code in (200, 204), response.get_json()
    assert_invariants()


# --- ship without a shipment integration --------------------------------------------------------------


def test_ship_without_integration_records_what_is_given_and_contacts_nobody(api):
    [pid] = order("1001", "A", prefer="L3")  # L3 has no carrier: packed without a shipment
    ok(api.run(pid, "COMPLETE_PACKAGING"))
    assert shipment(pid).cargo_company is None

    ok(api.run(pid, "SHIP_WITHOUT_SHIPMENT_INTEGRATION", cargo_company="aras", tracking_number="HAND-1"))

    assert status_of(pid) is S.SHIPPED
    sent = shipment(pid)
    assert (sent.cargo_company.erp_code, sent.tracking_number, sent.status) == ("aras", "HAND-1", "shipped")
    assert "package.shipment.awb_number" in events(pid)


def test_ship_without_integration_needs_no_input(api):
    [pid] = order("1002", "A", prefer="L1")
    ok(api.run(pid, "COMPLETE_PACKAGING_WITHOUT_SHIPMENT"))
    ok(api.run(pid, "SHIP_WITHOUT_SHIPMENT_INTEGRATION"))
    assert status_of(pid) is S.SHIPPED and shipment(pid) is None


@pytest.mark.parametrize(
    "inputs, field",
    [({"cargo_company": "nobody"}, "cargo_company"), ({"tracking_number": ""}, "tracking_number")],
    ids=["unknown_carrier", "blank_tracking"],
)
def test_ship_without_integration_refuses_bad_input(api, inputs, field):
    [pid] = order("1003", "A", prefer="L1")
    ok(api.run(pid, "COMPLETE_PACKAGING"))
    with nothing_changes():
        refused(api.run(pid, "SHIP_WITHOUT_SHIPMENT_INTEGRATION", **inputs), field)


# --- shipment order and the carrier's label ----------------------------------------------------------


def test_an_async_carrier_leaves_the_package_waiting_for_its_label(api):
    [pid] = order("1101", "A", "B", prefer="L2")
    ok(api.run(pid, "COMPLETE_PACKAGING"))

    assert status_of(pid) is S.WAITING_CARGO_LABEL and quota("L2") == 1  # still work to do here
    booked = shipment(pid)
    assert booked.cargo_company.erp_code == "later" and booked.tracking_number is None
    with nothing_changes():
        refused(run_from(api, pid, "SHIP", S.PACKED))  # no Ship before the label

    with nothing_changes():
        refused(api.run(pid, "UPDATE_SHIPMENT_LABEL", tracking_number="LTR-1"), "label_url")
    with nothing_changes():
        refused(api.run(pid, "UPDATE_SHIPMENT_LABEL", label="not base64!"), "label")
    ok(api.run(pid, "UPDATE_SHIPMENT_LABEL", tracking_number="LTR-1", label=PDF))

    assert status_of(pid) is S.PACKED and quota("L2") == 0
    labelled = shipment(pid)
    assert (labelled.tracking_number, labelled.label_format, labelled.label_document) == ("LTR-1", "pdf", PDF)
    shown = api.get(f"packages/{pid}/").get_json()["shipment"]
    assert shown["label_format"] == "pdf" and shown["tracking_number"] == "LTR-1"
    ok(api.run(pid, "SHIP"))


def test_shipment_order_books_a_packed_package_that_has_no_carrier(api):
    [pid] = order("1102", "A", prefer="L1")
    ok(api.run(pid, "COMPLETE_PACKAGING_WITHOUT_SHIPMENT"))
    commands = {c["command"] for c in api.get(f"packages/{pid}/").get_json()["commands"]}
    assert "SHIPMENT_ORDER" in commands

    ok(api.run(pid, "SHIPMENT_ORDER"))  # the location's carrier by default

    assert status_of(pid) is S.WAITING_CARGO_LABEL and shipment(pid).cargo_company.erp_code == "yurtici"
    ok(api.run(pid, "SHIPMENT_ORDER", cargo_company="later"))  # booked again with another carrier
    assert shipment(pid).cargo_company.erp_code == "later"
    ok(api.run(pid, "UPDATE_SHIPMENT_LABEL", label_url="https://labels.example/1102.zpl", label_format="zpl"))
    assert status_of(pid) is S.PACKED and shipment(pid).label_url == "https://labels.example/1102.zpl"


def test_shipment_order_refusals(api):
    [booked] = order("1103", "A", prefer="L1")
    ok(api.run(booked, "COMPLETE_PACKAGING"))  # booked with Yurtiçi when packed
    with nothing_changes():
        refused(api.run(booked, "SHIPMENT_ORDER"))
    [no_carrier] = order("1104", "A", prefer="L3")
    ok(api.run(no_carrier, "COMPLETE_PACKAGING"))
    with nothing_changes():
        refused(api.run(no_carrier, "SHIPMENT_ORDER"), "cargo_company")
    with nothing_changes():
        refused(api.run(no_carrier, "SHIPMENT_ORDER", cargo_company=["aras"]), "cargo_company")


def test_a_label_can_replace_an_earlier_one(api):
    [pid] = order("1105", "A", prefer="L1")
    ok(api.run(pid, "COMPLETE_PACKAGING"))
    ok(api.run(pid, "UPDATE_SHIPMENT_LABEL", label=ZPL))
    assert status_of(pid) is S.PACKED and shipment(pid).label_format == "zpl"
    with nothing_changes():
        refused(api.run(pid, "UPDATE_SHIPMENT_LABEL"), "non_field_errors")


# --- invoice before shipping ------------------------------------------------------------------------------


def test_an_invoice_required_channel_holds_packed_packages_until_the_invoice(api):
    [pid] = order("1201", "A", prefer="L1", channel="b2b")
    ok(api.run(pid, "COMPLETE_PACKAGING"))
    assert status_of(pid) is S.WAITING_INVOICE and quota("L1") == 0
    with nothing_changes():
        refused(run_from(api, pid, "SHIP", S.PACKED))
    with nothing_changes():
        refused(api.run(pid, "UPDATE_INVOICE", invoice_url="https://erp.example/inv"), "invoice_number")

    ok(api.run(pid, "UPDATE_INVOICE", invoice_number="INV-1201"))

    assert status_of(pid) is S.PACKED
    ok(api.run(pid, "SHIP"))


def test_invoicing_is_asked_for_only_by_channels_that_require_it(api):
    [web] = order("1202", "A", prefer="L1", channel="web")  # no such channel row: nothing required
    [b2b] = order("1203", "A", prefer="L1", channel="b2b")
    with nothing_changes():
        refused(run_from(api, b2b, "UPDATE_INVOICE", S.PACKED, invoice_number="INV-EARLY"))  # not before packing
    ok(api.run(web, "COMPLETE_PACKAGING"))
    ok(api.run(b2b, "COMPLETE_PACKAGING"))
    assert status_of(web) is S.PACKED and status_of(b2b) is S.WAITING_INVOICE


# --- store pickup -----------------------------------------------------------------------------------------


def pickup_body(number: str, **changes) -> dict:
    body = {
        "number": number,
        "channel": "web",
        "shipping_address": {"city": "İstanbul"},
        "items": [{"sku": "A", "quantity": 1}],
        "delivery_type": "pickup",
        "pickup_location": "P1",
        "pickup_code": "4711",
    }
    body.update(changes)
    return {key: value for key, value in body.items() if value is not None}


def test_a_pickup_order_is_planned_at_its_pickup_point_and_handed_over_there(api):
    response = api.post_raw("orders/", pickup_body("2001"))
    assert response.status_code == 201, response.get_json()
    [pid] = response.get_json()["packages"]
    shown = api.get(f"packages/{pid}/").get_json()
    assert shown["stock_location"]["erp_code"] == "P1"
    assert "SHIP" not in {c["command"] for c in shown["commands"]}

    ok(api.run(pid, "COMPLETE_PACKAGING"))
    assert status_of(pid) is S.PACKED and shipment(pid) is None  # nobody ships it
    listed = {c["command"] for c in api.get(f"packages/{pid}/").get_json()["commands"]}
    assert "READY_FOR_PICKUP" in listed and not listed & {"SHIP", "SHIP_ADVANCED", "SHIPMENT_ORDER"}
    ok(api.run(pid, "READY_FOR_PICKUP"))
    assert status_of(pid) is S.READY_FOR_PICKUP and "package.status.ready_for_pickup" in events(pid)

    with nothing_changes():
        refused(api.run(pid, "SELF_SERVICE_DELIVERY", pickup_code="0000"), "pickup_code")
    ok(api.run(pid, "SELF_SERVICE_DELIVERY", pickup_code="4711"))
    assert status_of(pid) is S.DELIVERED


def test_pickup_items_missing_at_the_pickup_point_come_by_transfer(api):
    stock("P1", "B", 0)
    response = api.post_raw("orders/", pickup_body("2002", items=[{"sku": "A"}, {"sku": "B"}]))
    [pid] = response.get_json()["packages"]
    shown = api.get(f"packages/{pid}/").get_json()
    assert shown["stock_location"]["erp_code"] == "P1" and shown["state"]["enum_value"] == S.WAITING_FOR_TRANSFER
    assert_invariants()


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"pickup_location": "L1"}, "pickup_location"),  # not a pickup point
        ({"pickup_location": "NOPE"}, "pickup_location"),
        ({"pickup_location": None}, "pickup_location"),
        ({"delivery_type": "shipping"}, "pickup_location"),  # pickup fields on a shipping order
        ({"delivery_type": "drone"}, "delivery_type"),
        ({"pickup_code": "x" * 33}, "pickup_code"),
    ],
    ids=["not_a_pickup_point", "unknown", "missing", "shipping_order", "unknown_type", "long_code"],
)
def test_bad_pickup_orders_are_400_naming_the_field(api, changes, field):
    with nothing_changes():
        response = api.post_raw("orders/", pickup_body("2003", **changes))
    refused(response, field)


def test_shipping_orders_cannot_run_pickup_commands(api):
    [pid] = order("2004", "A", prefer="L1")
    ok(api.run(pid, "COMPLETE_PACKAGING"))
    with nothing_changes():
        refused(api.run(pid, "READY_FOR_PICKUP"))


# --- remote fulfilment ------------------------------------------------------------------------------------


def test_a_package_planned_at_a_remote_location_waits_for_the_erps_action(api):
    [pid] = order("3001", "R")
    assert status_of(pid) is S.WAITING_REMOTE_ACTION and quota("R3") == 1
    commands = {c["command"] for c in api.get(f"packages/{pid}/").get_json()["commands"]}
    assert {"PKG_STATE_TRANSITION", "REFUSE_WITH_DENIAL_REASON", "BLOCK", "REQUEST_CANCELLATION"} <= commands
    with nothing_changes():
        refused(run_from(api, pid, "COMPLETE_PACKAGING", S.WAITING))  # the 3PL packs only after it started

    ok(api.run(pid, "PKG_STATE_TRANSITION"))
    assert status_of(pid) is S.PREPARING


# --- defective product found -------------------------------------------------------------------------


def test_defective_product_found_leads_to_its_own_status(api):
    [pid] = order("4001", "A", "B", prefer="L1")
    a, _b = item_ids(pid)
    with nothing_changes():
        refused(
            api.run(pid, "DETECTED_OUT_OF_STOCK_ITEM", to=S.WRONG_PRODUCT, package_items=[a], reason="not_found"),
            "reason",
        )

    response = api.run(pid, "DETECTED_OUT_OF_STOCK_ITEM", to=S.WRONG_PRODUCT, package_items=[a])

    ok(response)
    assert status_of(pid) is S.WRONG_PRODUCT
    assert response.get_json()["is_same_location"] is True  # B stays at L1 in a new package
    listed = {c["command"] for c in api.get(f"packages/{pid}/").get_json()["commands"]}
    assert "REPACK" not in listed  # A was replanned elsewhere: nothing left to reschedule here


def test_reschedule_is_listed_only_with_items_left_to_plan(api):
    [pid] = order("4002", "A", prefer="L1")
    ok(api.run(pid, "DETECTED_OUT_OF_STOCK_ITEM", package_items=item_ids(pid)))  # replanned to L2 at once
    assert status_of(pid) is S.OUT_OF_STOCK
    listed = {c["command"] for c in api.get(f"packages/{pid}/").get_json()["commands"]}
    assert "REPACK" not in listed and "MANUAL_PLANNING" not in listed
    with nothing_changes():
        refused(api.run(pid, "REPACK"))


# --- store staff --------------------------------------------------------------------------------------------


def test_store_staff_may_run_packed_for_refund_and_update_shipment_status(client, world):
    from tests.helpers import sign_in

    sign_in(client, "selin")
    [pid] = order("5001", "A", prefer="L1")
    page = client.get(f"/packages/{pid}").get_data(as_text=True)
    assert "Packed for Refund" in page
    api = ApiClient(client, token())
    ok(api.run(pid, "COMPLETE_PACKAGING"))
    ok(api.run(pid, "SHIP"))
    page = client.get(f"/packages/{pid}").get_data(as_text=True)
    assert "Delivered" in page and "Delivery Failed" in page


def test_the_carriers_label_is_shown_from_the_label_page(client, world):
    from tests.helpers import sign_in, user

    user("murat", "manager")
    api = ApiClient(client, token())
    [pid] = order("1106", "A", prefer="L2")
    ok(api.run(pid, "COMPLETE_PACKAGING"))
    ok(api.run(pid, "UPDATE_SHIPMENT_LABEL", tracking_number="LTR-9", label=PDF, label_url="https://labels.example/9"))
    sign_in(client, "murat")

    page = client.get(f"/packages/{pid}/label").get_data(as_text=True)
    assert f'href="/packages/{pid}/label/carrier"' in page and 'href="https://labels.example/9"' in page
    document = client.get(f"/packages/{pid}/label/carrier")
    assert document.status_code == 200 and document.mimetype == "application/pdf"
    assert document.data == base64.b64decode(PDF)
    [other] = order("1107", "A", prefer="L1")
    assert client.get(f"/packages/{other}/label/carrier").status_code == 404  # no carrier document
