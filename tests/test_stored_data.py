"""Data stored before the strict intake (issue 8): an order whose customer or address holds numbers,
objects or lists where text belongs. Every page shows it as text and packing still works.

The rows are written with SQL, as an older release could have left them.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import text

from oms_dashboard.extensions import db
from tests.helpers import API, ApiClient, fresh, order, package, run, sign_in, slug, status_of, token

ODD_CUSTOMERS = [
    ("number", {"first_name": 5, "last_name": 7.5}, ["5", "7.5"]),
    ("object", {"first_name": {"given": "Ayşe"}, "last_name": "Yılmaz", "email": {"a": 1}}, ["Ayşe", "Yılmaz"]),
    ("list", {"first_name": ["Ayşe", "Nur"], "last_name": True, "phone": [5, 5]}, ["Ayşe", "Nur"]),
    ("customer-is-a-list", ["Ayşe", "Yılmaz"], ["Ayşe", "Yılmaz"]),
    ("customer-is-a-string", "Ayşe Yılmaz", ["Ayşe Yılmaz"]),
    ("customer-is-null", None, []),
]
ODD_ADDRESSES = {"number": {"city": 34, "line": 12}, "list": ["Moda Cd. 1", "İstanbul"], "null": None}


def store(order_number: str, *, customer: Any, address: Any) -> None:
    """Overwrite the order's JSON columns as raw JSON text, bypassing every check of today's intake."""
    fresh()
    kind = "jsonb" if db.engine.dialect.name == "postgresql" else "text"
    db.session.execute(
        text(
            f"UPDATE orders SET customer = CAST(:customer AS {kind}), shipping_address = CAST(:address AS {kind})"
            " WHERE number = :number"
        ),
        {"customer": json.dumps(customer), "address": json.dumps(address), "number": order_number},
    )
    db.session.commit()


@pytest.fixture
def odd_order(two_stores, request):
    case, customer, expected = request.param
    [package_id] = order("7001", "A", "B", prefer="L1")
    store("7001", customer=customer, address=ODD_ADDRESSES["number" if case == "number" else "list"])
    return package_id, expected


@pytest.fixture
def manager(client, two_stores):
    sign_in(client, "murat")
    return client


ids = [case for case, _, _ in ODD_CUSTOMERS]


@pytest.mark.parametrize("odd_order", ODD_CUSTOMERS, ids=ids, indirect=True)
def test_package_pages_show_an_odd_customer_as_text(manager, odd_order):
    package_id, expected = odd_order
    for path in (f"/packages/{package_id}", f"/packages/{package_id}/document", "/packages/", "/packages/?q=7001P1"):
        response = manager.get(path)
        assert response.status_code in {200, 302}, (path, response.get_data(as_text=True)[:2000])
        if response.status_code == 200 and path != "/packages/?q=7001P1":
            page = response.get_data(as_text=True)
            assert all(part in page for part in expected), (path, expected)


@pytest.mark.parametrize("odd_order", ODD_CUSTOMERS, ids=ids, indirect=True)
def test_an_odd_customer_does_not_break_packing_or_the_label(manager, odd_order):
    package_id, expected = odd_order
    run(package_id, "COMPLETE_PACKAGING")
    assert status_of(package_id).slug == "packed"

    response = manager.get(f"/packages/{package_id}/label")
    assert response.status_code == 200, response.get_data(as_text=True)[:2000]
    page = response.get_data(as_text=True)
    assert all(part in page for part in expected)


@pytest.mark.parametrize("odd_order", ODD_CUSTOMERS[:3], ids=ids[:3], indirect=True)
def test_an_odd_customer_does_not_break_packing_through_the_api(client, odd_order):
    package_id, _ = odd_order
    api = ApiClient(client, token())
    response = api.command(package_id, {"slug": slug("COMPLETE_PACKAGING", 100)})
    assert response.status_code == 204, response.get_data(as_text=True)
    assert api.get(f"packages/{package_id}/").status_code == 200
    assert api.client.get(f"{API}/packages/", headers=api.headers).status_code == 200


@pytest.mark.parametrize("address", list(ODD_ADDRESSES.values()), ids=list(ODD_ADDRESSES))
def test_an_odd_address_does_not_break_the_pages(manager, two_stores, address):
    [package_id] = order("7002", "A", prefer="L1")
    store("7002", customer={"first_name": "Ayşe"}, address=address)
    run(package_id, "COMPLETE_PACKAGING")
    for path in (f"/packages/{package_id}", f"/packages/{package_id}/document", f"/packages/{package_id}/label"):
        response = manager.get(path)
        assert response.status_code == 200, (path, response.get_data(as_text=True)[:2000])


@pytest.mark.parametrize("address", list(ODD_ADDRESSES.values()), ids=list(ODD_ADDRESSES))
def test_an_odd_address_does_not_break_replanning(two_stores, address):
    """Planning reads the delivery city (SAME_CITY): an old address that is not an object has none."""
    [package_id] = order("7003", "A", "B", prefer="L1")
    store("7003", customer={"first_name": "Ayşe"}, address=address)
    first_item = min(item.id for item in package(package_id).active_items)

    result = run(package_id, "DETECTED_OUT_OF_STOCK_ITEM", package_items=[first_item])

    assert result.status_code == 200
    assert status_of(package_id).slug == "out_of_stock"
