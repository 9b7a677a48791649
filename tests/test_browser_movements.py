"""A manager finds a store among many on the Package Location Movements page, at desk and tablet widths."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.helpers import location, order, product, stock, user
from tests.test_browser import NO_SIDEWAYS_SCROLL, UNLABELLED_CONTROLS, shot, sign_in

# Sorting and paging are the same SQL on both databases (tests/test_movements.py runs it on each).
pytestmark = [pytest.mark.browser, pytest.mark.postgresql_only]


@pytest.fixture
def many_stores(app):
    product("A")
    for number in range(50):
        location(f"S{number:02d}", name=f"Store {number:02d}", max_quota=20 if number % 3 else None)
    stock("S31", "A", 2)
    order("1001", "A", prefer="S31")
    order("1002", "A", prefer="S31")
    user("murat", "manager")


def test_a_manager_sorts_and_pages_through_fifty_stores(screen, live_server, many_stores, backend):
    page: Page = screen["page"]
    name = f"{backend}-{screen['width']}"
    sign_in(page, live_server, "murat")
    cards = page.locator("#cards article.card")
    # Attention first: the store with packages waiting leads.
    expect(cards.first).to_have_attribute("data-location", "S31")
    expect(page.get_by_text("50 locations · page 1 of 2")).to_be_visible()

    page.get_by_role("navigation", name="Sort locations").get_by_role("link", name="Name").click()
    expect(cards.first).to_have_attribute("data-location", "S00")
    page.get_by_role("link", name="Next ›").click()
    expect(cards).to_have_count(2)
    expect(cards.first).to_have_attribute("data-location", "S48")
    expect(page).to_have_url(re.compile(r"/\?sort=name&page=2$"))

    page.get_by_label("Filter locations").fill("store 1")
    expect(cards).to_have_count(10)
    expect(cards.first).to_have_attribute("data-location", "S10")  # the sort stays, the page starts again
    page.go_back()  # the address followed each step: back is the unfiltered second page
    expect(cards).to_have_count(2)
    assert screen["watch"].refused == []
    assert screen["errors"] == []

    # Screenshots last: Playwright hides the caret with a style attribute that htmx's next swap would copy (CSP).
    assert page.evaluate(UNLABELLED_CONTROLS) == []
    assert page.evaluate(NO_SIDEWAYS_SCROLL)
    shot(page, f"{name}-movements-page-2")
    page.goto(live_server + "/")
    expect(cards).to_have_count(48)
    shot(page, f"{name}-movements-attention")
