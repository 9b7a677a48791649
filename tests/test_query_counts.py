"""The API's reads cost a fixed number of SQL queries, whatever the number of rows or items."""

from __future__ import annotations

from contextlib import contextmanager

import pytest
from sqlalchemy import event

from oms_dashboard.extensions import db
from tests.helpers import ApiClient, location, order, product, stock, token


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
    return ApiClient(client, token())


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
