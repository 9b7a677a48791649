"""A manager pages through the transfer list on a desk and on a tablet, destination and status in view."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.test_browser import looks_right, sign_in
from tests.test_pages_list_controls import transfers  # noqa: F401 (the fixture: 27 transfers to Kadıköy)

pytestmark = pytest.mark.browser


def test_a_manager_pages_through_the_transfers_with_their_destination_in_view(screen, live_server, transfers, backend):  # noqa: F811
    page: Page = screen["page"]
    sign_in(page, live_server, "murat")
    page.goto(f"{live_server}/transfers/list")

    table = page.locator("table.transfer-list")
    for column in ("From", "To", "Status"):
        expect(table.get_by_role("columnheader", name=column, exact=True)).to_be_visible()
    expect(page.get_by_text("Page 1 of 2")).to_be_visible()
    looks_right(page, f"{backend}-{screen['width']}-transfer-list")

    page.get_by_role("link", name="Next ›").click()
    expect(page.get_by_text("Page 2 of 2")).to_be_visible()
    expect(table.get_by_role("cell", name="Kadıköy").first).to_be_visible()  # where they go, on a tablet too
    page.get_by_role("link", name="‹ Previous").click()
    expect(page.get_by_text("Page 1 of 2")).to_be_visible()
    assert screen["watch"].refused == [] and screen["errors"] == []
