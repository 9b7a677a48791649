"""An admin keeps the master data in a real browser (system Chromium), at desktop and tablet widths."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from oms_dashboard.services.masterdata.reference import upsert_sales_channels
from oms_dashboard.services.masterdata.rows import SalesChannelRow
from tests.helpers import location, order, user
from tests.test_browser import NO_SIDEWAYS_SCROLL, UNLABELLED_CONTROLS, shot, sign_in

pytestmark = pytest.mark.browser


@pytest.fixture
def admin_world(two_stores):
    user("ada", "admin")
    for number in ("1001", "1002", "1003"):
        order(number, "A", prefer="L1")  # Kadıköy holds 3 of quota
    # A long name and code, so the tablet layout is measured with realistic rows.
    location(
        "WH-GEBZE-01", kind="warehouse", name="Gebze Logistics Centre", city="Kocaeli", max_quota=500, cargo="aras"
    )
    upsert_sales_channels(rows=[SalesChannelRow(code="web", name="Web shop")])


def looks_right(screen) -> None:
    """Every control labelled, nothing wider than the window, nothing refused by the CSP, no script error."""
    page: Page = screen["page"]
    assert page.evaluate(UNLABELLED_CONTROLS) == []
    assert page.evaluate(NO_SIDEWAYS_SCROLL), page.evaluate("document.documentElement.scrollWidth")
    assert screen["watch"].refused == []
    assert screen["errors"] == []


def test_an_admin_lowers_a_locations_max_quota_and_deactivates_it(screen, live_server, admin_world, backend):
    page: Page = screen["page"]
    name = f"{backend}-{screen['width']}"
    sign_in(page, live_server, "ada")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Admin").click()
    page.get_by_role("navigation", name="Administration").get_by_role("link", name="Stock locations").click()

    expect(page.get_by_role("heading", name="Stock locations")).to_be_visible()
    row = page.locator('tr[data-erp-code="L1"]')
    expect(row).to_contain_text("Kadıköy")
    looks_right(screen)
    shot(page, f"{name}-admin-locations")

    row.get_by_role("link", name="Edit L1").click()
    expect(page.get_by_role("heading", name="Edit stock location L1")).to_be_visible()
    expect(page.locator(".derived dd").first).to_have_text("3")  # quota in use: shown, not a field
    page.get_by_label("Max quota").fill("-2")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("alert")).to_contain_text("Nothing was saved")
    expect(page.locator("#max_quota-error")).to_have_text("Input should be greater than or equal to 0")
    expect(page.get_by_label("Max quota")).to_be_focused()
    looks_right(screen)
    shot(page, f"{name}-admin-location-error")

    page.get_by_label("Max quota").fill("2")
    page.get_by_label("Active", exact=True).uncheck()
    shot(page, f"{name}-admin-location-form")
    page.get_by_role("button", name="Save").click()

    expect(page.get_by_role("heading", name="Stock locations")).to_be_visible()
    expect(page.get_by_role("status").first).to_have_text("Stock location L1 saved.")
    expect(page.get_by_role("status").nth(1)).to_have_text(
        "L1 is inactive: planning no longer chooses it; 3 packages still open there."
    )
    expect(row.locator("td.max-quota")).to_have_text("2")
    expect(row.locator("td.quota-in-use")).to_have_text("3")  # untouched: it follows the packages
    expect(row.locator("td.available")).to_have_text("0")  # never below 0
    expect(row.locator("td.active")).to_have_text("Inactive")
    looks_right(screen)
    shot(page, f"{name}-admin-locations-after")


def test_an_admin_adds_a_carrier_and_makes_it_a_locations_default(screen, live_server, admin_world, backend):
    page: Page = screen["page"]
    name = f"{backend}-{screen['width']}"
    sign_in(page, live_server, "ada")
    page.goto(live_server + "/admin/carriers")
    page.get_by_role("link", name="New carrier").click()

    page.get_by_label("ERP code").fill("HEPSIJET")
    page.get_by_label("Name").fill("HepsiJet")
    page.get_by_label("Label mode").select_option("async")
    page.get_by_label("Tracking URL template").fill("https://hepsijet.example/track/{tracking_number}")
    looks_right(screen)
    shot(page, f"{name}-admin-carrier-form")
    page.get_by_role("button", name="Create carrier").click()

    expect(page.get_by_role("status")).to_have_text("Carrier HepsiJet created.")
    expect(page.locator('tr[data-erp-code="HEPSIJET"]')).to_contain_text("Asynchronous")
    looks_right(screen)
    shot(page, f"{name}-admin-carriers")

    page.get_by_role("navigation", name="Administration").get_by_role("link", name="Stock locations").click()
    page.locator('tr[data-erp-code="L2"]').get_by_role("link", name="Edit L2").click()
    page.get_by_label("Default carrier").select_option(label="HepsiJet")
    page.get_by_role("button", name="Save").click()

    expect(page.get_by_role("status")).to_have_text("Stock location L2 saved.")
    expect(page.locator('tr[data-erp-code="L2"] td.carrier')).to_have_text("HepsiJet")
    expect(page.locator('tr[data-erp-code="L1"] td.carrier')).to_have_text("Yurtiçi Kargo")


def test_an_admin_requires_invoices_for_a_sales_channel(screen, live_server, admin_world, backend):
    page: Page = screen["page"]
    name = f"{backend}-{screen['width']}"
    sign_in(page, live_server, "ada")
    page.goto(live_server + "/admin/channels")
    row = page.locator('tr[data-code="web"]')
    expect(row.locator("td").nth(2)).to_have_text("No")

    row.get_by_role("link", name="Edit web").click()
    expect(page.get_by_role("heading", name="Edit sales channel web")).to_be_visible()
    expect(page.get_by_label("Code")).to_have_count(0)  # fixed once created: shown, not editable
    page.get_by_label("Invoice required before shipping").check()
    looks_right(screen)
    shot(page, f"{name}-admin-channel-form")
    page.get_by_role("button", name="Save").click()

    expect(page.get_by_role("status")).to_have_text("Sales channel web saved.")
    expect(row.locator("td").nth(2)).to_have_text("Yes")
    looks_right(screen)
    shot(page, f"{name}-admin-channels")

    page.get_by_role("navigation", name="Administration").get_by_role("link", name="Denial reasons").click()
    expect(page.get_by_role("heading", name="Denial reasons")).to_be_visible()
    looks_right(screen)
    shot(page, f"{name}-admin-denial-reasons")
    page.get_by_role("link", name="New denial reason").click()
    expect(page.get_by_role("heading", name="New denial reason")).to_be_visible()
    looks_right(screen)
    shot(page, f"{name}-admin-denial-reason-form")


def test_the_forms_work_without_javascript(browser, live_server, admin_world):
    context = browser.new_context(java_script_enabled=False, base_url=live_server)
    page = context.new_page()
    sign_in(page, live_server, "ada")
    page.goto(live_server + "/admin/denial-reasons/new")
    page.get_by_label("Title").fill("Customer called")
    page.get_by_label("Priority").fill("5")
    page.get_by_role("button", name="Create denial reason").click()
    expect(page.get_by_role("status")).to_have_text("Denial reason “Customer called” created.")
    expect(page.get_by_role("cell", name="Customer called", exact=True)).to_be_visible()
    context.close()


def test_an_admin_sets_a_stores_time_zone_and_its_packages_show_that_time(screen, live_server, admin_world, backend):
    """A store abroad: its pages show its own clock, named, instead of Istanbul's."""
    page: Page = screen["page"]
    sign_in(page, live_server, "ada")
    page.goto(f"{live_server}/admin/")
    page.get_by_role("navigation", name="Administration").get_by_role("link", name="Stock locations").click()
    page.locator('tr[data-erp-code="L1"]').get_by_role("link", name="Edit L1").click()
    zone = page.get_by_label("Time zone")
    expect(zone).to_have_value("")  # the default, named in the hint
    expect(page.get_by_text("empty uses the default (Europe/Istanbul)")).to_be_visible()

    zone.fill("Europe/Londn")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#timezone-error")).to_contain_text("IANA time zone")
    expect(zone).to_be_focused()
    looks_right(screen)
    zone.fill("Europe/London")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status").first).to_be_visible()

    page.goto(f"{live_server}/packages/?q=1001P1")
    history = page.locator("section", has=page.get_by_role("heading", name="Transition History"))
    expect(history).to_contain_text(re.compile(r"\d\d:\d\d London"))
    expect(history).not_to_contain_text("Istanbul")
    looks_right(screen)
    shot(page, f"{backend}-{screen['width']}-london-time")
