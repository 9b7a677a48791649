"""The pages under the Content-Security-Policy in a real browser, throttled sign-in, and signing out."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from oms_dashboard.extensions import db
from oms_dashboard.models import TransferOrder
from oms_dashboard.states import PackageStatus
from tests.helpers import order, run, transition, user, waiting_transfer
from tests.test_browser import shot, sign_in

pytestmark = pytest.mark.browser


@pytest.fixture
def world(two_stores):
    user("ada", "admin")
    packed = order("1001", "A", prefer="L1", customer={"first_name": "Ayşe", "last_name": "Yılmaz"})[0]
    run(packed, "COMPLETE_PACKAGING")
    waiting = order("1002", "B", prefer="L1")[0]
    transfer_package = waiting_transfer()
    transfer_id = db.session.scalars(select(TransferOrder.id).where(TransferOrder.package_id == transfer_package)).one()
    return {
        "packed": packed,
        "waiting": waiting,
        "transfer": transfer_id,
        "not_found": transition("DETECTED_OUT_OF_STOCK_ITEM", PackageStatus.WAITING).id,
    }


def test_every_staff_page_works_under_the_content_security_policy(screen, live_server, world, backend):
    page: Page = screen["page"]
    name = f"{backend}-{screen['width']}"
    page.goto(live_server + "/login")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    sign_in(page, live_server, "ada")
    assert page.evaluate("typeof window.htmx") == "object"  # the local copy loaded

    page.get_by_role("link", name="Kadıköy", exact=True).click()
    expect(page.get_by_role("heading", name="Kadıköy")).to_be_visible()
    page.get_by_role("link", name="Pending 1").click()
    expect(page.get_by_role("heading", name="Packages at Kadıköy")).to_be_visible()

    # htmx still swaps: the status slider replaces the list and the URL without a reload.
    page.evaluate("window.notReloaded = true")
    page.get_by_role("navigation", name="Package status").get_by_role("link", name="Packaging Completed 1").click()
    expect(page.locator("#package-list tbody")).to_contain_text("1001P1")
    assert page.evaluate("window.notReloaded") is True
    shot(page, f"{name}-csp-list")

    page.goto(f"{live_server}/packages/{world['waiting']}?action={world['not_found']}")
    expect(page.get_by_label("B · Coffee Cup")).to_be_visible()
    shot(page, f"{name}-csp-action-form")
    page.goto(f"{live_server}/packages/{world['packed']}/document")
    expect(page.get_by_role("heading", name="Package Document")).to_be_visible()
    expect(page.locator("svg rect[fill='black']").first).to_be_visible()  # the barcode draws under the policy
    shot(page, f"{name}-csp-document")
    page.goto(f"{live_server}/packages/{world['packed']}/label")
    expect(page.get_by_role("button", name="Print")).to_be_visible()
    shot(page, f"{name}-csp-label")
    page.goto(f"{live_server}/transfers/")
    expect(page.get_by_role("heading", name="Transfer Location Movements")).to_be_visible()
    page.goto(f"{live_server}/transfers/{world['transfer']}")
    expect(page.get_by_role("heading", name="Transfer 3001P1T1")).to_be_visible()
    page.goto(f"{live_server}/scenarios/")
    expect(page.get_by_role("heading", name="Distribution Scenarios")).to_be_visible()

    assert screen["watch"].refused == []
    assert screen["errors"] == []

    # The watch does see a refusal when there is one: an inline <style> added by a script.
    page.evaluate("document.head.insertAdjacentHTML('beforeend', '<style>body { color: red; }</style>')")
    page.wait_for_function("window.policyViolations.some((text) => text.startsWith('style-src'))")


def test_a_cdn_that_cannot_be_reached_falls_back_to_the_local_htmx(app, screen, live_server, two_stores, backend):
    app.config["HTMX_CDN_URL"] = "http://127.0.0.1:9/htmx.min.js"  # nothing listens on port 9
    order("1001", "A", prefer="L1")
    page: Page = screen["page"]

    sign_in(page, live_server, "murat")
    assert page.evaluate("typeof window.htmx") == "object"
    page.goto(f"{live_server}/packages/?location=1&status=500")
    page.evaluate("window.notReloaded = true")
    page.get_by_role("navigation", name="Package status").get_by_role("link", name="Pending 1").click()
    expect(page).to_have_url(f"{live_server}/packages/?location=1&status=100")
    expect(page.locator("#package-list tbody")).to_contain_text("1001P1")
    assert page.evaluate("window.notReloaded") is True
    assert screen["watch"].refused == []


def test_too_many_wrong_passwords_show_when_to_try_again(app, screen, live_server, two_stores, backend):
    app.config["LOGIN_FAILURES_PER_USERNAME"] = 2
    page: Page = screen["page"]
    page.goto(live_server + "/login")
    for _ in range(2):
        page.get_by_label("Username").fill("selin")
        page.get_by_label("Password").fill("not-it")
        with page.expect_navigation():  # each answer is a new page: type into that one, not the last
            page.get_by_role("button", name="Sign in").click()
        expect(page.get_by_text("Unknown username or wrong password.")).to_be_visible()

    page.get_by_label("Password").fill("pass1234")  # the right one, too late
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()

    expect(page.get_by_role("alert")).to_have_text("Too many failed sign-in attempts. Try again in 15 minutes.")
    expect(page.get_by_role("heading", name="Package Location Movements")).to_have_count(0)
    shot(page, f"{backend}-{screen['width']}-login-throttled")
    assert screen["watch"].refused == []


def test_signing_out_signs_out_a_copy_of_the_cookies_too(screen, browser, live_server, two_stores):
    page: Page = screen["page"]
    page.goto(live_server + "/login")
    page.get_by_label("Username").fill("selin")
    page.get_by_label("Password").fill("pass1234")
    page.get_by_label("Keep me signed in on this device").check()
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Package Location Movements")).to_be_visible()

    copy = browser.new_context(viewport={"width": screen["width"], "height": 900})
    copy.add_cookies(screen["context"].cookies())
    other = copy.new_page()
    other.goto(live_server + "/")
    expect(other.get_by_role("heading", name="Package Location Movements")).to_be_visible()

    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("status")).to_have_text("You are signed out.")

    other.reload()
    expect(other.get_by_role("heading", name="Sign in")).to_be_visible()
    copy.close()
