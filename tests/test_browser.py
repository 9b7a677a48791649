"""The app in a real browser (system Chromium through Playwright)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser


def test_the_home_page_tells_integrators_where_the_api_is(page: Page, live_server):
    page.goto(live_server + "/")

    expect(page).to_have_title("OMS Dashboard")
    expect(page.get_by_role("heading", name="OMS Dashboard")).to_be_visible()
    expect(page.get_by_text("/api/v1/oms/")).to_be_visible()
    page.screenshot(path="test-results/home.png", full_page=True)
