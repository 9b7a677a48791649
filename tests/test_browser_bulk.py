"""A store employee ticks three packages on the list, packs them in one action after confirming, reads what
happened to each, and opens a pick list for them; in a real browser at desk and tablet widths."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from oms_dashboard.states import PackageStatus
from tests.helpers import order, product, run, status_of, stock
from tests.test_browser import NO_SIDEWAYS_SCROLL, UNLABELLED_CONTROLS, shot
from tests.test_browser import sign_in as browser_sign_in

pytestmark = pytest.mark.browser


@pytest.fixture
def shop(two_stores):
    """Kadıköy: 1001 (Tea Glass ×2, Coffee Cup), 1002 (Tea Glass, Teapot), 1003 (Coffee Cup), and 1004 already
    packed; Beşiktaş: 2001."""
    product("C", barcode="8690000000035", name="Teapot")
    stock("L1", "C", 5)
    packages = [
        order("1001", "A", "A", "B", prefer="L1")[0],
        order("1002", "A", "C", prefer="L1")[0],
        order("1003", "B", prefer="L1")[0],
        order("1004", "B", prefer="L1")[0],
    ]
    run(packages[3], "COMPLETE_PACKAGING")
    order("2001", "A", prefer="L2")
    return packages


def looks_right(screen) -> None:
    page: Page = screen["page"]
    assert page.evaluate(UNLABELLED_CONTROLS) == []
    assert page.evaluate(NO_SIDEWAYS_SCROLL), page.evaluate("document.documentElement.scrollWidth")
    assert screen["watch"].refused == [], "\n".join(screen["watch"].refused)
    assert screen["errors"] == []


def tick(page: Page, *numbers: str) -> None:
    for number in numbers:
        page.get_by_label(f"Select package {number}").check()


def test_a_store_employee_packs_three_packages_at_once_and_picks_them(screen, live_server, shop, backend):
    page: Page = screen["page"]
    name = f"{backend}-{screen['width']}"
    browser_sign_in(page, live_server, "selin")
    page.get_by_role("link", name="Packages").click()

    # The slider: the busy statuses in one visible row, the selected one marked, the empty ones folded away.
    slider = page.get_by_role("navigation", name="Package status")
    expect(slider.get_by_role("link", name="Pending 3")).to_be_in_viewport()
    expect(slider.get_by_role("link", name="Packaging Completed 1")).to_be_in_viewport()
    expect(slider.get_by_role("link", name="Delivered 0")).to_be_hidden()
    looks_right(screen)
    every_row = page.get_by_label("Select all on this page")
    every_row.check()
    expect(page.locator('input[name="ids"]:checked')).to_have_count(4)
    every_row.uncheck()
    expect(page.locator('input[name="ids"]:checked')).to_have_count(0)
    tick(page, "1001P1", "1002P1", "1003P1")
    page.get_by_label("Action for the ticked packages").select_option(label="Packaging Completed")
    shot(page, f"{name}-bulk-ticked")

    page.get_by_role("button", name="Run", exact=True).click()
    confirmation = page.locator(".bulk-confirm")
    expect(confirmation.get_by_role("heading")).to_have_text("Packaging Completed: 3 packages?")
    expect(confirmation.get_by_role("listitem")).to_have_count(3)
    assert status_of(shop[0]) is PackageStatus.WAITING  # nothing done before the confirmation
    looks_right(screen)
    shot(page, f"{name}-bulk-confirm")
    confirmation.get_by_role("button", name="Confirm: Packaging Completed").click()

    result = page.get_by_role("status").filter(has_text="packed")
    expect(result.get_by_role("heading")).to_have_text("Packaging Completed: 3 packed")
    for number in ("1001P1", "1002P1", "1003P1"):
        expect(result.get_by_role("listitem").filter(has=page.get_by_role("link", name=number))).to_contain_text(
            f"Done Package {number} packed"
        )
    expect(slider.get_by_role("link", name="Packaging Completed 4")).to_be_visible()  # the list refreshed
    assert [status_of(package_id) for package_id in shop[:3]] == [PackageStatus.PACKED] * 3
    looks_right(screen)
    shot(page, f"{name}-bulk-result")

    tick(page, "1001P1", "1002P1", "1003P1")
    page.get_by_role("button", name="Pick list").click()

    expect(page.get_by_role("heading", name="Pick list", exact=True)).to_be_visible()
    expect(page).to_have_url(re.compile(r"/packages/picklist\?ids=\d+&ids=\d+&ids=\d+$"))
    lines = page.locator(".picklist-table tbody tr")
    expect(lines).to_have_count(3)
    expect(lines.nth(0)).to_contain_text("Tea Glass")
    expect(lines.nth(0).locator(".quantity")).to_have_text("3")
    expect(lines.nth(1).locator(".quantity")).to_have_text("2")  # Coffee Cup: 1001 and 1003
    expect(lines.nth(2)).to_contain_text("Teapot")
    expect(page.get_by_text("6 units of 3 products for 3 packages")).to_be_visible()
    expect(page.locator(".picklist-table svg")).to_have_count(3)
    looks_right(screen)
    shot(page, f"{name}-picklist")
    page.emulate_media(media="print")
    expect(page.locator(".topbar")).to_be_hidden()
    expect(page.get_by_role("button", name="Print")).to_be_hidden()
    shot(page, f"{name}-picklist-print")
