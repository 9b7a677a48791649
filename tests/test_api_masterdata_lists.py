"""The master-data lists of the JSON API (DESIGN §5.1): `GET stocks/`, `GET products/`, `GET cargo-company/`,
their filters and location scope, and their cost in SQL whatever the number of rows."""

from __future__ import annotations

from contextlib import contextmanager

import pytest
from sqlalchemy import event, select

from oms_dashboard.extensions import db
from oms_dashboard.models import CargoCompany, Product
from tests.helpers import ApiClient, fresh, location, order, product, stock, token


@pytest.fixture
def world(app):
    """Kadıköy (L1) and Beşiktaş (L2); A at both, B only at L1, C nowhere."""
    location("L1", priority=80, name="Kadıköy")
    location("L2", priority=70, name="Beşiktaş")
    product("A", barcode="8690000000011", name="Tea Glass")
    product("B", barcode="8690000000028", name="Coffee Cup")
    product("C", barcode="8690000000011", name="Tea Glass, gift box")  # the same barcode as A
    stock("L1", "A", 5)
    stock("L2", "A", 7)
    stock("L1", "B", 3)


@pytest.fixture
def api(client, world):
    return ApiClient(client, token(name="ERP"))


@pytest.fixture
def kadikoy(client, world):
    return ApiClient(client, token("L1", name="Kadıköy till"))


def results(response) -> list[dict]:
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()["results"]


@contextmanager
def counted_statements():
    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args):
        if not statement.lstrip().upper().startswith(("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")):
            statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", count)


# --- GET stocks/ -------------------------------------------------------------------------------------


def test_stock_list_shows_on_hand_reserved_and_available_in_location_order(api):
    order("1001", "A", "A", prefer="L1")

    assert results(api.get("stocks/")) == [
        {"stock_location": "L1", "sku": "A", "quantity": 5, "reserved": 2, "available": 3},
        {"stock_location": "L1", "sku": "B", "quantity": 3, "reserved": 0, "available": 3},
        {"stock_location": "L2", "sku": "A", "quantity": 7, "reserved": 0, "available": 7},
    ]


def test_available_is_never_negative_after_a_push_below_the_reserved_units(api):
    order("1001", "A", "A", prefer="L1")
    assert api.put("stocks/", [{"stock_location": "L1", "sku": "A", "quantity": 1}]).status_code == 200

    [row] = results(api.get("stocks/", sku="A", stock_location__erp_code="L1"))
    assert row == {"stock_location": "L1", "sku": "A", "quantity": 1, "reserved": 2, "available": 0}


def test_stock_list_filters_by_sku_and_location(api):
    assert [(r["stock_location"], r["sku"]) for r in results(api.get("stocks/", sku="A"))] == [("L1", "A"), ("L2", "A")]
    assert [r["sku"] for r in results(api.get("stocks/", stock_location__erp_code="L1"))] == ["A", "B"]
    assert results(api.get("stocks/", sku="C")) == []
    assert results(api.get("stocks/", stock_location__erp_code="NOPE")) == []


def test_a_location_restricted_token_sees_only_its_locations_stock(kadikoy):
    assert {r["stock_location"] for r in results(kadikoy.get("stocks/"))} == {"L1"}
    assert results(kadikoy.get("stocks/", stock_location__erp_code="L2")) == []
    assert kadikoy.get("stocks/").get_json()["count"] == 2


def test_stock_list_is_paginated(api):
    body = api.get("stocks/", page_size=2).get_json()
    assert body["count"] == 3 and len(body["results"]) == 2 and body["next"] and body["previous"] is None
    assert len(results(api.get("stocks/", page=2, page_size=2))) == 1
    assert api.get("stocks/", page=3, page_size=2).status_code == 404


def test_stock_list_costs_the_same_for_3_or_60_rows(api):
    api.get("stocks/")  # the token's first use of the minute is written down once: not counted
    with counted_statements() as few:
        results(api.get("stocks/", page_size=100))
    api.put("products/", [{"sku": f"P{n}", "name": f"Product {n}"} for n in range(30)])
    api.put(
        "stocks/",
        [{"stock_location": code, "sku": f"P{n}", "quantity": n} for n in range(30) for code in "L1 L2".split()],
    )
    with counted_statements() as many:
        assert len(results(api.get("stocks/", page_size=100))) == 63
    assert len(many) == len(few) <= 4  # token, count, page (+ the read transaction's set-up)


def test_bad_stock_list_filters_are_400_naming_them(api):
    for params, field in [({"sku": ""}, "sku"), ({"stock_location__erp_code": "x" * 65}, "stock_location__erp_code")]:
        response = api.get("stocks/", **params)
        assert response.status_code == 400 and field in response.get_json()["error"], params


# --- GET products/ -----------------------------------------------------------------------------------


def test_product_list_shows_the_catalog_by_id(api):
    api.put("products/", [{"sku": "A", "name": "Tea Glass", "attributes": {"colour": "clear", "ml": 100}}])
    fresh()
    ids = dict(db.session.execute(select(Product.sku, Product.id)).all())

    assert results(api.get("products/")) == [
        {
            "id": ids["A"],
            "sku": "A",
            "name": "Tea Glass",
            "barcode": "8690000000011",
            "image_url": None,
            "attributes": {"colour": "clear", "ml": 100},
        },
        {
            "id": ids["B"],
            "sku": "B",
            "name": "Coffee Cup",
            "barcode": "8690000000028",
            "image_url": None,
            "attributes": {},
        },
        {
            "id": ids["C"],
            "sku": "C",
            "name": "Tea Glass, gift box",
            "barcode": "8690000000011",
            "image_url": None,
            "attributes": {},
        },
    ]


def test_product_list_filters_by_sku_and_barcode_exactly(api):
    assert [r["sku"] for r in results(api.get("products/", sku="B"))] == ["B"]
    assert [r["sku"] for r in results(api.get("products/", barcode="8690000000011"))] == ["A", "C"]
    assert results(api.get("products/", sku="b")) == []
    assert results(api.get("products/", barcode="869000000001")) == []  # not a prefix search


def test_product_list_costs_the_same_for_3_or_50_products(api):
    api.get("products/")  # the token's first use of the minute is written down once: not counted
    with counted_statements() as few:
        results(api.get("products/", page_size=100))
    api.put("products/", [{"sku": f"P{n}", "name": f"Product {n}", "attributes": {"n": n}} for n in range(47)])
    with counted_statements() as many:
        assert len(results(api.get("products/", page_size=100))) == 50
    assert len(many) == len(few) <= 4  # token, count, page (+ the read transaction's set-up)


# --- GET cargo-company/ ------------------------------------------------------------------------------


def test_cargo_company_list_shows_every_carrier_with_its_details(api):
    api.put(
        "cargo-company/",
        [
            {"erp_code": "mng", "name": "MNG Kargo", "is_active": False},
            {
                "erp_code": "hepsijet",
                "name": "HepsiJET",
                "label_mode": "async",
                "tracking_url_template": "t/{tracking_number}",
            },
        ],
    )
    fresh()
    carriers = db.session.scalars(select(CargoCompany).order_by(CargoCompany.id)).all()

    listed = results(api.get("cargo-company/", page_size=100))

    assert listed == [
        {
            "id": c.id,
            "name": c.name,
            "erp_code": c.erp_code,
            "label_mode": c.label_mode,
            "tracking_url_template": c.tracking_url_template,
            "is_active": c.is_active,
        }
        for c in carriers
    ]
    assert {"mng", "hepsijet"} <= {row["erp_code"] for row in listed}
    assert [row["is_active"] for row in listed if row["erp_code"] == "mng"] == [False]
