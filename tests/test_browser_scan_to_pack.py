"""A store employee packs a package by scanning its items, at desk and tablet widths: the scanner types each
code and Enter; a product that is not in the package is refused on the spot."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from oms_dashboard.states import PackageStatus
from tests.helpers import order, product, status_of, stock
from tests.test_browser import looks_right, sign_in

pytestmark = pytest.mark.browser


@pytest.fixture
def three_items(two_stores):
    """Order 1001 at Kadıköy: a Tea Glass (A), a Coffee Cup (B) and a Teapot (C)."""
    product("C", barcode="8690000000035", name="Teapot")
    stock("L1", "C", 5)
    [package_id] = order(
        "1001", "A", "B", "C", prefer="L1", customer={"first_name": "Ayşe", "last_name": "Yılmaz"}, channel="web"
    )
    return package_id


def test_a_store_employee_scans_every_item_and_packs(screen, live_server, three_items, backend):
    page: Page = screen["page"]
    name = f"{backend}-{screen['width']}-scan-to-pack"
    sign_in(page, live_server, "selin")
    page.goto(f"{live_server}/packages/{three_items}")

    field = page.get_by_label("Scan a product")
    expect(field).to_be_focused()  # ready for the scanner as the page opens
    panel = page.locator("#scan-panel")
    expect(panel.get_by_role("status")).to_contain_text("0 of 3 scanned")

    page.keyboard.type("8690000000011")  # what the scanner types, then Enter
    page.keyboard.press("Enter")
    expect(panel.get_by_role("status")).to_contain_text("1 of 3 scanned")
    expect(panel.locator("li.scanned")).to_have_count(1)
    expect(field).to_be_focused()
    expect(field).to_have_value("")

    page.keyboard.type("8690000009999")  # a product from another shelf
    page.keyboard.press("Enter")
    expect(panel.get_by_role("alert")).to_contain_text("8690000009999 is not in this package")
    expect(panel.get_by_role("status")).to_contain_text("1 of 3 scanned")
    expect(field).to_be_focused()
    looks_right(page, f"{name}-refused")

    # A SKU typed by hand in lower case, and at once the next barcode, before the first answer is back.
    page.keyboard.type("b")
    page.keyboard.press("Enter")
    page.keyboard.type("8690000000035")
    page.keyboard.press("Enter")
    expect(panel.get_by_role("status")).to_contain_text("3 of 3 scanned")
    expect(panel.locator("li.scanned")).to_have_count(3)
    looks_right(page, f"{name}-complete")

    panel.get_by_role("button", name="Packaging Completed").click()

    expect(page.get_by_role("status").first).to_contain_text("Package 1001P1 packed")
    expect(page.locator(".package-title .badge")).to_have_text("Packaging Completed")
    expect(page.locator("#scan-panel")).to_have_count(0)
    assert status_of(three_items) is PackageStatus.PACKED

    page.get_by_role("link", name="1001", exact=True).click()
    expect(page.get_by_role("heading", name="Order 1001")).to_be_visible()
    packages = page.locator("section[aria-labelledby=order-packages]")
    expect(packages.get_by_role("link", name="1001P1")).to_be_visible()
    looks_right(page, f"{backend}-{screen['width']}-order-page")

    assert screen["watch"].refused == [], "\n".join(screen["watch"].refused)
    assert screen["errors"] == []
