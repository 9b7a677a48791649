"""A scanner at the package list and in the top bar: two packages in a row, and the list's filters and ages."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import update

from oms_dashboard.extensions import db
from oms_dashboard.models import Package
from oms_dashboard.states import PackageStatus
from tests.helpers import order

pytestmark = pytest.mark.browser
SHOTS = Path("screenshots")


@pytest.fixture
def shop(two_stores):
    first = order("1001", "A", "B", prefer="L1", customer={"first_name": "Ayşe", "last_name": "Yılmaz"})[0]
    second = order("1002", "B", prefer="L1", customer={"first_name": "Mehmet", "last_name": "Öz"})[0]
    order("2001", "A", prefer="L2")
    # 1001P1 has waited 30 hours in Pending: overdue (24 h by default)
    moment = datetime.now(timezone.utc) - timedelta(hours=30)
    db.session.execute(update(Package).where(Package.id == first).values(status_changed_date=moment))
    db.session.commit()
    return {"first": first, "second": second}


def _sign_in(page: Page, username: str) -> None:
    page.goto("/login")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill("pass1234")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Package Location Movements")).to_be_visible()


def _scan(page: Page, code: str) -> None:
    """What a USB scanner does: types the code into whatever has the focus, then Enter."""
    page.keyboard.type(code)
    page.keyboard.press("Enter")


def _shot(page: Page, name: str) -> None:
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=SHOTS / f"{name}.png", full_page=True)


def test_a_store_employee_scans_two_packages_in_a_row(screen, shop, backend):
    page: Page = screen["page"]
    name = f"{backend}-{screen['width']}"
    _sign_in(page, "selin")
    page.get_by_role("link", name="Packages", exact=True).click()
    box = page.get_by_label("Search or scan")
    expect(box).to_be_focused()

    _scan(page, "1001P1")
    expect(page.get_by_role("heading", name="Package 1001P1")).to_be_visible()
    _shot(page, f"{name}-scan-topbar")

    page.get_by_label("Scan or search packages").click()  # the top bar's box, on the package page
    _scan(page, "1002p1")  # any case
    expect(page.get_by_role("heading", name="Package 1002P1")).to_be_visible()

    page.get_by_label("Scan or search packages").click()
    _scan(page, "8690000000099")  # nothing has it: the list opens with the code, selected
    expect(page.get_by_text("No packages match “8690000000099”")).to_be_visible()
    expect(box).to_be_focused()
    assert box.evaluate("input => [input.selectionStart, input.selectionEnd]") == [0, 13]

    _scan(page, "ZZ-404")  # replaces it; on the list the answer is swapped in (htmx), the text selected again
    expect(page.get_by_text("No packages match “ZZ-404”")).to_be_visible()
    expect(box).to_be_focused()
    assert box.evaluate("input => [input.value, input.selectionStart, input.selectionEnd]") == ["ZZ-404", 0, 6]
    _scan(page, "1002P1")  # replaces the unmatched code, not appended to it
    expect(page.get_by_role("heading", name="Package 1002P1")).to_be_visible()

    assert screen["watch"].refused == []
    assert screen["errors"] == []


def test_a_manager_filters_overdue_packages_oldest_first(screen, shop, backend):
    page: Page = screen["page"]
    name = f"{backend}-{screen['width']}"
    _sign_in(page, "murat")
    page.get_by_role("link", name="Packages", exact=True).click()
    table = page.locator("table.package-table")
    first_row = table.locator("tbody tr", has=page.get_by_role("link", name="1001P1"))
    expect(first_row.locator("td.age")).to_contain_text("1 d")
    expect(first_row.locator("td.age")).to_contain_text("Overdue")
    for header in ("Package", "Location", "Status", "In status"):
        expect(table.get_by_role("columnheader", name=header, exact=True)).to_be_visible()
    order_header = table.get_by_role("columnheader", name="Order", exact=True)
    expect(order_header).to_be_visible() if screen["width"] > 1000 else expect(order_header).to_be_hidden()
    _shot(page, f"{name}-package-list")

    page.get_by_label("Sort", exact=True).select_option("age")
    page.get_by_label("Overdue only").check()
    page.get_by_role("button", name="Apply").click()
    expect(table.locator("tbody tr")).to_have_count(1)
    expect(table).to_contain_text("1001P1")
    assert "sort=age" in page.url and "overdue=1" in page.url

    page.locator(".slider a.status-waiting").click()
    expect(page).to_have_url(re.compile(f"status={PackageStatus.WAITING.value}"))
    assert "sort=age" in page.url and "overdue=1" in page.url
    expect(table.locator("tbody tr")).to_have_count(1)
    _shot(page, f"{name}-package-list-filtered")

    assert screen["watch"].refused == []
    assert screen["errors"] == []
