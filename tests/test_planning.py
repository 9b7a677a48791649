"""Planning by distribution scenarios (DESIGN §3 quota rule, §6): rules as data, tried in order.

One table covers each rule feature alone and combined; then rescheduling (`oms reschedule`,
REPACK), loading scenario files (`oms load-scenario`), the admins' read-only page, and the
promise never to reserve more than quantity − reserved.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import pytest
import yaml
from sqlalchemy import select

from oms_dashboard.actors import SYSTEM
from oms_dashboard.errors import AppError
from oms_dashboard.extensions import db
from oms_dashboard.models import (
    DistributionScenario,
    Package,
    Product,
    Stock,
    StockLocation,
    TransferOrder,
    TransferTransition,
)
from oms_dashboard.scenarios import DEFAULT_SCENARIO
from oms_dashboard.services.commands.transfers import run_transfer_command
from oms_dashboard.states import PackageStatus
from tests.helpers import (
    available,
    fresh,
    item_ids,
    location,
    order,
    package,
    product,
    quota,
    run,
    scenario,
    sign_in,
    skus_in,
    status_of,
    stock,
    user,
)
from tests.invariants import assert_invariants

SKUS = ("A", "B", "C", "D")
BUSY_SKU = "Z"  # only used to fill locations with open packages before the order under test


# --- the world of a case ------------------------------------------------------------------------


def spot(priority: int, city: str, kind: str = "store", max_quota: int | None = None, busy: int = 0) -> dict:
    """A stock location: `busy` open packages are made there (holding quota) before the order."""
    return {"priority": priority, "city": city, "kind": kind, "max_quota": max_quota, "busy": busy}


# S1 is the highest priority: it also holds the out-of-stock package of an order nothing can serve.
WORLD = {
    "S1": spot(80, "İstanbul"),
    "S2": spot(70, "İstanbul"),
    "S3": spot(60, "Ankara"),
    "WH": spot(40, "Kocaeli", kind="warehouse"),
}


def world(**changes: dict) -> dict[str, dict]:
    """WORLD with some locations' attributes changed: world(S1={"max_quota": 1, "busy": 1})."""
    return {erp: {**spec, **changes.get(erp, {})} for erp, spec in WORLD.items()}


def rule(**settings: Any) -> dict:
    """A rule in the scenario file format, priority order and no split unless told."""
    name = ", ".join(f"{key}={value}" for key, value in settings.items()) or "plain"
    return {"name": name[:128], "order_by": ["priority"], **settings}


QUOTA = ["SELECT_BY_QUOTA"]
CITY = ["SAME_CITY"]


def waiting(at: str, skus: str) -> tuple:
    return (at, skus, "waiting", ())


def out_of_stock(at: str, skus: str) -> tuple:
    return (at, skus, "out_of_stock", ())


def transfer(at: str, skus: str, **sources: str) -> tuple:
    """A package waiting for transfers: `sources` maps each source's ERP code to the SKUs it sends."""
    return (at, skus, "waiting_for_transfer", tuple(sorted(sources.items())))


@dataclass
class Case:
    stock: dict[str, str]  # ERP code -> units on hand, one letter a unit: "AAB" = 2 A and 1 B
    rules: list[dict] | None  # None: the default scenario that `oms install` put in place
    order: str  # one letter a unit
    expected: list[tuple]  # the order's packages: waiting(), out_of_stock(), transfer()
    locations: dict[str, dict] = field(default_factory=lambda: world())
    city: str = "İstanbul"  # delivery city


CASES = [
    # --- split or not ----------------------------------------------------------------------------
    pytest.param(
        Case({"S1": "AB", "S2": "AB"}, [rule()], "AB", [waiting("S1", "AB")]),
        id="one-location-has-everything-one-package-at-the-highest-priority",
    ),
    pytest.param(
        Case({"S1": "A", "S2": "BC"}, [rule()], "ABC", [waiting("S2", "BC"), out_of_stock("S1", "A")]),
        id="no-split-nobody-has-everything-one-package-where-most-is-rest-out-of-stock",
    ),
    pytest.param(
        Case({"S1": "A", "S2": "BC"}, [rule(allow_split=True)], "ABC", [waiting("S1", "A"), waiting("S2", "BC")]),
        id="allow-split-nobody-has-everything-one-package-per-location",
    ),
    pytest.param(
        Case({"S1": "AA", "S2": "AAA"}, [rule(allow_split=True)], "AAAA", [waiting("S1", "AA"), waiting("S2", "AA")]),
        id="allow-split-units-of-one-sku-from-two-locations",
    ),
    pytest.param(
        Case({"S1": "AA", "S2": "AAA"}, [rule()], "AAAA", [waiting("S2", "AAA"), out_of_stock("S1", "A")]),
        id="no-split-units-of-one-sku-most-units-then-out-of-stock",
    ),
    # --- SELECT_BY_QUOTA, max_quota ----------------------------------------------------------------
    pytest.param(
        Case(
            {"S1": "A", "S2": "A"},
            [rule(conditions=QUOTA)],
            "A",
            [waiting("S2", "A")],
            locations=world(S1={"max_quota": 1, "busy": 1}),
        ),
        id="select-by-quota-skips-a-full-location",
    ),
    pytest.param(
        Case(
            {"S1": "A", "S2": "A"}, [rule()], "A", [waiting("S1", "A")], locations=world(S1={"max_quota": 1, "busy": 1})
        ),
        id="without-select-by-quota-a-full-location-is-still-chosen",
    ),
    pytest.param(
        Case(
            {"S1": "A", "S2": "A"},
            [rule(conditions=QUOTA)],
            "A",
            [waiting("S1", "A")],
            locations=world(S1={"max_quota": 2, "busy": 1}),
        ),
        id="select-by-quota-a-location-with-one-slot-left-is-chosen",
    ),
    pytest.param(
        Case(
            {"S1": "A", "S2": "A"},
            [rule(conditions=QUOTA)],
            "A",
            [waiting("S1", "A")],
            locations=world(S1={"max_quota": None, "busy": 3}),
        ),
        id="select-by-quota-max-quota-null-is-unlimited",
    ),
    pytest.param(
        Case(
            {"S1": "A", "S2": "A"},
            [rule(conditions=QUOTA)],
            "A",
            [waiting("S2", "A")],
            locations=world(S1={"max_quota": 0}),
        ),
        id="select-by-quota-max-quota-zero-is-never-chosen",
    ),
    pytest.param(
        Case(
            {"S1": "A"},
            [rule(conditions=QUOTA)],
            "A",
            [out_of_stock("S1", "A")],
            locations=world(S1={"max_quota": 1, "busy": 1}),
        ),
        id="select-by-quota-the-only-stocked-location-is-full-out-of-stock",
    ),
    pytest.param(
        Case(
            {"S1": "A", "S2": "B", "WH": "A"},
            [rule(conditions=QUOTA, allow_split=True)],
            "AB",
            [waiting("S2", "B"), waiting("WH", "A")],
            locations=world(S1={"max_quota": 1, "busy": 1}),
        ),
        id="select-by-quota-with-split-the-full-location-gets-no-part",
    ),
    # --- SAME_CITY -------------------------------------------------------------------------------
    pytest.param(
        Case({"S1": "A", "S3": "A"}, [rule(conditions=CITY)], "A", [waiting("S3", "A")], city="Ankara"),
        id="same-city-the-delivery-city-store-beats-a-higher-priority-one",
    ),
    pytest.param(
        Case(
            {"S1": "A", "S2": "A"},
            [rule(conditions=CITY)],
            "A",
            [waiting("S2", "A")],
            locations=world(S1={"city": "Ankara"}, S2={"city": "istanbul"}),
            city="İstanbul",
        ),
        id="same-city-İstanbul-matches-istanbul",
    ),
    pytest.param(
        Case(
            {"S1": "A", "S2": "A"},
            [rule(conditions=CITY)],
            "A",
            [waiting("S2", "A")],
            locations=world(S2={"city": "Diyarbakır"}),
            city="DIYARBAKIR",
        ),
        id="same-city-DIYARBAKIR-matches-Diyarbakır",
    ),
    pytest.param(
        Case(
            {"S1": "A", "S2": "A"},
            [rule(conditions=CITY)],
            "A",
            [waiting("S2", "A")],
            locations=world(S2={"city": "Eskişehir"}),
            city=" eskisehir ",
        ),
        id="same-city-eskisehir-matches-Eskişehir",
    ),
    pytest.param(
        Case({"S1": "A"}, [rule(conditions=CITY)], "A", [out_of_stock("S1", "A")], city="Ankara"),
        id="same-city-only-rule-no-stock-in-the-city-out-of-stock",
    ),
    pytest.param(
        Case({"S1": "A"}, [rule(conditions=CITY), rule()], "A", [waiting("S1", "A")], city="Ankara"),
        id="same-city-no-stock-in-the-city-the-next-rule-serves",
    ),
    pytest.param(
        Case(
            {"S1": "A", "S3": "A", "WH": "A"},
            [rule(conditions=CITY + QUOTA)],
            "A",
            [waiting("WH", "A")],
            locations=world(S3={"max_quota": 1, "busy": 1}, WH={"city": "ANKARA"}),
            city="Ankara",
        ),
        id="same-city-and-select-by-quota-the-full-local-store-is-skipped",
    ),
    # --- which locations a rule selects ------------------------------------------------------------
    pytest.param(
        Case(
            {"S1": "A", "S2": "A", "S3": "A"}, [rule(locations={"erp_codes": ["S2", "S3"]})], "A", [waiting("S2", "A")]
        ),
        id="locations-erp-codes-restrict-the-choice",
    ),
    pytest.param(
        Case({"S1": "A", "WH": "A"}, [rule(locations={"types": ["warehouse"]})], "A", [waiting("WH", "A")]),
        id="locations-types-warehouse-only",
    ),
    pytest.param(
        Case({"S1": "A", "S2": "A"}, [rule(locations={"except_erp_codes": ["S1"]})], "A", [waiting("S2", "A")]),
        id="locations-except-erp-codes-excludes",
    ),
    pytest.param(
        Case(
            {"S1": "A", "S3": "A", "WH": "A"},
            [rule(locations={"types": ["store"], "except_erp_codes": ["S1"]})],
            "A",
            [waiting("S3", "A")],
        ),
        id="locations-types-and-except-combined",
    ),
    pytest.param(
        Case({"S1": "A"}, [rule(locations={"erp_codes": ["S3"]})], "A", [out_of_stock("S1", "A")]),
        id="locations-selected-have-nothing-out-of-stock",
    ),
    # --- order_by ----------------------------------------------------------------------------------
    pytest.param(
        Case({"S1": "A", "S2": "AAAA"}, [rule(order_by=["priority"])], "A", [waiting("S1", "A")]),
        id="order-by-priority-higher-first",
    ),
    pytest.param(
        Case({"S1": "A", "S2": "AB"}, [rule(allow_split=True)], "AB", [waiting("S1", "A"), waiting("S2", "B")]),
        id="order-by-priority-with-split-takes-from-the-highest-priority-first",
    ),
    pytest.param(
        Case({"S1": "A", "S2": "AB"}, [rule(allow_split=True, order_by=["stock"])], "AB", [waiting("S2", "AB")]),
        id="order-by-stock-with-split-the-location-with-more-of-the-order-first",
    ),
    pytest.param(
        Case(
            {"S1": "A", "S2": "A"},
            [rule(order_by=["density"])],
            "A",
            [waiting("S2", "A")],
            locations=world(S1={"busy": 2}),
        ),
        id="order-by-density-fewer-open-packages-first",
    ),
    pytest.param(
        Case(
            {"S1": "A", "S2": "A", "S3": "A"},
            [rule(order_by=["density", "priority"])],
            "A",
            [waiting("S2", "A")],
            locations=world(S1={"busy": 1}),
        ),
        id="order-by-density-then-priority-breaks-the-tie",
    ),
    pytest.param(
        Case(
            {"S1": "A", "S2": "A"},
            [rule(order_by=["priority", "density"])],
            "A",
            [waiting("S1", "A")],
            locations=world(S1={"busy": 3}),
        ),
        id="order-by-priority-before-density",
    ),
    # --- transferable ------------------------------------------------------------------------------
    pytest.param(
        Case({"S1": "A", "S2": "BC"}, [rule(transferable=True)], "ABC", [transfer("S2", "ABC", S1="A")]),
        id="transfer-packs-where-most-items-are",
    ),
    pytest.param(
        Case({"S1": "AB", "S3": "C", "WH": "CCC"}, [rule(transferable=True)], "ABC", [transfer("S1", "ABC", S3="C")]),
        id="transfer-source-chosen-by-priority",
    ),
    pytest.param(
        Case(
            {"S1": "AB", "S3": "C", "WH": "D"},
            [rule(transferable=True)],
            "ABCD",
            [transfer("S1", "ABCD", S3="C", WH="D")],
        ),
        id="transfer-from-two-sources",
    ),
    pytest.param(
        Case({"S1": "AB"}, [rule(transferable=True)], "AB", [waiting("S1", "AB")]),
        id="transfer-rule-nothing-missing-plain-waiting-package",
    ),
    pytest.param(
        Case({"S1": "A", "S2": "B"}, [rule(transferable=True)], "AB", [transfer("S1", "AB", S2="B")]),
        id="transfer-tie-on-most-items-broken-by-priority",
    ),
    pytest.param(
        Case(
            {"S1": "A", "S2": "B"},
            [rule(transferable=True, order_by=["density"])],
            "AB",
            [transfer("S2", "AB", S1="A")],
            locations=world(S1={"busy": 1}),
        ),
        id="transfer-tie-on-most-items-broken-by-density",
    ),
    pytest.param(
        Case({"S1": "A"}, [rule(transferable=True)], "AB", [waiting("S1", "A"), out_of_stock("S1", "B")]),
        id="transfer-nothing-anywhere-for-one-item-planned-part-and-out-of-stock",
    ),
    pytest.param(
        Case(
            {"S1": "AB", "S2": "C"},
            [rule(transferable=True, conditions=QUOTA)],
            "ABC",
            [transfer("S2", "ABC", S1="AB")],
            locations=world(S1={"max_quota": 1, "busy": 1}),
        ),
        id="transfer-with-select-by-quota-a-full-location-still-sends",
    ),
    # --- rules in order ----------------------------------------------------------------------------
    pytest.param(
        Case({"S1": "AB", "S2": "AB"}, [rule(locations={"erp_codes": ["S2"]}), rule()], "AB", [waiting("S2", "AB")]),
        id="rules-in-order-the-first-that-serves-everything-wins",
    ),
    pytest.param(
        Case({"S1": "AB", "S2": "A"}, [rule(locations={"erp_codes": ["S2"]}), rule()], "AB", [waiting("S1", "AB")]),
        id="rules-in-order-a-later-rule-when-the-first-cannot-serve-everything",
    ),
    pytest.param(
        Case({"S1": "A", "S2": "AB"}, [rule(), rule(allow_split=True)], "AB", [waiting("S2", "AB")]),
        id="rules-in-order-no-split-before-split-one-package-when-possible",
    ),
    pytest.param(
        Case({"S1": "A", "S2": "B"}, [rule(), rule(allow_split=True)], "AB", [waiting("S1", "A"), waiting("S2", "B")]),
        id="rules-in-order-split-only-when-no-location-has-everything",
    ),
    pytest.param(
        Case(
            {"S1": "A", "S2": "B"},
            [rule(allow_split=True), rule(transferable=True)],
            "AB",
            [waiting("S1", "A"), waiting("S2", "B")],
        ),
        id="rules-in-order-split-before-transfer",
    ),
    pytest.param(
        Case(
            {"S1": "A", "S2": "B"},
            [rule(transferable=True), rule(allow_split=True)],
            "AB",
            [transfer("S1", "AB", S2="B")],
        ),
        id="rules-in-order-transfer-before-split",
    ),
    pytest.param(
        Case(
            {"S1": "A", "S2": "B"},
            [rule(locations={"erp_codes": ["S1"]}), rule(locations={"erp_codes": ["S2"]})],
            "ABC",
            [waiting("S1", "A"), waiting("S2", "B"), out_of_stock("S1", "C")],
        ),
        id="rules-in-order-none-serves-everything-each-plans-what-it-can",
    ),
    # --- nothing or part available ----------------------------------------------------------------
    pytest.param(
        Case({}, [rule(allow_split=True)], "AB", [out_of_stock("S1", "AB")]),
        id="nothing-anywhere-one-out-of-stock-package",
    ),
    pytest.param(
        Case({"S2": "A"}, [rule(allow_split=True)], "AB", [waiting("S2", "A"), out_of_stock("S1", "B")]),
        id="partly-available-planned-part-and-out-of-stock-rest",
    ),
    # --- the default scenario that `oms install` puts in place -------------------------------------
    pytest.param(
        Case({"S1": "AB", "S3": "AB"}, None, "AB", [waiting("S3", "AB")], city="Ankara"),
        id="default-scenario-same-city-store-first",
    ),
    pytest.param(
        Case({"S1": "AB", "WH": "AB"}, None, "AB", [waiting("S1", "AB")], city="Kocaeli"),
        id="default-scenario-no-store-in-the-city-highest-priority-location",
    ),
    pytest.param(
        Case({"S1": "A", "S2": "B"}, None, "AB", [waiting("S1", "A"), waiting("S2", "B")]),
        id="default-scenario-splits-when-no-location-has-everything",
    ),
    pytest.param(
        Case(
            {"S1": "B", "S2": "A"},
            None,
            "AB",
            [transfer("S2", "AB", S1="B")],
            locations=world(S1={"max_quota": 1, "busy": 1}),
        ),
        id="default-scenario-transfers-from-a-full-location",
    ),
    pytest.param(
        Case({"S1": "A"}, None, "A", [transfer("S2", "A", S1="A")], locations=world(S1={"max_quota": 1, "busy": 1})),
        id="default-scenario-the-only-unit-at-a-full-location-comes-by-transfer",
    ),
    pytest.param(
        Case({}, None, "AB", [out_of_stock("S1", "AB")]),
        id="default-scenario-nothing-anywhere-out-of-stock",
    ),
]


def build(locations: dict[str, dict], units: dict[str, str]) -> None:
    """Locations, products and stock; then each location's `busy` open packages (they hold quota)."""
    for erp, spec in locations.items():
        location(erp, priority=spec["priority"], city=spec["city"], kind=spec["kind"], max_quota=spec["max_quota"])
    for sku in (*SKUS, BUSY_SKU):
        product(sku)
    for erp, letters in units.items():
        for sku, count in Counter(letters).items():
            stock(erp, sku, count)
    for erp, spec in locations.items():
        if spec["busy"]:
            stock(erp, BUSY_SKU, spec["busy"])
            for n in range(spec["busy"]):
                [busy] = order(f"BUSY-{erp}-{n}", BUSY_SKU, prefer=erp)
                assert package(busy).stock_location.erp_code == erp and status_of(busy) is PackageStatus.WAITING


def outcome(package_ids: list[int]) -> list[tuple]:
    """(location, SKUs, status slug, ((transfer source, SKUs), …)) of each package, sorted."""
    fresh()
    described = []
    for package_id in package_ids:
        made = db.session.get(Package, package_id)
        transfers = db.session.scalars(select(TransferOrder).where(TransferOrder.package_id == package_id)).all()
        for sent in transfers:
            assert sent.destination_location_id == made.stock_location_id and sent.status == "waiting"
        described.append(
            (
                made.stock_location.erp_code,
                "".join(sorted(item.product.sku for item in made.active_items)),
                made.state.slug,
                tuple(
                    sorted(
                        (sent.source.erp_code, "".join(sorted(i.product.sku for i in sent.items))) for sent in transfers
                    )
                ),
            )
        )
    return sorted(described)


def quotas() -> dict[str, int]:
    fresh()
    return dict(db.session.execute(select(StockLocation.erp_code, StockLocation.quota)).all())


def stock_rows() -> list[tuple[str, str, int, int]]:
    """(location, SKU, quantity, reserved) of every stock row of the SKUs under test."""
    fresh()
    return list(
        db.session.execute(
            select(StockLocation.erp_code, Product.sku, Stock.quantity, Stock.reserved)
            .join(StockLocation, StockLocation.id == Stock.stock_location_id)
            .join(Product, Product.id == Stock.product_id)
            .where(Product.sku.in_(SKUS))
            .order_by(StockLocation.erp_code, Product.sku)
        ).all()
    )


@pytest.mark.parametrize("case", CASES)
def test_an_order_is_planned_by_the_scenario_rules(app, case: Case):
    build(case.locations, case.stock)
    before = quotas()
    if case.rules is not None:
        scenario(*case.rules)

    package_ids = order("ORDER", *case.order, shipping_address={"city": case.city, "line": "Bağdat Cd. 1"})

    assert outcome(package_ids) == sorted(case.expected)
    assert_invariants()
    # Quota (DESIGN §3): with SELECT_BY_QUOTA in every rule, a full location gets no new package
    # and no location goes beyond its max_quota.
    after = quotas()
    rules = case.rules if case.rules is not None else DEFAULT_SCENARIO.model_dump(mode="json")["rules"]
    if all("SELECT_BY_QUOTA" in r.get("conditions", []) for r in rules):
        for erp, spec in case.locations.items():
            if spec["max_quota"] is not None:
                assert after[erp] <= max(spec["max_quota"], before[erp]), erp
                if before[erp] >= spec["max_quota"]:
                    assert after[erp] == before[erp], f"{erp} was full and got a package"
    # Never more than quantity − reserved: what is reserved is exactly what was planned.
    planned_units = sum(len(skus) for _, skus, status, _ in case.expected if status != "out_of_stock")
    rows = stock_rows()
    assert all(reserved <= quantity for _, _, quantity, reserved in rows), rows
    assert sum(reserved for *_, reserved in rows) == planned_units


def test_same_city_matches_nothing_when_the_order_has_no_delivery_city(app):
    build(world(S2={"city": ""}), {"S1": "A", "S2": "A"})
    scenario(rule(conditions=CITY))

    package_ids = order("NO-CITY", "A")  # no shipping address at all

    assert outcome(package_ids) == [out_of_stock("S1", "A")]
    assert_invariants()


# --- rescheduling: stock comes back -----------------------------------------------------------------


@pytest.fixture
def shop(app):
    """The WORLD locations (S1 80 and S2 70 in İstanbul, S3 60 in Ankara, WH 40 a warehouse); A–D, no stock yet."""
    for erp, spec in world().items():
        location(erp, priority=spec["priority"], city=spec["city"], kind=spec["kind"])
    for sku in SKUS:
        product(sku)


def reschedule(app):
    result = app.test_cli_runner().invoke(args=["oms", "reschedule"])
    fresh()
    return result


def test_reschedule_moves_an_out_of_stock_package_to_where_stock_came_back(app, shop):
    [package_id] = order("R1", "A")
    assert status_of(package_id) is PackageStatus.OUT_OF_STOCK and package(package_id).stock_location.erp_code == "S1"
    stock("S2", "A", 2)

    result = reschedule(app)

    assert result.exit_code == 0, result.output
    assert "R1P1: Rescheduled: R1P1 at S2 Store." in result.output
    assert "Rescheduled 1 of 1 waiting package." in result.output
    moved = package(package_id)
    assert moved.state is PackageStatus.WAITING and moved.stock_location.erp_code == "S2"
    assert [item.status for item in moved.items] == ["waiting"]
    assert available("S2", "A") == (2, 1) and quota("S2") == 1 and quota("S1") == 0
    assert_invariants()

    again = reschedule(app)
    assert again.exit_code == 0 and "Rescheduled 0 of 0 waiting packages." in again.output
    assert available("S2", "A") == (2, 1)


def test_reschedule_reports_a_package_still_without_stock_and_leaves_it_out_of_stock(app, shop):
    [served] = order("R2", "A")
    [unserved] = order("R3", "B")
    stock("S1", "A", 1)

    result = reschedule(app)

    assert result.exit_code == 0, result.output
    assert "R2P1: Rescheduled: R2P1 at S1 Store." in result.output
    assert "R3P1: No stock location can serve the items of this package." in result.output
    assert "Rescheduled 1 of 2 waiting packages." in result.output
    assert status_of(served) is PackageStatus.WAITING
    kept = package(unserved)
    assert (
        kept.state is PackageStatus.OUT_OF_STOCK and kept.stock_location.erp_code == "S1" and skus_in(unserved) == ["B"]
    )
    assert available("S1", "A") == (1, 1) and quota("S1") == 1
    assert_invariants()


def test_reschedule_of_a_partly_served_package_changes_nothing_until_everything_can_be_served(app, shop):
    [package_id] = order("R4", "A", "B")
    stock("S2", "A", 1)  # A could be planned, B still cannot: REPACK plans all of the package or nothing

    result = reschedule(app)

    assert "R4P1: No stock location can serve the items of this package." in result.output
    assert status_of(package_id) is PackageStatus.OUT_OF_STOCK and available("S2", "A") == (1, 0)
    assert_invariants()


def test_reschedule_plans_through_the_active_scenario_and_can_make_a_transfer(app, shop):
    scenario(rule(transferable=True))
    [package_id] = order("R5", "A", "B")
    assert status_of(package_id) is PackageStatus.OUT_OF_STOCK
    stock("S2", "A", 1)
    stock("WH", "B", 1)

    result = reschedule(app)

    assert "Rescheduled 1 of 1 waiting package." in result.output
    assert outcome([package_id]) == [transfer("S2", "AB", WH="B")]
    assert available("S2", "A") == (1, 1) and available("WH", "B") == (1, 1)
    assert quota("S2") == 1 and quota("WH") == 0
    assert_invariants()


def test_reschedule_follows_the_scenario_location_selection(app, shop):
    scenario(rule(locations={"types": ["warehouse"]}))
    [package_id] = order("R6", "A")
    stock("S1", "A", 5)  # a store: not for this scenario
    assert "Rescheduled 0 of 1 waiting package." in reschedule(app).output
    assert status_of(package_id) is PackageStatus.OUT_OF_STOCK

    stock("WH", "A", 1)
    assert "Rescheduled 1 of 1 waiting package." in reschedule(app).output
    assert outcome([package_id]) == [waiting("WH", "A")]
    assert_invariants()


def test_reschedule_serves_the_oldest_waiting_package_first(app, shop):
    [older] = order("O1", "A")
    [newer] = order("O2", "A")
    stock("WH", "A", 1)

    result = reschedule(app)

    assert "O1P1: Rescheduled: O1P1 at WH Store." in result.output
    assert "O2P1: No stock location can serve the items of this package." in result.output
    assert outcome([older, newer]) == sorted([waiting("WH", "A"), out_of_stock("S1", "A")])
    assert available("WH", "A") == (1, 1)
    assert_invariants()


def test_a_reported_missing_item_is_replanned_by_the_active_scenario(app, shop):
    for erp in ("S1", "S2", "WH"):
        stock(erp, "A", 3)
    stock("S1", "B", 3)
    [package_id] = order("N1", "A", "B", prefer="S1")
    a_item, _ = item_ids(package_id)
    scenario(rule(locations={"types": ["warehouse"]}), rule())  # S2 has a higher priority, the scenario says WH

    result = run(package_id, "DETECTED_OUT_OF_STOCK_ITEM", package_items=[a_item])

    assert result.status_code == 200 and result.body["is_same_location"] is True  # B stays at S1
    fresh()
    made = db.session.scalars(
        select(Package.id).where(Package.status == PackageStatus.WAITING.value).order_by(Package.id)
    ).all()
    assert outcome(made) == [waiting("S1", "B"), waiting("WH", "A")]
    assert status_of(package_id) is PackageStatus.OUT_OF_STOCK
    assert available("WH", "A") == (3, 1) and available("S2", "A") == (3, 0)
    assert_invariants()


REPACK_SCENARIOS = [
    pytest.param([rule()], id="priority"),
    pytest.param([rule(allow_split=True)], id="split"),
    pytest.param([rule(transferable=True)], id="transfer"),
    pytest.param([rule(locations={"erp_codes": ["S1", "S2"]}, order_by=["stock", "priority"])], id="stock"),
    pytest.param(None, id="default"),
]


@pytest.mark.parametrize("rules", REPACK_SCENARIOS)
def test_repack_never_plans_an_item_to_the_location_that_reported_it_missing(app, shop, rules):
    if rules is not None:
        scenario(*rules)
    stock("S1", "A", 5)
    [package_id] = order("M1", "A", prefer="S1")
    run(package_id, "DETECTED_OUT_OF_STOCK_ITEM", package_items=item_ids(package_id))
    assert status_of(package_id) is PackageStatus.OUT_OF_STOCK
    # S1's books still show 4 units and S1 is first by every rule, but it reported A missing.

    with pytest.raises(AppError) as refused:
        run(package_id, "REPACK")
    assert refused.value.status_code == 406 and refused.value.error["error_code"] == "planning_100_1"
    result = reschedule(app)
    assert "M1P1: No stock location can serve the items of this package." in result.output
    assert status_of(package_id) is PackageStatus.OUT_OF_STOCK and available("S1", "A") == (4, 0)
    assert_invariants()

    stock("S2", "A", 1)
    assert "Rescheduled 1 of 1 waiting package." in reschedule(app).output
    assert outcome([package_id]) == [waiting("S2", "A")]
    assert available("S1", "A") == (4, 0) and available("S2", "A") == (1, 1)
    assert_invariants()


def test_a_stock_push_at_the_location_that_reported_an_item_missing_ends_its_exclusion(app, shop):
    """The only store with A reports it missing; once the ERP pushes A's count there, Reschedule may use it."""
    stock("S1", "A", 5)
    [package_id] = order("M3", "A", prefer="S1")
    run(package_id, "DETECTED_OUT_OF_STOCK_ITEM", package_items=item_ids(package_id))
    assert "Rescheduled 0 of 1 waiting package." in reschedule(app).output

    stock("S1", "A", 0)  # a push of none is not the shelf holding A again
    assert "Rescheduled 0 of 1 waiting package." in reschedule(app).output
    stock("S1", "A", 3)  # counted on the shelf again

    assert "Rescheduled 1 of 1 waiting package." in reschedule(app).output
    assert outcome([package_id]) == [waiting("S1", "A")]
    assert available("S1", "A") == (3, 1)
    assert_invariants()


def test_repack_never_transfers_an_item_from_the_location_that_reported_it_missing(app, shop):
    scenario(rule(transferable=True, locations={"erp_codes": ["S2"]}))  # pack at S2, bring the rest
    stock("S2", "B", 1)
    stock("S1", "A", 5)
    [package_id] = order("M2", "A", "B")
    assert outcome([package_id]) == [transfer("S2", "AB", S1="A")]
    [sent] = db.session.scalars(select(TransferOrder).where(TransferOrder.package_id == package_id)).all()
    slug = db.session.scalars(
        select(TransferTransition.slug).where(
            TransferTransition.command == "TRANSFER_OUT_OF_STOCK", TransferTransition.source_state == "waiting"
        )
    ).one()
    run_transfer_command(transfer_id=sent.id, actor=SYSTEM, slug=slug)  # S1 had none after all
    fresh()
    holders = db.session.scalars(
        select(Package.id).where(Package.status == PackageStatus.OUT_OF_STOCK.value).order_by(Package.id)
    ).all()
    assert len(holders) == 1 and skus_in(holders[0]) == ["A"]
    quantity, reserved = available("S1", "A")
    assert quantity > 0 and reserved == 0  # S1's books still show units; it is the one that had none

    assert "Rescheduled 0 of 1 waiting package." in reschedule(app).output
    stock("WH", "A", 1)
    assert "Rescheduled 1 of 1 waiting package." in reschedule(app).output
    assert outcome([holders[0]]) == [transfer("S2", "A", WH="A")]
    assert available("S1", "A") == (quantity, 0)
    assert_invariants()


# --- loading scenarios from files ------------------------------------------------------------------

WAREHOUSE_FIRST = {
    "name": "Warehouse first",
    "description": "Ship from the warehouse; stores only when it cannot.",
    "rules": [
        {"name": "Warehouse", "locations": {"types": ["warehouse"]}, "conditions": ["SELECT_BY_QUOTA"]},
        {"name": "Any store, split", "locations": {"types": ["store"]}, "order_by": ["priority"], "allow_split": True},
    ],
}


def write(tmp_path, filename: str, content: Any) -> str:
    path = tmp_path / filename
    if isinstance(content, str):
        path.write_text(content, encoding="utf-8")
    elif filename.endswith((".yaml", ".yml")):
        path.write_text(yaml.safe_dump(content, allow_unicode=True, sort_keys=False), encoding="utf-8")
    else:
        path.write_text(json.dumps(content, ensure_ascii=False, indent=2), encoding="utf-8")
    return str(path)


def load(app, *args: str):
    result = app.test_cli_runner().invoke(args=["oms", "load-scenario", *args])
    fresh()
    return result


def stored_scenarios() -> list[tuple[str, bool, dict]]:
    fresh()
    return [
        (row.name, row.is_active, row.definition)
        for row in db.session.scalars(select(DistributionScenario).order_by(DistributionScenario.name))
    ]


def test_the_default_scenario_is_installed_and_active(app):
    assert stored_scenarios() == [("Default", True, DEFAULT_SCENARIO.model_dump(mode="json"))]
    rules = DEFAULT_SCENARIO.rules
    assert not rules[0].allow_split and not rules[0].transferable and "SAME_CITY" in rules[0].conditions
    assert rules[-2].allow_split and rules[-1].transferable
    assert all("SELECT_BY_QUOTA" in one.conditions for one in rules)

    result = app.test_cli_runner().invoke(args=["oms", "install"])
    assert result.exit_code == 0 and "0 scenarios" in result.output
    assert stored_scenarios() == [("Default", True, DEFAULT_SCENARIO.model_dump(mode="json"))]


@pytest.mark.parametrize("filename", ["warehouse.json", "warehouse.yaml", "warehouse.yml"])
def test_a_loaded_scenario_becomes_active_and_plans_the_next_order(app, shop, tmp_path, filename):
    stock("S1", "A", 5)
    stock("WH", "A", 5)

    result = load(app, write(tmp_path, filename, WAREHOUSE_FIRST))

    assert result.exit_code == 0, result.output
    assert result.output.strip() == "Scenario 'Warehouse first' (2 rules): active."
    assert [(name, active) for name, active, _ in stored_scenarios()] == [("Default", False), ("Warehouse first", True)]
    assert stored_scenarios()[1][2]["rules"][0]["locations"]["types"] == ["warehouse"]
    assert outcome(order("L1", "A")) == [waiting("WH", "A")]  # the default would pick the İstanbul store S1
    assert_invariants()


def test_load_scenario_with_no_activate_keeps_the_previous_one_active(app, shop, tmp_path):
    stock("S1", "A", 5)
    stock("WH", "A", 5)

    result = load(app, write(tmp_path, "warehouse.yaml", WAREHOUSE_FIRST), "--no-activate")

    assert result.exit_code == 0, result.output
    assert result.output.strip() == "Scenario 'Warehouse first' (2 rules): loaded, not active."
    assert [(name, active) for name, active, _ in stored_scenarios()] == [("Default", True), ("Warehouse first", False)]
    assert outcome(order("L2", "A")) == [waiting("S1", "A")]

    assert load(app, write(tmp_path, "again.json", WAREHOUSE_FIRST)).exit_code == 0  # now activate it
    assert outcome(order("L3", "A")) == [waiting("WH", "A")]


def test_loading_the_same_name_again_replaces_the_scenario(app, shop, tmp_path):
    stock("S1", "A", 5)
    stock("S2", "A", 5)
    first = {"name": "Mine", "rules": [{"name": "S2 only", "locations": {"erp_codes": ["S2"]}}]}
    second = {
        "name": "Mine",
        "description": "v2",
        "rules": [{"name": "Not S2", "locations": {"except_erp_codes": ["S2"]}}],
    }

    assert load(app, write(tmp_path, "mine.json", first)).exit_code == 0
    assert outcome(order("V1", "A")) == [waiting("S2", "A")]
    result = load(app, write(tmp_path, "mine-v2.yaml", second))

    assert result.exit_code == 0, result.output
    rows = stored_scenarios()
    assert [(name, active) for name, active, _ in rows] == [("Default", False), ("Mine", True)]
    assert [r["name"] for r in rows[1][2]["rules"]] == ["Not S2"] and rows[1][2]["description"] == "v2"
    assert outcome(order("V2", "A")) == [waiting("S1", "A")]
    assert_invariants()


INVALID_FILES = [
    pytest.param("broken.json", '{"name": "Broken", "rules": [', "broken.json is not valid JSON", id="bad-json"),
    pytest.param("broken.yaml", "name: [Broken\nrules: {", "broken.yaml is not valid YAML", id="bad-yaml"),
    pytest.param(
        "cond.json",
        {"name": "X", "rules": [{"name": "r", "conditions": ["SELECT_BY_DISTANCE"]}]},
        "rules: Item 0 conditions: Input should be 'SELECT_BY_QUOTA' or 'SAME_CITY'",
        id="unknown-condition",
    ),
    pytest.param(
        "both.yaml",
        {"name": "X", "rules": [{"name": "r", "allow_split": True, "transferable": True}]},
        "a rule either splits or transfers, not both",
        id="split-and-transfer-in-one-rule",
    ),
    pytest.param("none.json", {"name": "X", "rules": []}, "rules: This list may not be empty.", id="no-rules"),
    pytest.param("missing.yaml", {"name": "X"}, "rules: This field is required.", id="rules-missing"),
    pytest.param(
        "order.json",
        {"name": "X", "rules": [{"name": "r", "order_by": ["distance"]}]},
        "rules: Item 0 order_by: Input should be 'priority', 'stock' or 'density'",
        id="unknown-order-key",
    ),
    pytest.param(
        "type.json",
        {"name": "X", "rules": [{"name": "r", "locations": {"types": ["shop"]}}]},
        "Input should be 'store' or 'warehouse'",
        id="unknown-location-type",
    ),
    pytest.param(
        "extra.yaml",
        {"name": "X", "rules": [{"name": "r", "colour": "red"}]},
        "colour: Unknown field.",
        id="unknown-key",
    ),
    pytest.param("list.json", [{"name": "X"}], "Expected a JSON object.", id="not-an-object"),
    pytest.param("empty.yaml", "", "Expected a JSON object.", id="empty-file"),
]


@pytest.mark.parametrize(("filename", "content", "message"), INVALID_FILES)
def test_an_invalid_scenario_file_is_refused_with_a_clear_message_and_changes_nothing(
    app, tmp_path, filename, content, message
):
    scenario(rule(), name="Current")
    before = stored_scenarios()

    result = load(app, write(tmp_path, filename, content))

    assert result.exit_code != 0
    assert "Error: " in result.output and message in result.output, result.output
    assert "Traceback" not in result.output
    assert stored_scenarios() == before


def test_load_scenario_of_a_missing_file_is_refused(app, tmp_path):
    result = load(app, str(tmp_path / "nowhere.json"))
    assert result.exit_code == 2 and "does not exist" in result.output
    assert [(name, active) for name, active, _ in stored_scenarios()] == [("Default", True)]


# --- the admins' read-only page --------------------------------------------------------------------


def test_an_admin_sees_the_scenarios_with_the_active_one_first(app, client):
    scenario(
        rule(conditions=["SAME_CITY", "SELECT_BY_QUOTA"], locations={"types": ["store"]}, order_by=["density"]),
        {
            "name": "Warehouses by <b>stock</b>",
            "locations": {"except_erp_codes": ["S9"]},
            "order_by": ["stock"],
            "transferable": True,
        },
        name="Istanbul <first>",
    )
    user("ada", "admin")
    sign_in(client, "ada")

    response = client.get("/scenarios/")

    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert html.index("Istanbul &lt;first&gt;") < html.index("Default")  # active first, names escaped
    active = html[html.index("Istanbul &lt;first&gt;") : html.index("Default")]
    assert "Active" in active and "Inactive" not in active
    assert "SAME_CITY, SELECT_BY_QUOTA" in active and "density" in active and "stores" in active
    assert "Warehouses by &lt;b&gt;stock&lt;/b&gt;" in active and "all, except S9" in active
    assert "<b>stock</b>" not in html
    default = html[html.index("Default") :]
    assert "Inactive" in default
    for one in DEFAULT_SCENARIO.rules:
        assert one.name in default
    assert 'method="post"' not in active.lower()  # read-only


@pytest.mark.parametrize(("role", "locations"), [("manager", ()), ("store_staff", ("S1",))])
def test_managers_and_store_staff_do_not_see_the_scenarios_page(app, client, role, locations):
    location("S1")
    user("someone", role, *locations)
    sign_in(client, "someone")

    assert client.get("/scenarios/").status_code == 404
    assert "/scenarios/" not in client.get("/").get_data(as_text=True)


def test_the_scenarios_page_needs_a_login(client):
    response = client.get("/scenarios/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


# --- never more than quantity − reserved -------------------------------------------------------------

AVAILABILITY_CASES = [
    pytest.param(
        [rule(allow_split=True)], [waiting("S1", "AA"), waiting("S2", "A"), out_of_stock("S1", "AAA")], 1, id="split"
    ),
    pytest.param([rule()], [waiting("S1", "AA"), out_of_stock("S1", "AAAA")], 0, id="no-split"),
    pytest.param(
        [rule(transferable=True)], [transfer("S1", "AAA", S2="A"), out_of_stock("S1", "AAA")], 1, id="transfer"
    ),
    pytest.param(None, [waiting("S1", "AA"), waiting("S2", "A"), out_of_stock("S1", "AAA")], 1, id="default"),
]


@pytest.mark.parametrize(("rules", "expected", "reserved_at_s2"), AVAILABILITY_CASES)
def test_an_order_for_more_than_is_available_plans_only_what_is_free(app, shop, rules, expected, reserved_at_s2):
    stock("S1", "A", 3)
    stock("S2", "A", 1)
    stock("WH", "A", 0)
    [earlier] = order("E1", "A", prefer="S1")  # S1: 3 on hand, 1 reserved, 2 free
    assert status_of(earlier) is PackageStatus.WAITING and available("S1", "A") == (3, 1)
    if rules is not None:
        scenario(*rules)

    big = order("BIG", *"AAAAAA")

    assert outcome(big) == sorted(expected)
    assert available("S1", "A") == (3, 3) and available("WH", "A") == (0, 0)
    assert available("S2", "A") == (1, reserved_at_s2)
    assert_invariants()

    # The rest of the order waits out of stock; a new order takes S2's unit only if it is still free.
    after = order("AFTER", "A")
    assert outcome(after) == [out_of_stock("S1", "A") if reserved_at_s2 else waiting("S2", "A")]
    assert available("S1", "A") == (3, 3) and available("S2", "A") == (1, 1)
    assert_invariants()


def test_orders_one_after_another_take_the_last_units_and_never_over_reserve(app, shop):
    scenario(rule(allow_split=True))
    stock("S1", "B", 2)
    stock("S2", "B", 1)
    statuses = []
    for n in range(5):
        [made] = order(f"Q{n}", "B")
        statuses.append((package(made).stock_location.erp_code, status_of(made).slug))
        for erp in ("S1", "S2"):
            quantity, reserved = available(erp, "B")
            assert reserved <= quantity
    assert statuses == [
        ("S1", "waiting"),
        ("S1", "waiting"),
        ("S2", "waiting"),
        ("S1", "out_of_stock"),
        ("S1", "out_of_stock"),
    ]
    assert available("S1", "B") == (2, 2) and available("S2", "B") == (1, 1)
    assert_invariants()


def test_an_erp_push_below_what_is_reserved_leaves_nothing_to_plan_there(app, shop):
    stock("S1", "C", 2)
    [held] = order("H1", "C", "C", prefer="S1")
    stock("S1", "C", 1)  # the ERP says 1 on hand; 2 are still reserved
    stock("S2", "C", 1)

    assert outcome(order("H2", "C")) == [waiting("S2", "C")]
    assert available("S1", "C") == (1, 2)  # untouched by planning
    assert outcome(order("H3", "C")) == [out_of_stock("S1", "C")]
    assert status_of(held) is PackageStatus.WAITING
    assert_invariants()
