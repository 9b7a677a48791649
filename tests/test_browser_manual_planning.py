"""A manager plans a stuck package by hand in a real browser, at desk and tablet widths (Select Action → Manual Planning)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from oms_dashboard.states import PackageStatus
from tests.helpers import order, status_of, stock
from tests.test_browser import looks_right, sign_in

pytestmark = pytest.mark.browser


@pytest.fixture
def stuck(two_stores):
    """Order 1001 came in when no store had a Tea Glass (A) or a Coffee Cup (B): its package is out of stock.
    Since then Kadıköy (L1) got Tea Glasses and Beşiktaş (L2) Coffee Cups, but neither has both."""
    for code in ("L1", "L2"):
        stock(code, "A", 0)
        stock(code, "B", 0)
    [package_id] = order("1001", "A", "B", prefer="L1")
    assert status_of(package_id) is PackageStatus.OUT_OF_STOCK
    stock("L1", "A", 3)
    stock("L2", "B", 2)
    return package_id


def test_a_manager_sends_each_item_of_a_stuck_package_to_the_store_that_has_it(screen, live_server, stuck, backend):
    page: Page = screen["page"]
    name = f"{backend}-{screen['width']}-manual-planning"
    sign_in(page, live_server, "murat")
    page.goto(f"{live_server}/packages/{stuck}")
    expect(page.locator(".package-title .badge")).to_have_text("Product Out of Stock")

    page.get_by_text("Select Action").click()
    page.get_by_role("link", name="Manual Planning…").click()
    form = page.locator(".panel")
    expect(form.get_by_role("heading", name="Manual Planning")).to_be_visible()
    tea, coffee = page.get_by_label("A · Tea Glass"), page.get_by_label("B · Coffee Cup")
    expect(tea.locator("option")).to_have_text(
        ["Pick a location…", "Kadıköy (L1) · 3 available", "Beşiktaş (L2) · 0 available"]
    )
    expect(coffee.locator("option")).to_have_text(
        ["Pick a location…", "Kadıköy (L1) · 0 available", "Beşiktaş (L2) · 2 available"]
    )
    looks_right(page, f"{name}-form")

    # Everything to Kadıköy first: it has no Coffee Cup, the form says so and keeps the choices.
    tea.select_option(label="Kadıköy (L1) · 3 available")
    coffee.select_option(label="Kadıköy (L1) · 0 available")
    form.get_by_role("button", name="Manual Planning").click()
    expect(form.get_by_role("alert")).to_have_text("Kadıköy has not got 1 × B available.")
    expect(page.get_by_label("A · Tea Glass")).to_have_value("L1")
    expect(page.get_by_label("B · Coffee Cup")).to_have_value("L1")
    assert status_of(stuck) is PackageStatus.OUT_OF_STOCK
    looks_right(page, f"{name}-refused")

    page.get_by_label("B · Coffee Cup").select_option(label="Beşiktaş (L2) · 2 available")
    form.get_by_role("button", name="Manual Planning").click()

    expect(page.get_by_role("status")).to_have_text(
        "Package 1001P1 cancelled; new packages: 1001P2 at Kadıköy; 1001P3 at Beşiktaş."
    )
    expect(page.locator(".package-title .badge")).to_have_text("Canceled")
    expect(page.locator(".panel")).to_have_count(0)
    others = page.locator("section", has=page.get_by_role("heading", name="Other Packages in the Order"))
    expect(others).to_contain_text("1001P2")
    expect(others).to_contain_text("1001P3")
    looks_right(page, f"{name}-done")
    assert status_of(stuck) is PackageStatus.CANCELLED

    page.get_by_role("link", name="1001P3").first.click()
    expect(page.get_by_role("heading", name="Package 1001P3")).to_be_visible()
    expect(page.locator(".package-title .badge")).to_have_text("Pending")
    info = page.locator("section", has=page.get_by_role("heading", name="Package Information"))
    expect(info).to_contain_text("Beşiktaş")
    assert screen["watch"].refused == [], "\n".join(screen["watch"].refused)
    assert screen["errors"] == []
