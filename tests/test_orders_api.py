"""Order intake (`POST orders/`), the ERP's stock push (`PUT stocks/`) and MANUAL_PLANNING
through the JSON API (DESIGN §4, §5).

Every request goes through the API as an ERP sends it; the tables are read back directly.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import func, select

from oms_dashboard.extensions import db
from oms_dashboard.models import (
    DenialReason,
    Order,
    OrderItem,
    PackageItem,
    Reservation,
    Shipment,
    Stock,
    StockLocation,
)
from oms_dashboard.states import PackageStatus as S
from tests.helpers import (
    API,
    ApiClient,
    available,
    fresh,
    location,
    order,
    package,
    product,
    quota,
    run,
    skus_in,
    snapshot,
    status_of,
    stock,
    token,
)
from tests.invariants import assert_invariants

BARCODE = {"A": "8690000000011", "B": "8690000000028", "C": "8690000000035"}


# --- the world ------------------------------------------------------------------------------------


@pytest.fixture
def world(app):
    """Kadıköy (L1, first choice) and Beşiktaş (L2) in İstanbul; Üsküdar (L3) holds no stock rows at all.

    L1 has 10 A and 10 B; L2 has 10 A and a single B. Nobody has C.
    """
    location("L1", priority=80, name="Kadıköy", cargo="yurtici")
    location("L2", priority=70, name="Beşiktaş", cargo="yurtici")
    location("L3", priority=60, name="Üsküdar", cargo="yurtici")
    for sku in ("A", "B", "C"):
        product(sku, barcode=BARCODE[sku], name=f"Product {sku}")
    stock("L1", "A", 10)
    stock("L1", "B", 10)
    stock("L2", "A", 10)
    stock("L2", "B", 1)


class Erp(ApiClient):
    def put(self, path: str, data: Any):
        body = data if isinstance(data, (str, bytes)) else json.dumps(data)
        return self.client.put(f"{API}/{path}", data=body, headers=self.headers | {"Content-Type": "application/json"})

    def place(self, body: Any):
        return self.post_raw("orders/", body)

    def push(self, rows: Any):
        return self.put("stocks/", rows)


@pytest.fixture
def api(client, world):
    """A token that may act on every location."""
    return Erp(client, token(name="ERP"))


@pytest.fixture
def kadikoy(client, world):
    """A token bound to L1."""
    return Erp(client, token("L1", name="Kadıköy ERP"))


def order_body(number: str = "WEB-1001", **overrides: Any) -> dict[str, Any]:
    body = {
        "number": number,
        "channel": "web",
        "customer": {"first_name": "Ayşe", "last_name": "Yılmaz", "email": "ayse@example.com"},
        "shipping_address": {"city": "İstanbul", "line": "Moda Cd. 1", "district": "Kadıköy"},
        "items": [{"sku": "A", "quantity": 2}, {"sku": "B", "quantity": 1}],
    }
    body.update(overrides)
    return body


# --- reading the tables ---------------------------------------------------------------------------


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def everything() -> dict[str, Any]:
    """snapshot() plus the orders and their items, which order intake writes."""
    state = snapshot()
    state["orders"] = sorted(
        db.session.execute(
            select(Order.id, Order.number, Order.channel, Order.cargo_company_id, Order.tracking_number)
        ).all()
    )
    state["order_items"] = count(OrderItem)
    state["stock_rows"] = sorted(db.session.execute(select(Stock.stock_location_id, Stock.product_id)).all())
    return state


@contextmanager
def nothing_changes():
    """The request inside the block must leave every table as it was."""
    before = everything()
    yield
    assert everything() == before


def stored_order(number: str) -> Order:
    fresh()
    return db.session.scalars(select(Order).where(Order.number == number)).one()


def erp_code_of(package_id: int) -> str:
    return package(package_id).stock_location.erp_code


def items_by_sku(package_id: int) -> dict[str, list[int]]:
    items: dict[str, list[int]] = defaultdict(list)
    for item in package(package_id).active_items:
        items[item.product.sku].append(item.id)
    return dict(items)


def active_item_ids(package_id: int) -> list[int]:
    return [item.id for item in package(package_id).active_items]


def reservation_places(package_id: int) -> list[tuple[str, str]]:
    """(location erp_code, sku) of each reservation held by the package's items."""
    fresh()
    from oms_dashboard.models import Product

    return sorted(
        db.session.execute(
            select(StockLocation.erp_code, Product.sku)
            .select_from(Reservation)
            .join(PackageItem, PackageItem.id == Reservation.package_item_id)
            .join(Stock, Stock.id == Reservation.stock_id)
            .join(StockLocation, StockLocation.id == Stock.stock_location_id)
            .join(Product, Product.id == Stock.product_id)
            .where(PackageItem.package_id == package_id)
        ).all()
    )


def reserved(erp_code: str, sku: str) -> int:
    """Reserved units of a stock row, 0 when the row does not exist."""
    fresh()
    from oms_dashboard.models import Product

    value = db.session.scalar(
        select(Stock.reserved)
        .join(StockLocation, StockLocation.id == Stock.stock_location_id)
        .join(Product, Product.id == Stock.product_id)
        .where(StockLocation.erp_code == erp_code, Product.sku == sku)
    )
    return value or 0


def stock_row_exists(erp_code: str, sku: str) -> bool:
    fresh()
    from oms_dashboard.models import Product

    return (
        db.session.scalar(
            select(func.count())
            .select_from(Stock)
            .join(StockLocation, StockLocation.id == Stock.stock_location_id)
            .join(Product, Product.id == Stock.product_id)
            .where(StockLocation.erp_code == erp_code, Product.sku == sku)
        )
        == 1
    )


def denial_reason_id() -> int:
    fresh()
    return db.session.scalars(select(DenialReason.id).where(DenialReason.is_active).order_by(DenialReason.id)).first()


def assert_bad_request(response, field: str, case: object = None) -> None:
    """400 `{"error": {"<field>": [messages]}, "status_code": 400}` naming exactly this field."""
    assert response.status_code == 400, (case, response.status_code, response.get_data(as_text=True))
    body = response.get_json()
    assert set(body) == {"error", "status_code"} and body["status_code"] == 400, (case, body)
    assert list(body["error"]) == [field], (case, body)
    messages = body["error"][field]
    if field == "non_field_errors":
        assert (isinstance(messages, str) and messages) or (
            isinstance(messages, list) and messages and all(isinstance(m, str) and m for m in messages)
        ), (case, body)
    else:
        assert isinstance(messages, list) and messages and all(isinstance(m, str) and m for m in messages), (
            case,
            body,
        )


def assert_forbidden(response) -> None:
    assert response.status_code == 403, response.get_data(as_text=True)
    assert response.get_json()["status_code"] == 403


# --- POST orders/: success ------------------------------------------------------------------------


def test_order_intake_answers_201_with_the_order_and_its_planned_package(api):
    response = api.place(order_body())

    assert response.status_code == 201, response.get_data(as_text=True)
    body = response.get_json()
    assert set(body) == {"id", "number", "packages"}
    saved = stored_order("WEB-1001")
    assert body["id"] == saved.id and body["number"] == "WEB-1001"
    [pid] = body["packages"]
    assert status_of(pid) is S.WAITING
    assert erp_code_of(pid) == "L1"  # same city, highest priority, has everything
    assert package(pid).order_id == saved.id
    assert_invariants()


def test_order_intake_makes_one_package_item_per_unit_and_reserves_each(api):
    [pid] = api.place(order_body()).get_json()["packages"]

    assert skus_in(pid) == ["A", "A", "B"]  # quantity 2 of A is two items
    assert len({item.order_item_id for item in package(pid).active_items}) == 3
    assert all(item.status == "waiting" for item in package(pid).active_items)
    assert count(OrderItem) == 3
    assert reservation_places(pid) == [("L1", "A"), ("L1", "A"), ("L1", "B")]
    assert available("L1", "A") == (10, 2) and available("L1", "B") == (10, 1)
    assert available("L2", "A") == (10, 0)
    assert quota("L1") == 1 and quota("L2") == 0
    assert_invariants()


def test_order_intake_stores_the_customer_the_address_and_the_channel(api):
    sent = order_body()
    api.place(sent)

    saved = stored_order("WEB-1001")
    assert saved.channel == "web"
    assert saved.customer == sent["customer"]
    assert saved.shipping_address.items() >= sent["shipping_address"].items()
    assert saved.cargo_company_id is None and saved.tracking_number is None


def test_order_intake_plans_elsewhere_when_the_first_location_lacks_stock(api):
    response = api.place(order_body(items=[{"sku": "A", "quantity": 11}]))

    assert response.status_code == 201, response.get_data(as_text=True)
    packages = response.get_json()["packages"]
    assert all(status_of(pid) is S.WAITING for pid in packages)
    assert sorted(sku for pid in packages for sku in skus_in(pid)) == ["A"] * 11
    assert reserved("L1", "A") + reserved("L2", "A") == 11
    assert_invariants()


def test_repeated_order_number_returns_the_first_answer_and_creates_nothing(api):
    first = api.place(order_body())
    assert first.status_code == 201

    with nothing_changes():
        again = api.place(order_body())

    assert again.status_code == 201
    assert again.get_json() == first.get_json()


def test_the_same_order_sent_again_returns_the_first_answer(api):
    first = api.place(order_body())
    with nothing_changes():
        again = api.place(dict(reversed(list(order_body().items()))))  # key order does not matter

    assert again.status_code == 201
    assert again.get_json() == first.get_json()


def test_an_order_number_resent_with_a_different_body_is_a_conflict_naming_number(api):
    first = api.place(order_body())
    assert first.status_code == 201

    different = order_body(
        channel="marketplace",
        customer={"first_name": "Mehmet"},
        shipping_address={"city": "Ankara"},
        items=[{"sku": "B", "quantity": 1}],
        cargo_company="aras",
        tracking_number="MP-1",
    )
    with nothing_changes():
        again = api.place(different)

    assert again.status_code == 409
    assert list(again.get_json()["error"]) == ["number"]
    assert again.get_json()["status_code"] == 409
    saved = stored_order("WEB-1001")
    assert saved.channel == "web" and saved.customer["first_name"] == "Ayşe"
    assert saved.shipping_address["city"] == "İstanbul"


def test_repeated_order_returns_every_package_the_first_intake_made(api):
    first = api.place(order_body(items=[{"sku": "A", "quantity": 1}, {"sku": "C", "quantity": 1}]))
    assert first.status_code == 201 and len(first.get_json()["packages"]) == 2

    with nothing_changes():
        again = api.place(order_body(items=[{"sku": "A", "quantity": 1}, {"sku": "C", "quantity": 1}]))

    assert again.status_code == 201 and again.get_json() == first.get_json()


def test_marketplace_carrier_and_tracking_number_are_used_when_packing_by_barcode(api):
    response = api.place(order_body("MP-2001", channel="marketplace", cargo_company="aras", tracking_number="ARAS-778"))
    assert response.status_code == 201, response.get_data(as_text=True)
    saved = stored_order("MP-2001")
    assert saved.cargo_company.erp_code == "aras" and saved.tracking_number == "ARAS-778"
    [pid] = response.get_json()["packages"]

    packed = api.run(pid, "CHANNEL_BASED_COMPLETE_PACKAGING", barcodes=[BARCODE["A"], BARCODE["B"], BARCODE["A"]])

    assert packed.status_code == 204, packed.get_data(as_text=True)
    assert status_of(pid) is S.PACKED
    fresh()
    shipment = db.session.scalars(select(Shipment).where(Shipment.package_id == pid)).one()
    # The order's carrier, not L1's default (Yurtiçi).
    assert (shipment.cargo_company.erp_code, shipment.tracking_number) == ("aras", "ARAS-778")
    assert_invariants()


def test_items_nobody_has_go_to_an_out_of_stock_package(api):
    response = api.place(order_body(items=[{"sku": "C", "quantity": 2}]))

    assert response.status_code == 201, response.get_data(as_text=True)
    [pid] = response.get_json()["packages"]
    assert status_of(pid) is S.OUT_OF_STOCK
    assert skus_in(pid) == ["C", "C"]
    assert reservation_places(pid) == []
    assert quota("L1") == 0 and quota("L2") == 0 and quota("L3") == 0
    assert_invariants()


def test_items_nobody_has_are_split_from_the_ones_that_can_be_planned(api):
    response = api.place(order_body(items=[{"sku": "A", "quantity": 1}, {"sku": "C", "quantity": 1}]))

    assert response.status_code == 201, response.get_data(as_text=True)
    packages = response.get_json()["packages"]
    by_status = {status_of(pid): pid for pid in packages}
    assert set(by_status) == {S.WAITING, S.OUT_OF_STOCK}
    assert skus_in(by_status[S.WAITING]) == ["A"] and skus_in(by_status[S.OUT_OF_STOCK]) == ["C"]
    assert erp_code_of(by_status[S.WAITING]) == "L1"
    assert available("L1", "A") == (10, 1)
    assert_invariants()


# --- POST orders/: refused --------------------------------------------------------------------------


def _without(key: str) -> dict[str, Any]:
    body = order_body()
    del body[key]
    return body


def _quantity(value: Any) -> dict[str, Any]:
    return order_body(items=[{"sku": "A", "quantity": value}])


BAD_ORDERS = [
    ("missing_number", _without("number"), "number"),
    ("blank_number", order_body(number="  "), "number"),
    ("number_not_a_string", order_body(number=["1001"]), "number"),
    ("missing_items", _without("items"), "items"),
    ("empty_items", order_body(items=[]), "items"),
    ("items_not_a_list", order_body(items={"sku": "A"}), "items"),
    ("quantity_0", _quantity(0), "items"),
    ("quantity_negative", _quantity(-1), "items"),
    ("quantity_a_word", _quantity("two"), "items"),
    ("quantity_true", _quantity(True), "items"),
    ("quantity_fraction", _quantity(1.5), "items"),
    ("quantity_null", _quantity(None), "items"),
    ("line_without_sku", order_body(items=[{"quantity": 1}]), "items"),
    ("unknown_sku", order_body(items=[{"sku": "A", "quantity": 1}, {"sku": "NOPE", "quantity": 1}]), "items"),
    ("missing_shipping_address", _without("shipping_address"), "shipping_address"),
    ("shipping_address_without_city", order_body(shipping_address={"line": "Moda Cd. 1"}), "shipping_address"),
    ("shipping_address_blank_city", order_body(shipping_address={"city": ""}), "shipping_address"),
    ("shipping_address_not_an_object", order_body(shipping_address="İstanbul"), "shipping_address"),
    ("unknown_cargo_company", order_body(cargo_company="no-such-carrier", tracking_number="T1"), "cargo_company"),
    ("customer_not_an_object", order_body(customer="Ayşe"), "customer"),
    ("one_line_over_1000_units", _quantity(1001), "items"),
    ("1001_lines_of_one_unit", order_body(items=[{"sku": "A", "quantity": 1}] * 1001), "items"),
]


def test_bad_order_is_400_naming_the_field_and_stores_nothing(api):
    for case, body, field in BAD_ORDERS:
        with nothing_changes():
            response = api.place(body)

        assert_bad_request(response, field, case)


def test_more_than_1000_units_over_several_lines_is_400_naming_items(api):
    body = order_body(items=[{"sku": "A", "quantity": 600}, {"sku": "B", "quantity": 401}])

    with nothing_changes():
        response = api.place(body)

    assert_bad_request(response, "items", body)


def test_exactly_1000_units_are_accepted(api):
    stock("L1", "A", 1000)

    response = api.place(order_body(items=[{"sku": "A", "quantity": 1000}]))

    assert response.status_code == 201, response.get_data(as_text=True)
    [pid] = response.get_json()["packages"]
    assert len(active_item_ids(pid)) == 1000


def test_order_body_that_is_not_a_json_object_is_400_and_stores_nothing(api):
    for raw in ("not json {", "", '[{"sku": "A", "quantity": 1}]', json.dumps([order_body()]), '"WEB-1001"', "null"):
        with nothing_changes():
            response = api.place(raw)

        assert_bad_request(response, "non_field_errors", raw)


def test_failed_intake_does_not_keep_the_order_number(api):
    assert api.place(order_body(items=[{"sku": "NOPE", "quantity": 1}])).status_code == 400

    response = api.place(order_body())

    assert response.status_code == 201
    assert len(response.get_json()["packages"]) == 1


def test_location_bound_token_may_not_place_orders(kadikoy):
    with nothing_changes():
        response = kadikoy.place(order_body())

    assert_forbidden(response)


def test_order_intake_without_a_token_is_401(client, world):
    with nothing_changes():
        response = client.post(f"{API}/orders/", json=order_body())

    assert response.status_code == 401
    assert response.get_json()["status_code"] == 401


# --- PUT stocks/ ------------------------------------------------------------------------------------


def test_stock_push_replaces_quantities_and_creates_missing_rows(api):
    response = api.push(
        [
            {"stock_location": "L1", "sku": "A", "quantity": 3},
            {"stock_location": "L2", "sku": "B", "quantity": 40},
            {"stock_location": "L3", "sku": "A", "quantity": 7},
            {"stock_location": "L3", "sku": "C", "quantity": 0},
        ]
    )

    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json() == {"updated": 4}
    assert available("L1", "A") == (3, 0)  # replaced, not 10 + 3
    assert available("L2", "B") == (40, 0)
    assert available("L3", "A") == (7, 0)
    assert available("L3", "C") == (0, 0)
    assert available("L1", "B") == (10, 0)  # not in the push: untouched
    assert_invariants()


def test_stock_push_of_a_sku_without_a_row_at_the_location_creates_it(api):
    assert not stock_row_exists("L2", "C")

    response = api.push([{"stock_location": "L2", "sku": "C", "quantity": 5}])

    assert response.status_code == 200 and response.get_json() == {"updated": 1}
    assert available("L2", "C") == (5, 0)
    # ... and planning now finds it there.
    placed = api.place(order_body("WEB-C", items=[{"sku": "C", "quantity": 2}]))
    [pid] = placed.get_json()["packages"]
    assert status_of(pid) is S.WAITING and erp_code_of(pid) == "L2"
    assert available("L2", "C") == (5, 2)
    assert_invariants()


def test_stock_push_keeps_the_reserved_units(api):
    [pid] = api.place(order_body(items=[{"sku": "A", "quantity": 2}])).get_json()["packages"]
    assert available("L1", "A") == (10, 2)

    assert api.push([{"stock_location": "L1", "sku": "A", "quantity": 4}]).status_code == 200

    assert available("L1", "A") == (4, 2)
    assert reservation_places(pid) == [("L1", "A"), ("L1", "A")]
    assert status_of(pid) is S.WAITING
    assert_invariants()


def test_stock_push_below_the_reserved_units_leaves_nothing_available_there(api):
    api.place(order_body(items=[{"sku": "A", "quantity": 2}]))

    assert api.push([{"stock_location": "L1", "sku": "A", "quantity": 1}]).status_code == 200

    assert available("L1", "A") == (1, 2)
    [pid] = api.place(order_body("WEB-1002", items=[{"sku": "A", "quantity": 1}])).get_json()["packages"]
    assert erp_code_of(pid) == "L2"  # L1 has no A left to give
    assert_invariants()


def test_stock_push_of_the_same_quantities_again_changes_nothing(api):
    rows = [{"stock_location": "L1", "sku": "A", "quantity": 10}, {"stock_location": "L2", "sku": "B", "quantity": 1}]

    with nothing_changes():
        response = api.push(rows)

    assert response.status_code == 200 and response.get_json() == {"updated": 2}


GOOD_ROW = {"stock_location": "L1", "sku": "A", "quantity": 99}


def _row(**fields: Any) -> dict[str, Any]:
    row = {"stock_location": "L2", "sku": "A", "quantity": 5} | fields
    return {key: value for key, value in row.items() if value is not ...}


BAD_STOCK_ROWS = [
    ("unknown_location", _row(stock_location="NOPE"), "stock_location"),
    ("missing_location", _row(stock_location=...), "stock_location"),
    ("blank_location", _row(stock_location=""), "stock_location"),
    ("location_not_a_string", _row(stock_location=2), "stock_location"),
    ("unknown_sku", _row(sku="NOPE"), "sku"),
    ("missing_sku", _row(sku=...), "sku"),
    ("blank_sku", _row(sku=""), "sku"),
    ("negative_quantity", _row(quantity=-1), "quantity"),
    ("quantity_a_word", _row(quantity="five"), "quantity"),
    ("quantity_fraction", _row(quantity=2.5), "quantity"),
    ("quantity_true", _row(quantity=True), "quantity"),
    ("quantity_null", _row(quantity=None), "quantity"),
    ("missing_quantity", _row(quantity=...), "quantity"),
]


def test_bad_stock_row_among_good_ones_is_400_naming_the_field_and_changes_nothing(api):
    for case, bad_row, field in BAD_STOCK_ROWS:
        rows = [GOOD_ROW, bad_row, {"stock_location": "L3", "sku": "B", "quantity": 4}]

        with nothing_changes():
            response = api.push(rows)

        assert_bad_request(response, field, case)
        assert not stock_row_exists("L3", "B")
        assert available("L1", "A") == (10, 0)


def test_the_same_location_and_sku_twice_is_400_and_changes_nothing(api):
    rows = [GOOD_ROW, {"stock_location": "L1", "sku": "A", "quantity": 5}]

    with nothing_changes():
        response = api.push(rows)

    assert response.status_code == 400, response.get_data(as_text=True)
    body = response.get_json()
    assert body["status_code"] == 400 and len(body["error"]) == 1
    [(field, messages)] = body["error"].items()
    assert field in {"sku", "stock_location"} and messages


def test_the_same_sku_at_two_locations_is_not_a_duplicate(api):
    response = api.push([GOOD_ROW, {"stock_location": "L2", "sku": "A", "quantity": 5}])

    assert response.status_code == 200 and response.get_json() == {"updated": 2}
    assert available("L1", "A") == (99, 0) and available("L2", "A") == (5, 0)


def test_stock_push_that_is_not_a_list_is_400_and_changes_nothing(api):
    for raw in (json.dumps(GOOD_ROW), "not json [", "", "null", '"L1"', "42"):
        with nothing_changes():
            response = api.push(raw)

        assert_bad_request(response, "non_field_errors", raw)


def test_stock_push_rows_that_are_not_objects_are_400_and_change_nothing(api):
    for raw in ('[["L1", "A", 1]]', "[42]", json.dumps([GOOD_ROW, "L2 A 5"])):
        with nothing_changes():
            response = api.push(raw)

        assert response.status_code == 400, (raw, response.get_data(as_text=True))
        body = response.get_json()
        assert body["status_code"] == 400 and len(body["error"]) == 1 and all(body["error"].values()), body


def test_empty_stock_push_is_400_and_changes_nothing(api):
    with nothing_changes():
        response = api.push([])

    assert_bad_request(response, "non_field_errors")


def test_empty_stock_push_gives_non_field_errors_as_one_string_like_a_non_list_body(api):
    not_a_list = api.push(GOOD_ROW).get_json()["error"]["non_field_errors"]
    empty = api.push([]).get_json()["error"]["non_field_errors"]

    assert isinstance(not_a_list, str)
    assert isinstance(empty, str) and empty


def test_location_bound_token_may_push_stock_of_its_location(kadikoy):
    response = kadikoy.push([{"stock_location": "L1", "sku": "B", "quantity": 3}])

    assert response.status_code == 200 and response.get_json() == {"updated": 1}
    assert available("L1", "B") == (3, 0)


@pytest.mark.parametrize(
    "rows",
    [
        [{"stock_location": "L2", "sku": "A", "quantity": 3}],
        [{"stock_location": "L1", "sku": "B", "quantity": 3}, {"stock_location": "L2", "sku": "A", "quantity": 3}],
    ],
    ids=["other_location_only", "own_and_other_location"],
)
def test_location_bound_token_gets_403_for_another_location_and_changes_nothing(kadikoy, rows):
    with nothing_changes():
        response = kadikoy.push(rows)

    assert_forbidden(response)
    assert available("L1", "B") == (10, 0)


def test_stock_push_without_a_token_is_401_and_changes_nothing(client, world):
    with nothing_changes():
        response = client.put(f"{API}/stocks/", json=[GOOD_ROW])

    assert response.status_code == 401


# --- MANUAL_PLANNING --------------------------------------------------------------------------------


def manual_planning(api: Erp, package_id: int, *groups: tuple[list[int], str]):
    return api.run(
        package_id,
        "MANUAL_PLANNING",
        assignment_groups=[{"package_items": items, "stock_location": code} for items, code in groups],
    )


def new_packages(response) -> list[int]:
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()
    assert set(body) == {"packages"}
    return body["packages"]


@pytest.fixture
def waiting(world):
    """Order 3001: A, A, B waiting at L1 (reserved there)."""
    [pid] = order("3001", "A", "A", "B", prefer="L1")
    assert status_of(pid) is S.WAITING and erp_code_of(pid) == "L1"
    return pid


def test_manual_planning_splits_the_package_over_the_given_locations(api, waiting):
    items = items_by_sku(waiting)
    assert available("L1", "A") == (10, 2) and available("L1", "B") == (10, 1)
    assert quota("L1") == 1 and quota("L2") == 0

    response = manual_planning(api, waiting, (items["A"], "L2"), (items["B"], "L1"))

    to_l2, to_l1 = new_packages(response)
    assert status_of(waiting) is S.CANCELLED
    assert (status_of(to_l2), erp_code_of(to_l2), skus_in(to_l2)) == (S.WAITING, "L2", ["A", "A"])
    assert (status_of(to_l1), erp_code_of(to_l1), skus_in(to_l1)) == (S.WAITING, "L1", ["B"])
    assert package(to_l2).order_id == package(waiting).order_id == package(to_l1).order_id
    # Reservations moved with the items.
    assert reservation_places(waiting) == []
    assert reservation_places(to_l2) == [("L2", "A"), ("L2", "A")]
    assert reservation_places(to_l1) == [("L1", "B")]
    assert available("L1", "A") == (10, 0) and available("L2", "A") == (10, 2)
    assert available("L1", "B") == (10, 1) and available("L2", "B") == (1, 0)
    # The old package leaves L1's quota, each new one takes a slot where it is.
    assert quota("L1") == 1 and quota("L2") == 1
    assert_invariants()


def test_manual_planning_links_every_old_item_to_its_new_item(api, waiting):
    items = items_by_sku(waiting)
    old = {item.id: item.order_item_id for item in package(waiting).active_items}

    new = new_packages(manual_planning(api, waiting, (items["A"], "L2"), (items["B"], "L1")))

    new_items = {item.id: item for pid in new for item in package(pid).items}
    expected_package = {item_id: new[0] for item_id in items["A"]} | {item_id: new[1] for item_id in items["B"]}
    for item in package(waiting).items:
        assert item.status == "replanned" and not item.is_active
        target = new_items[item.replanned_to_id]
        assert target.order_item_id == old[item.id]
        assert target.package_id == expected_package[item.id]
        assert target.status == "waiting" and target.is_active
    assert package(waiting).active_items == []
    assert_invariants()


def test_manual_planning_to_the_same_location_keeps_the_units_reserved_there(api, waiting):
    response = manual_planning(api, waiting, (active_item_ids(waiting), "L1"))

    [new] = new_packages(response)
    assert (status_of(new), erp_code_of(new), skus_in(new)) == (S.WAITING, "L1", ["A", "A", "B"])
    assert available("L1", "A") == (10, 2) and available("L1", "B") == (10, 1)
    assert quota("L1") == 1
    assert_invariants()


def test_manual_planning_can_take_the_last_available_unit(api, world):
    [pid] = order("3002", "B", prefer="L1")

    [new] = new_packages(manual_planning(api, pid, (active_item_ids(pid), "L2")))

    assert erp_code_of(new) == "L2" and available("L2", "B") == (1, 1)
    assert available("L1", "B") == (10, 0)
    assert_invariants()


def _from_waiting() -> int:
    [pid] = order("3101", "A", "B", prefer="L1")
    return pid


def _from_preparing() -> int:
    pid = _from_waiting()
    run(pid, "PKG_STATE_TRANSITION")
    return pid


def _from_needs_rescheduling() -> int:
    pid = _from_waiting()
    run(pid, "REFUSE_WITH_DENIAL_REASON", denial_reason=denial_reason_id())
    return pid


def _from_out_of_stock() -> int:
    [pid] = order("3101", "C", "C")  # nobody has C yet
    stock("L2", "C", 5)  # ... now L2 has
    return pid


SOURCES: dict[S, Callable[[], int]] = {
    S.WAITING: _from_waiting,
    S.PREPARING: _from_preparing,
    S.NEEDS_RESCHEDULING: _from_needs_rescheduling,
    S.OUT_OF_STOCK: _from_out_of_stock,
}


@pytest.mark.parametrize("source", list(SOURCES), ids=[source.slug for source in SOURCES])
def test_manual_planning_runs_from_each_source_state(api, source):
    pid = SOURCES[source]()
    assert status_of(pid) is source
    skus = skus_in(pid)
    old_location = erp_code_of(pid)
    reserved_before = {sku: reserved(old_location, sku) for sku in set(skus)}
    quota_before = {code: quota(code) for code in ("L1", "L2")}

    [new] = new_packages(manual_planning(api, pid, (active_item_ids(pid), "L2")))

    assert status_of(pid) is S.CANCELLED
    assert all(item.status == "replanned" for item in package(pid).items)
    assert (status_of(new), erp_code_of(new), skus_in(new)) == (S.WAITING, "L2", skus)
    assert reservation_places(new) == sorted(("L2", sku) for sku in skus)
    if source.holds_quota:  # its reservations at L1 are given back
        assert all(reserved(old_location, sku) == reserved_before[sku] - skus.count(sku) for sku in set(skus))
    held = 1 if source.holds_quota else 0
    assert quota("L1") == quota_before["L1"] - held
    assert quota("L2") == quota_before["L2"] + 1
    assert_invariants()


@pytest.fixture
def other_item(world):
    """An item of another order's package at L1."""
    [pid] = order("3900", "A", prefer="L1")
    return active_item_ids(pid)[0]


def _groups(items: dict[str, list[int]], other: int) -> dict[str, list[dict[str, Any]]]:
    a1, a2 = items["A"]
    [b] = items["B"]
    return {
        "item_left_out": [{"package_items": [a1, a2], "stock_location": "L2"}],
        "item_in_two_groups": [
            {"package_items": [a1, a2], "stock_location": "L2"},
            {"package_items": [a2, b], "stock_location": "L1"},
        ],
        "item_twice_in_one_group": [{"package_items": [a1, a1, a2, b], "stock_location": "L1"}],
        "item_of_another_package": [
            {"package_items": [a1, a2], "stock_location": "L2"},
            {"package_items": [b, other], "stock_location": "L1"},
        ],
        "unknown_item_id": [{"package_items": [a1, a2, b, 987654], "stock_location": "L1"}],
        "unknown_stock_location": [
            {"package_items": [a1, a2], "stock_location": "NOPE"},
            {"package_items": [b], "stock_location": "L1"},
        ],
        "empty_groups": [],
        "group_without_items": [
            {"package_items": [a1, a2, b], "stock_location": "L1"},
            {"package_items": [], "stock_location": "L2"},
        ],
        "group_without_location": [{"package_items": [a1, a2, b]}],
        "item_id_not_an_integer": [{"package_items": [a1, a2, "b"], "stock_location": "L1"}],
        "item_id_true": [{"package_items": [a1, a2, b, True], "stock_location": "L1"}],
        "groups_not_a_list": {"package_items": [a1, a2, b], "stock_location": "L1"},
    }


def test_bad_assignment_groups_are_400_and_change_nothing(api, waiting, other_item):
    for case, groups in _groups(items_by_sku(waiting), other_item).items():
        with nothing_changes():
            response = api.run(waiting, "MANUAL_PLANNING", assignment_groups=groups)

        assert_bad_request(response, "assignment_groups", case)
        assert status_of(waiting) is S.WAITING


def test_missing_assignment_groups_is_400_and_changes_nothing(api, waiting):
    with nothing_changes():
        response = api.run(waiting, "MANUAL_PLANNING")

    assert_bad_request(response, "assignment_groups")


@pytest.mark.parametrize(
    "message_has, case",
    [("missing", "item_left_out"), ("more than one", "item_in_two_groups"), ("not items", "item_of_another_package")],
)
def test_assignment_group_errors_say_what_is_wrong_and_name_the_items(api, waiting, other_item, message_has, case):
    items = items_by_sku(waiting)
    groups = _groups(items, other_item)[case]
    culprit = {
        "item_left_out": items["B"][0],
        "item_in_two_groups": items["A"][1],
        "item_of_another_package": other_item,
    }

    response = api.run(waiting, "MANUAL_PLANNING", assignment_groups=groups)

    [message] = response.get_json()["error"]["assignment_groups"]
    assert message_has in message.lower() and str(culprit[case]) in message


def test_unknown_stock_location_is_named_in_the_error(api, waiting):
    response = manual_planning(api, waiting, (active_item_ids(waiting), "NOPE"))

    assert_bad_request(response, "assignment_groups")
    assert "NOPE" in response.get_json()["error"]["assignment_groups"][0]


def test_inactive_stock_location_is_refused_like_an_unknown_one(api, waiting):
    from oms_dashboard.services.catalog import add_location

    add_location(erp_code="L9", name="Closed Store", is_active=False)
    stock("L9", "A", 10)
    stock("L9", "B", 10)

    with nothing_changes():
        response = manual_planning(api, waiting, (active_item_ids(waiting), "L9"))

    assert_bad_request(response, "assignment_groups")


@pytest.mark.parametrize(
    "where",
    ["L2", "L3"],
    ids=["not_enough_units", "no_stock_row"],
)
def test_location_without_enough_stock_is_406_planning_100_1_and_changes_nothing(api, world, where):
    [pid] = order("3201", "B", "B", prefer="L1")  # L2 has one B; L3 has no B at all

    with nothing_changes():
        response = manual_planning(api, pid, (active_item_ids(pid), where))

    assert response.status_code == 406, response.get_data(as_text=True)
    body = response.get_json()
    assert body["status_code"] == 406 and body["error"]["error_code"] == "planning_100_1"
    assert body["error"]["non_field_errors"]


def test_units_reserved_by_other_packages_are_not_available_to_manual_planning(api, world):
    order("3301", "B", prefer="L2")  # takes L2's only B
    assert available("L2", "B") == (1, 1)
    [pid] = order("3302", "B", prefer="L1")

    with nothing_changes():
        response = manual_planning(api, pid, (active_item_ids(pid), "L2"))

    assert response.status_code == 406 and response.get_json()["error"]["error_code"] == "planning_100_1"


def test_one_group_without_stock_undoes_the_groups_before_it(api, waiting):
    items = items_by_sku(waiting)
    # A to L2 (fine), then B to L3 (no stock): nothing of the first group may remain.
    with nothing_changes():
        response = manual_planning(api, waiting, (items["A"], "L2"), (items["B"], "L3"))

    assert response.status_code == 406
    assert available("L1", "A") == (10, 2) and available("L2", "A") == (10, 0)
    assert_invariants()


def test_manual_planning_of_a_cancelled_package_is_not_allowed(api, waiting):
    items = active_item_ids(waiting)
    new_packages(manual_planning(api, waiting, (items, "L2")))
    fresh()

    from tests.helpers import slug

    body = {
        "slug": slug("MANUAL_PLANNING", S.WAITING),
        "input_parameters": {"assignment_groups": [{"package_items": items, "stock_location": "L1"}]},
    }
    with nothing_changes():
        response = api.command(waiting, body)

    assert response.status_code == 406
    assert response.get_json()["error"]["error_code"] == "commands_100_1"


def test_repeated_intake_after_manual_planning_still_returns_the_first_answer(api):
    first = api.place(order_body("WEB-4001"))
    [pid] = first.get_json()["packages"]
    new_packages(manual_planning(api, pid, (active_item_ids(pid), "L2")))

    with nothing_changes():
        again = api.place(order_body("WEB-4001"))

    assert again.status_code == 201 and again.get_json() == first.get_json()
