"""The API's reads cost a fixed number of SQL queries, whatever the number of rows or items."""

from __future__ import annotations

from contextlib import contextmanager

import pytest
from sqlalchemy import event

from oms_dashboard.extensions import db
from tests.helpers import ApiClient, item_ids, location, order, product, run, sign_in, stock, token, user


@contextmanager
def counted_statements():
    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args):
        if not statement.lstrip().upper().startswith(("BEGIN", "COMMIT", "ROLLBACK")):
            statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", count)


@pytest.fixture
def api(app, client):
    location("L1")
    location("L2")
    for sku in ("A", "B", "C"):
        product(sku)
        stock("L1", sku, 500)
        stock("L2", sku, 500)
    api = ApiClient(client, token())
    # The token's first call records its use (at most once a minute); the counts are of the reads.
    assert api.get("stocklocations/").status_code == 200
    return api


def _statements_for(api, path: str, **params) -> int:
    with counted_statements() as statements:
        response = api.get(path, **params)
    assert response.status_code == 200
    return len(statements)


def test_package_list_costs_the_same_for_2_or_40_packages(api):
    for number in range(2):
        order(f"S{number}", "A", "B", prefer="L1")
    small = _statements_for(api, "packages/", page_size=100)
    for number in range(38):
        order(f"M{number}", "A", "B", "C", prefer="L2" if number % 2 else "L1")
    large = _statements_for(api, "packages/", page_size=100)

    assert large == small <= 6


def test_package_detail_costs_the_same_for_1_or_30_items_and_at_most_8(api):
    [few] = order("F1", "A", prefer="L1")
    [many] = order("M1", *(["A", "B", "C"] * 10), prefer="L1")

    assert _statements_for(api, f"packages/{few}/") == _statements_for(api, f"packages/{many}/") <= 8


@pytest.fixture
def manager(app, client):
    location("L1")
    for sku in ("A", "B", "C"):
        product(sku)
        stock("L1", sku, 500)
    user("murat", "manager")
    sign_in(client, "murat")
    return client


def _page_queries(client, path: str) -> int:
    with counted_statements() as statements:
        response = client.get(path)
    assert response.status_code == 200, response.get_data(as_text=True)
    return len(statements)


def test_location_movements_cost_the_same_for_3_or_30_locations(manager):
    for number in range(2):
        location(f"S{number}")
        order(f"S{number}", "A", prefer="L1")
    few = _page_queries(manager, "/")
    for number in range(27):
        location(f"M{number}")
    many = _page_queries(manager, "/")
    filtered = _page_queries(manager, "/?q=M1")

    assert few == many == filtered <= 3


def test_the_package_list_costs_the_same_for_5_or_40_rows(manager):
    for number in range(5):
        order(f"S{number}", "A", "B", prefer="L1")
    manager.get("/packages/")  # the process keeps the filter's choices from the first request on
    few = _page_queries(manager, "/packages/?page_size=100")
    for number in range(35):
        order(f"M{number}", "A", "B", "C", prefer="L1")
    many = _page_queries(manager, "/packages/")
    searched = _page_queries(manager, "/packages/?q=M&status=100")
    filtered = _page_queries(manager, "/packages/?status=100&sort=age&overdue=1&channel=web&created_from=2020-01-01")
    with counted_statements() as statements:
        swapped = manager.get("/packages/?status=100", headers={"HX-Request": "true"})
    assert swapped.status_code == 200

    # the session's user, the cache generation (the bulk toolbar's commands, the filter's choices), the slider
    # counts and the page of rows
    assert few == many == filtered <= 4
    assert len(statements) == few  # an htmx swap of the list costs what the page does
    assert searched == few + 1  # a search first looks for an exact package or tracking number (the scanner)


def test_an_unfiltered_list_reads_its_slider_from_the_kept_counts(manager):
    """Without filters (a location and a status are not filters) the slider's counts come from package_counts,
    kept at commit, never from counting the packages table: at a million packages that count is the page."""
    order("S1", "A", prefer="L1")
    for path in ("/packages/", "/packages/?location=1&status=100&sort=age"):
        with counted_statements() as statements:
            assert manager.get(path).status_code == 200
        assert any("package_counts" in statement for statement in statements), path
        assert not any("GROUP BY packages.status" in statement for statement in statements), path


def test_the_package_detail_costs_at_most_8_queries_whatever_its_items(manager):
    [few] = order("F1", "A", prefer="L1")
    [many] = order("M1", *(["A", "B", "C"] * 10), prefer="L1")
    run(many, "DETECTED_OUT_OF_STOCK_ITEM", package_items=item_ids(many)[:5])

    assert _page_queries(manager, f"/packages/{few}") <= 8
    assert _page_queries(manager, f"/packages/{many}") == _page_queries(manager, f"/packages/{few}")


def test_transfer_movements_cost_the_same_for_3_or_30_locations(manager):
    few = _page_queries(manager, "/transfers/")
    for number in range(27):
        location(f"T{number}")
    assert _page_queries(manager, "/transfers/") == few <= 4


def test_the_pick_list_costs_the_same_for_2_or_20_packages(manager):
    chosen = [order(f"S{number}", "A", "B", prefer="L1")[0] for number in range(2)]
    few = _page_queries(manager, "/packages/picklist?" + "&".join(f"ids={i}" for i in chosen))
    chosen += [order(f"M{number}", "A", "B", "C", prefer="L1")[0] for number in range(18)]
    many = _page_queries(manager, "/packages/picklist?" + "&".join(f"ids={i}" for i in chosen))
    by_filter = _page_queries(manager, "/packages/picklist?status=100")

    assert few == many == by_filter <= 3  # the user, the packages, the sums


def test_a_bulk_confirmation_costs_the_same_for_2_or_20_packages(manager):
    from tests.helpers import csrf_token

    def confirm(ids) -> int:
        data = {"csrf_token": csrf_token(manager.get("/packages/").get_data(as_text=True)), "ids": ids}
        with counted_statements() as statements:
            response = manager.post("/packages/bulk", data=data | {"command": "COMPLETE_PACKAGING:500"})
        assert response.status_code == 200 and "cannot be undone" in response.get_data(as_text=True)
        return len(statements)

    chosen = [order(f"S{number}", "A", prefer="L1")[0] for number in range(2)]
    few = confirm(chosen)
    chosen += [order(f"M{number}", "A", prefer="L1")[0] for number in range(18)]
    assert confirm(chosen) == few
