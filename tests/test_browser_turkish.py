"""A store employee switches the dashboard to Turkish and works a package through, at desk and tablet widths:
scans the package number, scans an item, reports the other one not found, packs what was replanned, and
reads the history in Istanbul time. Every page on the way is all Turkish (tests/untranslated.py).

The texts the test looks for are read from the Turkish catalogue itself (`tr()`), so a better wording
does not break the test, while an untranslated one does: `tr()` refuses a message without Turkish.
"""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from babel.dates import format_datetime
from babel.support import Translations
from playwright.sync_api import Page, expect

from oms_dashboard.i18n import TRANSLATIONS_DIRECTORY
from oms_dashboard.states import PackageStatus
from tests.helpers import location, order, product, status_of, stock, user
from tests.test_browser import looks_right
from tests.untranslated import english_on

pytestmark = pytest.mark.browser
TURKISH = Translations.load(str(TRANSLATIONS_DIRECTORY), ["tr"], domain="messages")


def tr(message: str) -> str:
    translated = TURKISH.gettext(message)
    assert translated != message, f"no Turkish for {message!r}"
    return translated


@pytest.fixture
def kadikoy(app):
    """Order 1001 at Kadıköy: a Çay Bardağı (A) and a Kahve Fincanı (B); the shop's data is Turkish too."""
    location("L1", priority=80, name="Kadıköy")
    product("A", barcode="8690000000011", name="Çay Bardağı")
    product("B", barcode="8690000000028", name="Kahve Fincanı")
    stock("L1", "A", 20)
    stock("L1", "B", 20)
    user("selin", "store_staff", "L1")
    [package_id] = order("1001", "A", "B", prefer="L1", customer={"first_name": "Ayşe", "last_name": "Yılmaz"})
    return package_id


def all_turkish(page: Page) -> None:
    expect(page.locator("html")).to_have_attribute("lang", "tr")
    assert english_on(page.content()) == [], page.url


def scan(page: Page, code: str) -> None:
    """What a USB scanner does: types the code into whatever has the focus, then Enter."""
    page.keyboard.type(code)
    page.keyboard.press("Enter")


def test_a_store_employee_works_a_package_in_turkish(screen, kadikoy, backend):
    page: Page = screen["page"]
    name = f"{backend}-{screen['width']}-turkish"
    page.goto("/login")  # the browser asks for English: the sign-in page is English
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.get_by_label("Username").fill("selin")
    page.get_by_label("Password").fill("pass1234")
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("button", name="Türkçe").click()  # the header's language switch
    expect(page.get_by_role("heading", name=tr("Package Location Movements"))).to_be_visible()
    expect(page.get_by_role("button", name="Türkçe")).to_have_attribute("aria-pressed", "true")
    all_turkish(page)

    page.get_by_role("link", name=tr("Packages"), exact=True).click()
    expect(page.get_by_label(tr("Search or scan"))).to_be_focused()
    all_turkish(page)
    scan(page, "1001P1")
    expect(page.get_by_role("heading", name=re.compile(r"\b1001P1\b"))).to_be_visible()
    field = page.get_by_label(tr("Scan a product (barcode or SKU)"))
    expect(field).to_be_focused()
    panel = page.locator("#scan-panel")
    expect(panel.get_by_role("status")).to_contain_text("0")
    scan(page, "8690000000011")
    expect(panel.locator("li.scanned")).to_have_count(1)
    all_turkish(page)

    # The Kahve Fincanı is not on the shelf where the system thought it was.
    page.get_by_role("link", name=tr("Product Not Found / Wrong Product") + "…").click()
    page.get_by_label("B · Kahve Fincanı").check()
    page.get_by_label(tr("Reason")).select_option(label=tr("Product not found on the shelf"))
    all_turkish(page)
    looks_right(page, f"{name}-not-found-form")
    page.get_by_role("button", name=tr("Product Not Found / Wrong Product"), exact=True).click()
    expect(page.locator(".package-title .badge")).to_have_text(tr(PackageStatus.OUT_OF_STOCK.label))
    expect(page.get_by_role("status").first).to_contain_text("1001P2")
    all_turkish(page)
    looks_right(page, f"{name}-not-found-done")

    page.get_by_role("link", name="1001P2").first.click()
    expect(page.get_by_role("heading", name=re.compile(r"\b1001P2\b"))).to_be_visible()
    expect(page.locator(".package-title .badge")).to_have_text(tr(PackageStatus.WAITING.label))
    scan(page, "8690000000011")  # the Çay Bardağı, now in the package the rest went to
    panel = page.locator("#scan-panel")
    expect(panel.locator("li.scanned")).to_have_count(1)
    all_turkish(page)
    panel.get_by_role("button", name=tr("Packaging Completed")).click()
    expect(page.locator(".package-title .badge")).to_have_text(tr(PackageStatus.PACKED.label))
    expect(page.locator("#scan-panel")).to_have_count(0)
    assert status_of(kadikoy) is PackageStatus.OUT_OF_STOCK

    # The history reads in Istanbul time, with Turkish month names and the zone named.
    history = page.locator("section", has=page.get_by_role("heading", name=tr("Transition History")))
    now = datetime.now(ZoneInfo("Europe/Istanbul"))
    today = format_datetime(now, "dd MMM y", locale="tr")
    expect(history).to_contain_text(re.compile(rf"{re.escape(today)}, \d\d:\d\d İstanbul"))
    shown = re.findall(r"(\d\d):(\d\d) İstanbul", history.inner_text())
    minutes = {int(hours) * 60 + int(minutes) for hours, minutes in shown}
    assert any(abs(now.hour * 60 + now.minute - at) <= 2 for at in minutes), (shown, now)
    all_turkish(page)
    looks_right(page, f"{name}-packed")

    assert screen["watch"].refused == [], "\n".join(screen["watch"].refused)
    assert screen["errors"] == []
