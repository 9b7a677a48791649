"""Store pickup and order cancellation as store employees live them, in a real browser at desk and tablet
widths: the customer collects a pickup order at the counter; the ERP cancels an order and the store confirms."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from oms_dashboard.states import PackageStatus
from tests.helpers import API, location, order, product, status_of, stock, token, user
from tests.test_browser import shot, sign_in

pytestmark = pytest.mark.browser


@pytest.fixture
def counter(two_stores):
    """Moda Pickup Point (P1) takes pickup orders; deniz works its counter."""
    location("P1", priority=10, name="Moda Pickup Point", is_pickup_location=True)
    product("C", barcode="8690000000035", name="Teapot")
    stock("P1", "C", 3)
    user("deniz", "store_staff", "P1")


def scan(page: Page, code: str) -> None:
    page.get_by_role("link", name="Packages", exact=True).click()
    scanner = page.get_by_label("Search or scan")
    scanner.fill(code)
    scanner.press("Enter")


def select_action(page: Page, name: str) -> None:
    page.get_by_text("Select Action").click()
    page.get_by_role("button", name=name, exact=True).or_(page.get_by_role("link", name=f"{name}…")).click()


def badge(page: Page):
    return page.locator(".package-title .badge")


def test_a_store_employee_hands_a_pickup_order_to_the_customer(screen, live_server, counter, backend):
    page: Page = screen["page"]
    name = f"{backend}-{screen['width']}"
    [package_id] = order("8001", "C", delivery_type="pickup", pickup_location_code="P1", pickup_code="4711")

    sign_in(page, live_server, "deniz")
    scan(page, "8001P1")
    expect(page.get_by_role("heading", name="Package 8001P1")).to_be_visible()
    expect(page.get_by_text("Yes, at Moda Pickup Point")).to_be_visible()
    page.get_by_role("link", name="Packaging Completed…").click()
    page.get_by_role("button", name="Packaging Completed", exact=True).click()
    expect(badge(page)).to_have_text("Packaging Completed")

    select_action(page, "Ready for Pickup")
    expect(badge(page)).to_have_text("Ready for Pickup")
    expect(page.get_by_role("status")).to_contain_text("ready for pickup at Moda Pickup Point")
    shot(page, f"{name}-pickup-ready")

    select_action(page, "Handed to the Customer")
    page.get_by_label("Pickup code").fill("0000")  # the customer shows the wrong code
    page.get_by_role("button", name="Handed to the Customer").click()
    expect(page.get_by_text("That is not this order's pickup code.")).to_be_visible()
    assert status_of(package_id) is PackageStatus.READY_FOR_PICKUP
    page.get_by_label("Pickup code").fill("4711")
    page.get_by_role("button", name="Handed to the Customer").click()

    expect(badge(page)).to_have_text("Delivered")
    expect(page.get_by_role("status")).to_contain_text("handed to the customer")
    shot(page, f"{name}-pickup-handed-over")
    assert status_of(package_id) is PackageStatus.DELIVERED


def test_the_erp_cancels_an_order_and_the_store_confirms_it(screen, live_server, two_stores, backend):
    page: Page = screen["page"]
    name = f"{backend}-{screen['width']}"
    [package_id] = order("8002", "A", "B", prefer="L1")
    key = token()

    answer = page.request.post(
        f"{live_server}{API}/orders/8002/cancel/",
        headers={"Authorization": f"Token {key}"},
        data={"reason": "Customer changed mind"},
    )
    assert answer.status == 200, answer.text()

    sign_in(page, live_server, "selin")
    scan(page, "8002P1")
    expect(badge(page)).to_have_text("Pending Cancellation")
    expect(page.get_by_role("link", name="Packaging Completed…")).to_have_count(0)
    shot(page, f"{name}-cancellation-pending")
    select_action(page, "Confirm Cancellation")
    expect(page.get_by_text("Cancel package 8002P1? This cannot be undone.")).to_be_visible()
    page.get_by_role("button", name="Confirm Cancellation", exact=True).click()

    expect(badge(page)).to_have_text("Canceled")
    expect(page.get_by_role("status")).to_contain_text("Package 8002P1 cancelled.")
    shot(page, f"{name}-cancellation-confirmed")
    assert status_of(package_id) is PackageStatus.CANCELLED
