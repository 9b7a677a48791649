"""A manager sees the packages a stock push put at risk, filters them, opens one, and sees the flag go when stock returns."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.helpers import API, location_id, order, token
from tests.test_browser import sign_in

pytestmark = pytest.mark.browser
SHOTS = Path("/tmp/shots")


@pytest.fixture
def shop(two_stores):
    """At Kadıköy: 1001 holds a Tea Glass (A), 1002 a Coffee Cup (B); the ERP has a token."""
    at_risk = order("1001", "A", prefer="L1", customer={"first_name": "Ayşe", "last_name": "Yılmaz"})[0]
    order("1002", "B", prefer="L1", customer={"first_name": "Mehmet", "last_name": "Öz"})
    return {"package": at_risk, "location": location_id("L1"), "token": token()}


def _push(page: Page, shop: dict, quantity: int) -> None:
    """The ERP's stock push for Tea Glass at Kadıköy, through the API with its token."""
    response = page.request.put(
        f"{API}/stocks/",
        headers={"Authorization": f"Token {shop['token']}", "Content-Type": "application/json"},
        data=[{"stock_location": "L1", "sku": "A", "quantity": quantity}],
    )
    assert response.status == 200, response.text()


def _shot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SHOTS / f"{name}.png", full_page=True)


def test_a_manager_sees_stock_at_risk_after_a_push_and_the_flag_clears_when_stock_returns(screen, shop, backend):
    page: Page = screen["page"]
    name = f"{backend}-{screen['width']}"
    sign_in(page, "", "murat")
    page.goto(f"/locations/{shop['location']}")
    expect(page.get_by_text("No packages with stock at risk.")).to_be_visible()
    page.get_by_role("link", name="All packages here").click()
    table = page.locator("table.package-table")
    flags = table.locator(".at-risk-flag")
    expect(table.locator("tbody tr")).to_have_count(2)
    expect(flags).to_have_count(0)

    page.go_back()
    _push(page, shop, 0)  # the shelf is empty; one Tea Glass is still reserved for 1001
    # The location page's counts refresh on their own (every second in the tests), the stock-at-risk line with them.
    expect(page.get_by_role("link", name="1 package with stock at risk")).to_be_visible()
    expect(page.locator("#stock-at-risk")).to_have_count(1)

    page.go_forward()
    page.reload()
    row = table.locator("tbody tr", has=page.get_by_role("link", name="1001P1"))
    expect(row.get_by_text("Stock at risk", exact=True)).to_be_visible()
    expect(row.locator(".at-risk-flag")).to_have_attribute(
        "title", "The shelf holds fewer units than open packages reserved."
    )
    expect(flags).to_have_count(1)

    page.get_by_label("Only stock at risk").check()
    page.get_by_role("button", name="Apply").click()
    expect(table.locator("tbody tr")).to_have_count(1)
    expect(table).to_contain_text("1001P1")
    expect(page).to_have_url(re.compile(r"at_risk=1"))
    expect(page.get_by_text("Only packages with stock at risk")).to_be_visible()
    page.evaluate("window.scrollTo(0, 0)")
    _shot(page, f"{name}-stock-at-risk-list")

    # The address keeps the filter: opened again (a bookmark), the checkbox is ticked and the list the same.
    page.goto(page.url)
    expect(page.get_by_label("Only stock at risk")).to_be_checked()
    expect(table.locator("tbody tr")).to_have_count(1)

    page.get_by_role("link", name="1001P1").click()
    warning = page.locator(".stock-at-risk")
    expect(warning).to_be_visible()
    expect(warning).to_contain_text("Stock at risk")
    expect(warning).to_contain_text("Tea Glass")
    expect(warning).to_contain_text("1 reserved, 0 on the shelf")
    _shot(page, f"{name}-stock-at-risk-package")

    page.goto(f"/locations/{shop['location']}")
    _shot(page, f"{name}-stock-at-risk-location")
    page.get_by_role("link", name="1 package with stock at risk").click()
    expect(page).to_have_url(re.compile(rf"/packages/\?location={shop['location']}&at_risk=1$"))
    expect(table.locator("tbody tr")).to_have_count(1)

    _push(page, shop, 3)  # stock returns

    page.reload()
    expect(page.get_by_text("No packages")).to_be_visible()  # the filtered list is empty now
    page.goto(f"/packages/{shop['package']}")
    expect(page.get_by_role("heading", name="Package 1001P1")).to_be_visible()
    expect(page.locator(".stock-at-risk")).to_have_count(0)
    page.goto(f"/locations/{shop['location']}")
    expect(page.get_by_text("No packages with stock at risk.")).to_be_visible()
    page.goto("/packages/")
    expect(table.locator("tbody tr")).to_have_count(2)
    expect(flags).to_have_count(0)

    assert screen["watch"].refused == []
    assert screen["errors"] == []
