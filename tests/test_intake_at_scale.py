"""Order intake among many locations: planning reads only the locations that can serve the order.

The statements an intake costs do not grow with the number of locations, and locations that hold
none of the order's SKUs, are inactive, full or in another city change nothing in the plan.
"""

from __future__ import annotations

import pytest
from sqlalchemy import insert, select

from oms_dashboard.extensions import db
from oms_dashboard.models import Product, Stock, StockLocation
from tests.helpers import location, order, product, scenario, stock
from tests.invariants import assert_invariants
from tests.test_planning import CITY, QUOTA, outcome, rule, transfer, waiting
from tests.test_query_counts import counted_statements


def crowd(count: int, *, prefix: str, skus: str = "", quantity: int = 5, **columns) -> None:
    """`count` more locations, each holding `quantity` of every SKU in `skus`.

    Written straight into the tables: sixty locations through the master-data service would cost
    seconds per test, and planning reads nothing those writes would add."""
    rows = [
        {"erp_code": f"{prefix}{n:02d}", "name": f"{prefix} {n}", "type": "store", "city": "Ankara", "priority": 10}
        | columns
        for n in range(count)
    ]
    ids = db.session.scalars(insert(StockLocation).returning(StockLocation.id), rows).all()
    products = dict(db.session.execute(select(Product.sku, Product.id).where(Product.sku.in_(list(skus)))).all())
    if skus:
        db.session.execute(
            insert(Stock),
            [
                {"stock_location_id": location_id, "product_id": products[sku], "quantity": quantity, "reserved": 0}
                for location_id in ids
                for sku in skus
            ],
        )
    db.session.commit()


def intake_statements(number: str, *skus: str) -> tuple[int, list[int]]:
    with counted_statements() as statements:
        package_ids = order(number, *skus, shipping_address={"city": "İstanbul", "line": "Bağdat Cd. 1"})
    return len(statements), package_ids


def one_package_world() -> None:
    location("L1", priority=90)
    location("L2", priority=80)
    location("W1", priority=70, kind="warehouse")
    for sku in "ABC":
        product(sku)
        stock("L1", sku, 50)
        stock("W1", sku, 50)


def transfer_world() -> None:
    """Stores hold nothing: the transfer rule packs at the first-ranked store, which planning finds
    only by reading every active location, and brings the items in from warehouses."""
    location("S1", priority=90)
    location("W1", priority=40, kind="warehouse")
    location("W2", priority=30, kind="warehouse")
    for sku in "ABC":
        product(sku)
        stock("W1", sku, 50)
    scenario(rule(locations={"types": ["store"]}, transferable=True, order_by=["stock", "priority"]))


WORLDS = {
    "one-package": (one_package_world, dict(prefix="C", skus="ABC", priority=10)),
    "transfer-to-a-store-without-stock": (transfer_world, dict(prefix="C", priority=10)),
}


@pytest.mark.parametrize("world", WORLDS)
def test_an_intake_costs_the_same_statements_at_3_or_60_locations(app, world):
    build, crowd_settings = WORLDS[world]
    build()
    intake_statements("WARM", "A", "B", "C")  # the first intake caches the transitions and the scenario
    few, few_packages = intake_statements("FEW", "A", "B", "C")
    # 57 more: stores holding every SKU (or, for the transfer world, none) and warehouses that do.
    crowd(47, **crowd_settings)
    crowd(10, prefix="X", skus="ABC", type="warehouse", priority=5)
    many, many_packages = intake_statements("MANY", "A", "B", "C")

    assert outcome(many_packages) == outcome(few_packages)  # the same plan: only the crowd grew
    assert many == few, f"{few} statements at 3 locations, {many} at 60"
    assert_invariants()


def irrelevant_crowd(*, full_first: bool) -> None:
    """Locations that must not change a plan: higher priority than anything that can serve, but with
    none of the SKUs or inactive; warehouses in another city that rank below every case's; and, for
    rules that plan on free quota, full locations first (a full location may still send a transfer)."""
    crowd(30, prefix="EMPTY", priority=99, city="İstanbul")
    crowd(10, prefix="OFF", skus="AB", priority=98, city="İstanbul", is_active=False)
    crowd(10, prefix="FAR", skus="AB", priority=0, city="Ankara", type="warehouse")
    if full_first:
        crowd(10, prefix="FULL", skus="AB", priority=97, city="İstanbul", max_quota=0)


CASES = [
    pytest.param(
        [rule(conditions=[*CITY, *QUOTA])],
        {"K1": ("ISTANBUL", 20), "K2": ("İzmir", 95)},
        {"K1": "AB", "K2": "AB"},
        {},
        [waiting("K1", "AB")],
        id="same-city-under-another-spelling",
    ),
    pytest.param(
        [rule(conditions=QUOTA, allow_split=True)],
        {"Q1": ("Bursa", 30), "Q2": ("Bursa", 20), "Q3": ("Bursa", 10)},
        {"Q1": "A", "Q2": "B", "Q3": "AB"},
        {},
        [waiting("Q1", "A"), waiting("Q2", "B")],
        id="split-by-priority-past-full-locations",
    ),
    pytest.param(
        [rule(conditions=QUOTA, locations={"types": ["store"]}, transferable=True, order_by=["stock", "priority"])],
        {"T1": ("Bursa", 40), "T2": ("Bursa", 30), "T3": ("Bursa", 20)},
        {"T2": "A", "T3": "B"},
        {},
        [transfer("T2", "AB", T3="B")],
        id="transfer-to-the-location-with-the-most",
    ),
    pytest.param(
        None,
        {"P1": ("İstanbul", 1), "T2": ("Bursa", 30), "T3": ("Bursa", 20)},
        {"T2": "A", "T3": "AB"},
        {"delivery_type": "pickup", "pickup_location_code": "P1"},
        [transfer("P1", "AB", T2="A", T3="B")],
        id="pickup-brought-in-from-the-highest-priority-sources",
    ),
]


@pytest.mark.parametrize(("rules", "places", "units", "fields", "expected"), CASES)
def test_irrelevant_locations_do_not_change_the_plan(app, rules, places, units, fields, expected):
    for sku in "AB":
        product(sku)
    for erp_code, (city, priority) in places.items():
        location(erp_code, city=city, priority=priority, is_pickup_location=erp_code.startswith("P"))
    for erp_code, skus in units.items():
        for sku in skus:
            stock(erp_code, sku, 1)
    irrelevant_crowd(full_first=rules is not None and "transferable" not in rules[0])
    if rules is not None:
        scenario(*rules)

    package_ids = order("ORDER", "A", "B", shipping_address={"city": "istanbul", "line": "Bağdat Cd. 1"}, **fields)

    assert outcome(package_ids) == sorted(expected)
    assert_invariants()
