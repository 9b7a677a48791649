"""The Package Location Movements page with many locations: paging, sorting, and a refresh that says "not modified"."""

from __future__ import annotations

import html
import re

import pytest

from tests.helpers import location, order, product, run, sign_in, stock, user
from tests.test_query_counts import counted_statements

HTMX = {"HX-Request": "true"}


@pytest.fixture
def manager(app, client):
    product("A")
    user("murat", "manager")
    sign_in(client, "murat")
    return client


def _locations(count: int, start: int = 0) -> None:
    for number in range(start, start + count):
        location(f"S{number:02d}", name=f"Store {number:02d}")


def _codes(page: str) -> list[str]:
    return re.findall(r'<article class="card" data-location="([^"]+)"', page)


def _poll_url(page: str) -> str:
    return html.unescape(re.search(r'id="cards"[^>]*hx-get="([^"]+)"', page).group(1))


def _statements(client, path: str, headers: dict | None = None) -> int:
    with counted_statements() as statements:
        response = client.get(path, headers=headers or {})
    assert response.status_code == 200
    return len(statements)


def test_the_page_costs_three_queries_for_2_or_60_locations_whatever_the_sort_or_page(manager):
    _locations(2)
    few = _statements(manager, "/")
    _locations(58, start=2)
    assert few == _statements(manager, "/") == _statements(manager, "/?sort=quota&page=2") <= 3
    assert _statements(manager, "/?sort=name&q=store", HTMX) == few


def test_cards_come_48_a_page_with_page_links_that_keep_the_filter_and_sort(manager):
    _locations(50)
    first = manager.get("/?sort=name").get_data(as_text=True)
    assert _codes(first) == [f"S{number:02d}" for number in range(48)]
    assert "50 locations · page 1 of 2" in first
    assert 'href="/?sort=name&amp;page=2"' in first and 'aria-current="page" aria-label="Page 1"' in first

    second = manager.get("/?sort=name&page=2").get_data(as_text=True)
    assert _codes(second) == ["S48", "S49"] and 'rel="prev"' in second and 'rel="next"' not in second
    # A page past the end (locations went away since the link was made) shows the last page.
    assert _codes(manager.get("/?sort=name&page=9").get_data(as_text=True)) == ["S48", "S49"]

    filtered = manager.get("/?q=store 4&sort=name", headers=HTMX).get_data(as_text=True)
    assert filtered.lstrip().startswith("{#") or filtered.lstrip().startswith("<section")
    assert _codes(filtered) == [f"S4{digit}" for digit in range(10)] and "page 1 of" not in filtered
    assert _poll_url(filtered).startswith("/?q=store+4&sort=name&since=")


def test_the_default_sort_puts_the_most_waiting_and_preparing_first_and_quota_use_sorts_by_share(manager):
    _locations(3)
    location("BUSY", name="Zeytinburnu", max_quota=10)
    location("FULL", name="Yeşilköy", max_quota=2)
    for code, units in (("BUSY", 3), ("FULL", 2), ("S01", 1)):
        stock(code, "A", units)
    packages = [order(f"B{n}", "A", prefer="BUSY")[0] for n in range(3)]
    order("F1", "A", prefer="FULL")
    order("F2", "A", prefer="FULL")
    order("S1", "A", prefer="S01")
    run(packages[0], "PKG_STATE_TRANSITION")  # preparing still needs attention

    assert _codes(manager.get("/").get_data(as_text=True)) == ["BUSY", "FULL", "S01", "S00", "S02"]
    assert _codes(manager.get("/?sort=name").get_data(as_text=True)) == ["S00", "S01", "S02", "FULL", "BUSY"]
    # 2 of 2 before 3 of 10; the locations without a limit last, the busiest of them first.
    assert _codes(manager.get("/?sort=quota").get_data(as_text=True)) == ["FULL", "BUSY", "S01", "S00", "S02"]
    assert _codes(manager.get("/?sort=nonsense&page=x").get_data(as_text=True))[0] == "BUSY"


def test_the_refresh_answers_204_while_nothing_changed_and_the_new_cards_after_a_command(manager):
    location("L1", name="Kadıköy")
    stock("L1", "A", 5)
    [package] = order("1001", "A", prefer="L1")
    page = manager.get("/?q=kad&sort=name").get_data(as_text=True)
    poll = _poll_url(page)
    assert poll.startswith("/?q=kad&sort=name&since=")

    with counted_statements() as statements:
        unchanged = manager.get(poll, headers=HTMX)
    assert unchanged.status_code == 204 and unchanged.get_data() == b"" and len(statements) <= 2
    # Without htmx (a bookmark, a reload) the address always answers the whole page.
    assert "Package Location Movements" in manager.get(poll).get_data(as_text=True)

    run(package, "PKG_STATE_TRANSITION")
    changed = manager.get(poll, headers=HTMX)
    assert changed.status_code == 200
    fragment = changed.get_data(as_text=True)
    assert 'aria-label="Preparing at Kadıköy: 1"' in fragment and 'aria-label="Waiting at Kadıköy: 0"' in fragment
    assert _poll_url(fragment) != poll and manager.get(_poll_url(fragment), headers=HTMX).status_code == 204

    location("L2", name="Kadıköy Sahil")  # a new location is a change too
    assert manager.get(_poll_url(fragment), headers=HTMX).status_code == 200


def test_store_staff_see_only_their_cards_and_their_refresh_is_theirs(app, client):
    product("A")
    _locations(50)
    user("selin", "store_staff", "S07", "S42")
    sign_in(client, "selin")
    page = client.get("/?sort=name").get_data(as_text=True)
    assert _codes(page) == ["S07", "S42"] and "2 locations" in page and 'rel="next"' not in page
    assert _codes(client.get("/?q=S1").get_data(as_text=True)) == []
    assert client.get(_poll_url(page), headers=HTMX).status_code == 204
