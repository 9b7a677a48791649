"""People using the dashboard in a real browser (the system Chromium, through Playwright)."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from oms_dashboard.states import PackageStatus
from tests.helpers import order, run, status_of

pytestmark = pytest.mark.browser
SHOTS = Path("screenshots")  # pytest-playwright empties test-results/ at every run


@pytest.fixture
def shop(two_stores):
    return {
        "here": order("1001", "A", "B", prefer="L1", customer={"first_name": "Ayşe", "last_name": "Yılmaz"})[0],
        "second": order("1002", "B", prefer="L1")[0],
        "there": order("2001", "A", prefer="L2")[0],
    }


def sign_in(page: Page, base: str, username: str) -> None:
    page.goto(base + "/login")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill("pass1234")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Package Location Movements")).to_be_visible()


def shot(page: Page, name: str) -> None:
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=SHOTS / f"{name}.png", full_page=True)


def test_store_employee_scans_a_package_and_reports_an_item_not_found(page: Page, live_server, shop, backend):
    sign_in(page, live_server, "selin")
    expect(page.get_by_text("Kadıköy").first).to_be_visible()
    page.get_by_role("link", name="Packages").click()

    scanner = page.get_by_label("Search or scan")
    scanner.fill("1001P1")
    scanner.press("Enter")  # what a barcode scanner sends after the number

    expect(page.get_by_role("heading", name="Package 1001P1")).to_be_visible()
    page.get_by_role("link", name="Product Not Found / Wrong Product…").click()
    page.get_by_label("A · Tea Glass").check()
    page.get_by_label("Reason").select_option(label="Product not found on the shelf")
    shot(page, f"{backend}-not-found-form")
    page.get_by_role("button", name="Product Not Found / Wrong Product").click()

    expect(page.get_by_role("status")).to_contain_text("1 item replanned to Kadıköy as package 1001P2.")
    expect(page.locator(".package-title .badge")).to_have_text("Product Out of Stock")
    shot(page, f"{backend}-not-found-done")
    page.get_by_role("link", name="1001P2").first.click()

    expect(page.get_by_role("heading", name="Package 1001P2")).to_be_visible()
    expect(page.locator(".package-title .badge")).to_have_text("Pending")
    info = page.locator("section", has=page.get_by_role("heading", name="Package Information"))
    expect(info).to_contain_text("Kadıköy")
    products = page.locator("section", has=page.get_by_role("heading", name="Products in the Package"))
    expect(products.get_by_role("row")).to_have_count(2)  # header + the one remaining item
    expect(products).to_contain_text("Coffee Cup")
    expect(products).not_to_contain_text("Tea Glass")


def test_store_employee_packs_and_ships_a_package(page: Page, live_server, shop, backend):
    sign_in(page, live_server, "selin")
    page.goto(f"{live_server}/packages/{shop['second']}")

    page.get_by_role("link", name="Packaging Completed…").click()  # an irreversible action asks first
    page.get_by_role("button", name="Packaging Completed", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text("Package 1002P1 packed. Shipment with Yurtiçi Kargo")
    expect(page.locator(".package-title .badge")).to_have_text("Packaging Completed")
    expect(page.get_by_role("link", name="Show Shipping Label")).to_be_visible()
    shot(page, f"{backend}-packed")

    page.get_by_role("link", name="Ship…", exact=True).click()
    page.get_by_role("button", name="Ship", exact=True).click()
    expect(page.locator(".package-title .badge")).to_have_text("Shipped")
    expect(page.get_by_role("status")).to_contain_text("Package 1002P1 shipped.")
    assert status_of(shop["second"]) is PackageStatus.SHIPPED

    page.goto(f"{live_server}/packages/{shop['second']}/label")
    expect(page.locator("svg").first).to_be_visible()
    shot(page, f"{backend}-label")
    page.goto(f"{live_server}/packages/{shop['second']}/document")
    expect(page.get_by_role("heading", name="Package Document")).to_be_visible()
    shot(page, f"{backend}-document")


def test_store_employee_cannot_open_another_locations_package(page: Page, live_server, shop):
    sign_in(page, live_server, "selin")
    page.goto(f"{live_server}/packages/{shop['there']}")

    expect(page.get_by_role("heading", name="Not found")).to_be_visible()
    expect(page.get_by_text("2001P1")).to_have_count(0)


def test_manager_sees_a_cards_counts_change_without_reloading(page: Page, live_server, shop, backend):
    sign_in(page, live_server, "murat")
    card = page.locator('[data-location="L1"]')
    expect(card.get_by_role("link", name="Waiting at Kadıköy: 2")).to_be_visible()
    page.evaluate("window.notReloaded = true")
    shot(page, f"{backend}-movements")

    run(shop["here"], "PKG_STATE_TRANSITION")  # a store employee starts preparing, elsewhere

    expect(card.get_by_role("link", name="Waiting at Kadıköy: 1")).to_be_visible(timeout=10_000)
    expect(card.get_by_role("link", name="Preparing at Kadıköy: 1")).to_be_visible()
    assert page.evaluate("window.notReloaded") is True


def test_manager_drills_from_a_card_to_a_status_and_slides_between_statuses(page: Page, live_server, shop, backend):
    run(shop["second"], "COMPLETE_PACKAGING")
    sign_in(page, live_server, "murat")
    page.get_by_role("link", name="Kadıköy", exact=True).click()

    expect(page.get_by_role("heading", name="Kadıköy")).to_be_visible()
    shot(page, f"{backend}-location")
    page.get_by_role("link", name="Pending 1").click()

    expect(page.get_by_role("heading", name="Packages at Kadıköy")).to_be_visible()
    expect(page.locator("#package-list tbody tr")).to_have_count(1)
    page.evaluate("window.notReloaded = true")
    page.get_by_role("navigation", name="Package status").get_by_role("link", name="Packaging Completed 1").click()

    expect(page).to_have_url(f"{live_server}/packages/?location=1&status=500")
    expect(page.locator("#package-list tbody")).to_contain_text("1002P1")
    expect(page.locator("#package-list tbody")).not_to_contain_text("1001P1")
    assert page.evaluate("window.notReloaded") is True
    shot(page, f"{backend}-list")


def test_the_actions_work_from_the_keyboard(page: Page, live_server, shop):
    sign_in(page, live_server, "selin")
    page.goto(f"{live_server}/packages/{shop['second']}")

    page.get_by_text("Select Action").focus()
    page.keyboard.press("Enter")
    menu_item = page.get_by_role("button", name="Start Preparing")
    menu_item.focus()
    page.keyboard.press("Enter")

    expect(page.locator(".package-title .badge")).to_have_text("In Progress")


def test_everything_works_without_javascript(browser, live_server, shop):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    sign_in(page, live_server, "selin")
    page.goto(f"{live_server}/packages/?q=1002P1")
    expect(page.get_by_role("heading", name="Package 1002P1")).to_be_visible()

    page.get_by_role("link", name="Product Not Found / Wrong Product…").click()  # a plain link to the form
    page.get_by_label("B · Coffee Cup").check()
    page.get_by_role("button", name="Product Not Found / Wrong Product").click()
    expect(page.get_by_role("status")).to_contain_text("1 item replanned to Beşiktaş as package 1002P2.")
    expect(page.locator(".package-title .badge")).to_have_text("Product Out of Stock")
    context.close()


UNLABELLED_CONTROLS = """() => [...document.querySelectorAll('input:not([type=hidden]), select, textarea, button')]
    .filter(el => el.offsetParent !== null)
    .filter(el => !(el.labels && el.labels.length) && !el.getAttribute('aria-label') && !(el.textContent || '').trim())
    .map(el => el.outerHTML)"""
NO_SIDEWAYS_SCROLL = "() => document.documentElement.scrollWidth <= window.innerWidth"


def looks_right(page: Page, name: str) -> None:
    """Every control labelled, nothing wider than the screen; then a screenshot from the top of the page."""
    assert page.evaluate(UNLABELLED_CONTROLS) == [], page.url
    assert page.evaluate(NO_SIDEWAYS_SCROLL), page.url
    page.evaluate("window.scrollTo(0, 0)")
    shot(page, name)
    # The screenshot leaves style="" on hidden inputs, which htmx's settle would copy onto swapped-in inputs
    # and the Content-Security-Policy (rightly) refuse. Leave the page as a person would have it.
    page.evaluate("() => document.querySelectorAll('[style=\"\"]').forEach(el => el.removeAttribute('style'))")


def test_a_store_employee_on_a_tablet_scans_and_packs(browser, live_server, shop, backend):
    context = browser.new_context(viewport={"width": 768, "height": 1024})
    page = context.new_page()
    sign_in(page, live_server, "selin")
    expect(page.locator(".whoami")).to_contain_text("Kadıköy")  # name and location stay in the header
    shot(page, f"{backend}-tablet-movements")
    page.get_by_role("link", name="Packages").click()
    expect(page.get_by_label("Search or scan")).to_be_visible()  # the list has loaded before it is measured
    assert page.evaluate(NO_SIDEWAYS_SCROLL)
    shot(page, f"{backend}-tablet-list")

    page.get_by_label("Search or scan").fill("1002P1")
    page.keyboard.press("Enter")
    page.get_by_role("link", name="Product Not Found / Wrong Product…").click()
    expect(page.get_by_role("button", name="Product Not Found / Wrong Product")).to_be_visible()
    assert page.evaluate(UNLABELLED_CONTROLS) == []
    assert page.evaluate(NO_SIDEWAYS_SCROLL)
    shot(page, f"{backend}-tablet-form")
    page.get_by_role("link", name="Cancel").click()
    # Wait for Cancel's swap: a click before it lands would post from the page it then replaces.
    expect(page.get_by_role("button", name="Product Not Found / Wrong Product")).to_have_count(0)
    page.get_by_role("link", name="Packaging Completed…").click()
    page.get_by_role("button", name="Packaging Completed", exact=True).click()

    expect(page.locator(".package-title .badge")).to_have_text("Packaging Completed")
    assert page.evaluate(NO_SIDEWAYS_SCROLL)
    shot(page, f"{backend}-tablet-detail")
    context.close()


def test_every_control_has_a_label(page: Page, live_server, shop):
    sign_in(page, live_server, "murat")
    for path in ("/", "/locations/1", "/packages/", f"/packages/{shop['here']}"):
        page.goto(live_server + path)
        assert page.evaluate(UNLABELLED_CONTROLS) == [], path
    page.get_by_text("Select Action").click()
    assert page.evaluate(UNLABELLED_CONTROLS) == []
    for name in ("Refuse…", "Advanced Ship…"):
        page.goto(f"{live_server}/packages/{shop['second']}")
        if name == "Advanced Ship…":
            page.get_by_role("link", name="Packaging Completed…").click()
            page.get_by_role("button", name="Packaging Completed", exact=True).click()
            expect(page.locator(".package-title .badge")).to_have_text("Packaging Completed")
        page.get_by_text("Select Action").click()
        page.get_by_role("link", name=name, exact=True).click()
        expect(page.locator(".panel")).to_be_visible()
        assert page.evaluate(UNLABELLED_CONTROLS) == [], name


def test_a_manager_follows_a_transfer_until_the_package_is_waiting(page: Page, live_server, two_stores, backend):
    from tests.helpers import location, scenario, stock

    location("WH", priority=40, kind="warehouse", name="Warehouse", cargo="aras")
    stock("L1", "B", 0)
    stock("L2", "B", 0)
    stock("WH", "B", 5)
    scenario({"name": "Pack at the best store", "transferable": True, "locations": {"types": ["store"]}})
    [package_id] = order("3001", "A", "B")
    assert status_of(package_id) is PackageStatus.WAITING_FOR_TRANSFER

    sign_in(page, live_server, "murat")
    page.get_by_role("link", name="Transfers").click()
    expect(page.get_by_role("heading", name="Transfer Location Movements")).to_be_visible()
    shot(page, f"{backend}-transfer-movements")
    page.get_by_role("link", name="Waiting outgoing at Warehouse: 1").click()
    page.get_by_role("link", name="3001P1T1").click()

    expect(page.get_by_role("heading", name="Transfer 3001P1T1")).to_be_visible()
    expect(page.locator(".package-title .badge")).to_have_text("Waiting")
    shot(page, f"{backend}-transfer-detail")
    page.get_by_role("button", name="Ready for Dispatch").click()
    expect(page.locator(".package-title .badge")).to_have_text("Ready To Shipment")
    page.get_by_role("button", name="Dispatch").click()
    expect(page.locator(".package-title .badge")).to_have_text("In Transit")
    page.get_by_role("button", name="Delivered").click()

    expect(page.locator(".package-title .badge")).to_have_text("Transferred")
    expect(page.get_by_role("status")).to_contain_text("Package 3001P1 is complete and waiting to be packed.")
    page.get_by_role("link", name="3001P1", exact=True).click()
    expect(page.get_by_role("heading", name="Package 3001P1")).to_be_visible()
    expect(page.locator(".package-title .badge")).to_have_text("Pending")
    expect(page.get_by_role("link", name="Packaging Completed…")).to_be_visible()
    shot(page, f"{backend}-package-after-transfer")


def test_store_staff_see_only_their_end_of_a_transfer(page: Page, live_server, two_stores):
    from tests.helpers import location, scenario, stock

    location("WH", priority=40, kind="warehouse", name="Warehouse", cargo="aras")
    stock("L1", "B", 0)
    stock("L2", "B", 0)
    stock("WH", "B", 5)
    scenario({"name": "Pack at the best store", "transferable": True, "locations": {"types": ["store"]}})
    order("3002", "A", "B")

    sign_in(page, live_server, "selin")  # works at Kadıköy, the destination
    page.goto(f"{live_server}/transfers/")
    expect(page.locator('[data-location="WH"]')).to_have_count(0)
    page.get_by_role("link", name="Waiting incoming at Kadıköy: 1").click()
    page.get_by_role("link", name="3002P1T1").click()
    expect(page.get_by_text("No actions for you in this status")).to_be_visible()  # dispatching is the warehouse's job


def test_an_admin_reads_the_distribution_scenario(page: Page, live_server, two_stores, backend):
    from tests.helpers import user

    user("ada", "admin")
    sign_in(page, live_server, "ada")
    page.get_by_role("link", name="Admin").click()
    page.get_by_role("link", name="Scenarios", exact=True).click()
    expect(page.get_by_role("heading", name="Distribution Scenarios")).to_be_visible()
    expect(page.get_by_role("cell", name="Same-city store with quota, one package")).to_be_visible()
    shot(page, f"{backend}-scenarios")
