"""The shop floor's safety nets in a real browser: a confirmation before Ship, a page that keeps working after its
CSRF token expired, and the Select Action menu by keyboard (the detailed cases: test_pages_shop_floor_safety.py)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from oms_dashboard.states import PackageStatus
from tests.csrf_tokens import expired_csrf_token
from tests.helpers import order, run, status_of
from tests.test_browser import shot, sign_in

pytestmark = pytest.mark.browser

# Puts a token in the page wherever the next request takes it from, as an old page would hold it.
PUT_TOKEN = """token => {
  const headers = JSON.parse(document.body.getAttribute("hx-headers"));
  headers["X-CSRFToken"] = token;
  document.body.setAttribute("hx-headers", JSON.stringify(headers));
  document.querySelectorAll("input[name=csrf_token]").forEach(input => { input.value = token; });
}"""


@pytest.fixture
def package_at_kadikoy(two_stores):
    [package_id] = order("1001", "A", prefer="L1")
    return package_id


def badge(page: Page):
    return page.locator(".package-title .badge")


def behaved(screen) -> None:
    assert screen["watch"].refused == [] and screen["errors"] == []


def test_ship_asks_first_and_cancel_leaves_the_package_packed(screen, live_server, package_at_kadikoy, backend):
    page: Page = screen["page"]
    run(package_at_kadikoy, "COMPLETE_PACKAGING")
    sign_in(page, live_server, "selin")
    page.goto(f"{live_server}/packages/{package_at_kadikoy}")

    page.get_by_role("link", name="Ship…", exact=True).click()
    expect(page.get_by_text("Ship package 1001P1? This cannot be undone.")).to_be_visible()
    confirm = page.get_by_role("button", name="Ship", exact=True)
    expect(confirm).to_be_focused()
    expect(page.locator(".package-head details.menu")).to_have_count(0)  # no other action while it asks
    expect(page.locator(".main-buttons [aria-disabled=true]").first).to_be_visible()
    shot(page, f"{backend}-{screen['width']}-confirm-ship")

    page.get_by_role("link", name="Cancel", exact=True).click()
    expect(page.get_by_text("Ship package 1001P1?")).to_have_count(0)
    expect(page.get_by_role("heading", name="Package 1001P1", exact=True)).to_be_focused()
    expect(badge(page)).to_have_text("Packaging Completed")
    assert status_of(package_at_kadikoy) is PackageStatus.PACKED

    page.get_by_role("link", name="Ship…", exact=True).click()
    page.get_by_role("button", name="Ship", exact=True).click()
    expect(badge(page)).to_have_text("Shipped")
    expect(page.get_by_role("status")).to_be_focused()
    expect(page.get_by_role("status")).to_contain_text("Package 1001P1 shipped.")
    assert status_of(package_at_kadikoy) is PackageStatus.SHIPPED
    behaved(screen)


def test_the_page_keeps_working_after_its_csrf_token_expired(screen, live_server, app, package_at_kadikoy, backend):
    page: Page = screen["page"]
    sign_in(page, live_server, "selin")
    page.goto(f"{live_server}/packages/{package_at_kadikoy}")
    page.get_by_role("link", name="Packaging Completed…").click()
    confirm = page.get_by_role("button", name="Packaging Completed", exact=True)
    expect(confirm).to_be_focused()
    current = page.locator("#package input[name=csrf_token]").input_value()
    page.evaluate(PUT_TOKEN, expired_csrf_token(app, current))  # the page has been open for hours

    confirm.click()
    notice = page.locator("#service-notice").get_by_role("alert")
    expect(notice).to_contain_text("nothing was changed")
    expect(notice).to_be_focused()
    expect(page.get_by_role("heading", name="Package 1001P1", exact=True)).to_be_visible()  # still on screen
    expect(page.get_by_text("Mark package 1001P1 as packed?")).to_be_visible()  # and so is the question
    expect(badge(page)).to_have_text("Pending")
    assert status_of(package_at_kadikoy) is PackageStatus.WAITING
    shot(page, f"{backend}-{screen['width']}-csrf-expired")

    confirm.click()  # the page holds a fresh token now
    expect(badge(page)).to_have_text("Packaging Completed")
    expect(page.get_by_role("status")).to_contain_text("Package 1001P1 packed.")
    assert status_of(package_at_kadikoy) is PackageStatus.PACKED
    behaved(screen)


def test_select_action_opens_tabs_and_closes_by_keyboard_and_by_a_click_outside(
    screen, live_server, package_at_kadikoy
):
    page: Page = screen["page"]
    sign_in(page, live_server, "selin")
    page.goto(f"{live_server}/packages/{package_at_kadikoy}")
    menu = page.locator("details.menu")
    summary = menu.locator("summary")

    summary.focus()
    page.keyboard.press("Enter")
    expect(menu).to_have_attribute("open", "")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    assert page.evaluate("document.querySelector('details.menu ul').contains(document.activeElement)")
    page.keyboard.press("Escape")
    expect(menu).not_to_have_attribute("open", "")
    expect(summary).to_be_focused()

    page.keyboard.press("Space")
    expect(menu).to_have_attribute("open", "")
    page.locator(".breadcrumbs span").click()  # anywhere else on the page (the open menu covers what is below it)
    expect(menu).not_to_have_attribute("open", "")
    assert status_of(package_at_kadikoy) is PackageStatus.WAITING  # nothing ran
    behaved(screen)
