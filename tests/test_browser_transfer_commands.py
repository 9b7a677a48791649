"""A store employee at a transfer's source records its carrier, and reports one of its items not found,
in a real browser (system Chromium) at desktop and tablet widths; and the same forms without JavaScript."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from oms_dashboard.extensions import db
from oms_dashboard.models import TransferOrder, TransferTransition
from tests.helpers import csrf_token, fresh, location, order, product, scenario, sign_in, snapshot, stock, user
from tests.test_browser import NO_SIDEWAYS_SCROLL, UNLABELLED_CONTROLS, shot
from tests.test_browser import sign_in as browser_sign_in

pytestmark = pytest.mark.browser


@pytest.fixture
def warehouse(two_stores):
    """Kadıköy packs order 5001 (Tea Glass, Coffee Cup, Teapot); the Warehouse sends Coffee Cup and Teapot.
    wendy works at the Warehouse; Beşiktaş has a Teapot too, once the order is planned."""
    location("WH", priority=40, kind="warehouse", name="Warehouse", cargo="aras")
    product("C", barcode="8690000000035", name="Teapot")
    stock("L1", "B", 0)
    stock("L2", "B", 0)
    stock("WH", "B", 5)
    stock("WH", "C", 5)
    scenario({"name": "Pack at the best store", "transferable": True, "locations": {"types": ["store"]}})
    [package_id] = order("5001", "A", "B", "C")
    stock("L2", "C", 3)
    user("wendy", "store_staff", "WH")
    fresh()
    transfer_id = db.session.scalars(select(TransferOrder.id).where(TransferOrder.package_id == package_id)).one()
    return transfer_id


def looks_right(screen) -> None:
    page: Page = screen["page"]
    assert page.evaluate(UNLABELLED_CONTROLS) == []
    assert page.evaluate(NO_SIDEWAYS_SCROLL), page.evaluate("document.documentElement.scrollWidth")
    assert screen["watch"].refused == []
    assert screen["errors"] == []


def open_action(page: Page, name: str) -> None:
    page.get_by_text("Select Action").click()
    page.get_by_role("link", name=f"{name}…", exact=True).click()
    expect(page.get_by_role("heading", name=name, exact=True)).to_be_visible()


def test_the_source_records_the_carrier_and_tracking_number(screen, live_server, warehouse, backend):
    page: Page = screen["page"]
    name = f"{backend}-{screen['width']}"
    browser_sign_in(page, live_server, "wendy")
    page.goto(f"{live_server}/transfers/{warehouse}")
    expect(page.get_by_role("heading", name="Transfer 5001P1T1")).to_be_visible()

    open_action(page, "Transfer Order Advanced")
    page.get_by_label("Cargo company").select_option(label="Aras Kargo")
    page.get_by_role("button", name="Transfer Order Advanced").click()  # no tracking number yet
    expect(page.get_by_role("alert")).to_have_text("Check the form below.")
    expect(page.locator("#tracking_number-error")).to_have_text("Type the tracking number.")
    expect(page.locator(".package-title .badge")).to_have_text("Waiting")
    looks_right(screen)
    shot(page, f"{name}-transfer-advanced-error")

    page.get_by_label("Tracking number").fill("AR-5001-77")
    page.get_by_role("button", name="Transfer Order Advanced").click()

    expect(page.get_by_role("status")).to_have_text(
        "Transfer 5001P1T1 is ready for dispatch with Aras Kargo, tracking number AR-5001-77."
    )
    expect(page.locator(".package-title .badge")).to_have_text("Ready To Shipment")
    info = page.locator("section", has=page.get_by_role("heading", name="Transfer Information"))
    expect(info).to_contain_text("Aras Kargo")
    expect(info).to_contain_text("AR-5001-77")
    expect(page.get_by_role("button", name="Dispatch", exact=True)).to_be_visible()
    looks_right(screen)
    shot(page, f"{name}-transfer-advanced-done")
    page.reload()  # stored, not only shown
    expect(info).to_contain_text("AR-5001-77")


def test_the_source_reports_one_of_two_items_not_found_and_it_comes_from_elsewhere(
    screen, live_server, warehouse, backend
):
    page: Page = screen["page"]
    name = f"{backend}-{screen['width']}"
    browser_sign_in(page, live_server, "wendy")
    page.goto(f"{live_server}/transfers/{warehouse}")
    items = page.locator("section", has=page.get_by_role("heading", name="Items"))
    expect(items.get_by_role("row")).to_have_count(3)  # header + Coffee Cup + Teapot

    open_action(page, "Product for Transfer Not Found & Wrong Product")
    page.get_by_label("C · Teapot").check()
    page.get_by_label("Reason").select_option(label="Product not found on the shelf")
    looks_right(screen)
    shot(page, f"{name}-transfer-not-found-form")
    page.get_by_role("button", name="Product for Transfer Not Found & Wrong Product").click()

    expect(page.get_by_role("status")).to_have_text(
        "Transfer 5001P1T1: 1 item not found at Warehouse; the rest still come. Now coming from Beşiktaş."
    )
    expect(page.locator(".package-title .badge")).to_have_text("Waiting")
    expect(items.get_by_role("row")).to_have_count(2)
    expect(items).to_contain_text("Coffee Cup")
    expect(items).not_to_contain_text("Teapot")
    looks_right(screen)
    shot(page, f"{name}-transfer-not-found-done")

    fresh()
    sources = db.session.execute(select(TransferOrder.number, TransferOrder.status).order_by(TransferOrder.id)).all()
    assert [tuple(row) for row in sources] == [("5001P1T1", "waiting"), ("5001P1T2", "waiting")]
    page.goto(f"{live_server}/transfers/list")
    expect(page.get_by_role("link", name="5001P1T2")).to_have_count(0)  # from Beşiktaş: not wendy's end


def test_the_forms_work_without_javascript_and_refuse_bad_input_changing_nothing(client, warehouse):
    sign_in(client, "wendy")
    fresh()
    advanced = db.session.scalars(
        select(TransferTransition.id).where(TransferTransition.command == "TRANSFER_ORDER_ADVANCED")
    ).one()
    page = client.get(f"/transfers/{warehouse}?action={advanced}").get_data(as_text=True)
    assert 'for="tracking_number"' in page and 'for="cargo_company"' in page
    token = csrf_token(page)
    before = snapshot()

    refused = client.post(
        f"/transfers/{warehouse}/actions/{advanced}", data={"csrf_token": token, "cargo_company": "0"}
    )

    assert refused.status_code == 422 and "Pick a cargo company." in refused.get_data(as_text=True)
    assert snapshot() == before
    done = client.post(
        f"/transfers/{warehouse}/actions/{advanced}",
        data={"csrf_token": token, "cargo_company": _company_choice(page, "Aras Kargo"), "tracking_number": "X9"},
    )
    assert done.status_code == 302
    fresh()
    assert db.session.get(TransferOrder, warehouse).tracking_number == "X9"


def _company_choice(page: str, name: str) -> str:
    match = re.search(rf'<option value="(\d+)">{re.escape(name)}</option>', page)
    assert match, f"no {name} in the cargo company select"
    return match.group(1)
