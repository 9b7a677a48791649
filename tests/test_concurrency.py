"""Real concurrency on PostgreSQL: requests in threads racing for one package or one unit.

To make the race certain rather than likely, a separate connection holds the contended row
lock until both requests are seen waiting for it (pg_stat_activity), then lets them go.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import psycopg
import pytest
from sqlalchemy import func, select

from oms_dashboard.extensions import db
from oms_dashboard.models import (
    IdempotencyRecord,
    Product,
    Stock,
    StockLocation,
    TransitionLog,
)
from oms_dashboard.states import PackageStatus
from tests.helpers import (
    ApiClient,
    available,
    item_ids,
    location,
    order,
    product,
    slug,
    status_of,
    stock,
    token,
)
from tests.invariants import assert_invariants

pytestmark = pytest.mark.postgresql_only


@pytest.fixture
def world(app):
    location("L1", priority=80)
    location("L2", priority=70)
    product("A")
    product("C")
    stock("L1", "A", 10)
    stock("L2", "A", 10)
    stock("L1", "C", 10)


def _url(app) -> str:
    return app.config["SQLALCHEMY_DATABASE_URI"].replace("postgresql+psycopg://", "postgresql://")


def _race(app, lock_sql: str, lock_id: int, requests: list[Callable[[], object]]) -> list:
    """Run `requests` in threads while `lock_sql` holds a row lock; release it once all of them wait on it."""
    results: list = [None] * len(requests)
    # pg_stat_activity is read once per transaction: watch it from an autocommit connection.
    with psycopg.connect(_url(app)) as locker, psycopg.connect(_url(app), autocommit=True) as watcher:
        locker.execute(lock_sql, (lock_id,))
        threads = [
            threading.Thread(target=lambda i=i, request=request: results.__setitem__(i, request()))
            for i, request in enumerate(requests)
        ]
        for thread in threads:
            thread.start()
        deadline = time.monotonic() + 20
        while True:
            waiting = watcher.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
            ).fetchone()[0]
            if waiting >= len(requests):
                break
            assert time.monotonic() < deadline, "the requests never reached the lock"
            time.sleep(0.01)  # polling for a condition, not timing
        locker.rollback()
    for thread in threads:
        thread.join(30)
    return results


def _stock_id(erp_code: str, sku: str) -> int:
    db.session.rollback()
    return db.session.scalar(
        select(Stock.id)
        .join(StockLocation, StockLocation.id == Stock.stock_location_id)
        .join(Product, Product.id == Stock.product_id)
        .where(StockLocation.erp_code == erp_code, Product.sku == sku)
    )


def _log_rows(package_id: int) -> int:
    db.session.rollback()
    return db.session.scalar(
        select(func.count())
        .select_from(TransitionLog)
        .where(TransitionLog.package_id == package_id, TransitionLog.from_status.is_not(None))
    )


def test_two_conflicting_commands_on_one_package_exactly_one_wins(app, world):
    key = token()
    [package_id] = order("5001", "A", "A", prefer="L1")
    first_item = item_ids(package_id)[0]
    pack = {"slug": slug("COMPLETE_PACKAGING", PackageStatus.WAITING)}
    not_found = {
        "slug": slug("DETECTED_OUT_OF_STOCK_ITEM", PackageStatus.WAITING),
        "input_parameters": {"package_items": [first_item]},
    }

    responses = _race(
        app,
        "SELECT id FROM packages WHERE id = %s FOR UPDATE",
        package_id,
        [
            lambda: ApiClient(app.test_client(), key).command(package_id, pack),
            lambda: ApiClient(app.test_client(), key).command(package_id, not_found),
        ],
    )

    codes = sorted(response.status_code for response in responses)
    assert codes in ([204, 406], [200, 406])
    loser = next(response for response in responses if response.status_code == 406)
    assert loser.get_json()["error"]["error_code"] == "commands_100_1"
    assert status_of(package_id) is (PackageStatus.PACKED if codes[0] == 204 else PackageStatus.OUT_OF_STOCK)
    assert _log_rows(package_id) == 1
    assert_invariants()


def test_two_reschedules_racing_for_the_last_unit_exactly_one_gets_it(app, world):
    key = token()
    waiting = []
    for number in ("5101", "5102"):
        [package_id] = order(number, "C", prefer="L1")
        api = ApiClient(app.test_client(), key)
        assert api.run(package_id, "DETECTED_OUT_OF_STOCK_ITEM", package_items=item_ids(package_id)).status_code == 200
        waiting.append(package_id)
    stock("L2", "C", 1)
    db.session.rollback()
    stock_id = _stock_id("L2", "C")
    repack = {"slug": slug("REPACK", PackageStatus.OUT_OF_STOCK)}

    responses = _race(
        app,
        "SELECT id FROM stocks WHERE id = %s FOR UPDATE",
        stock_id,
        [
            lambda package_id=package_id: ApiClient(app.test_client(), key).command(package_id, repack)
            for package_id in waiting
        ],
    )

    assert sorted(response.status_code for response in responses) == [204, 406]
    loser = next(response for response in responses if response.status_code == 406)
    assert loser.get_json()["error"]["error_code"] == "planning_100_1"
    assert sorted(status_of(package_id) for package_id in waiting) == [
        PackageStatus.WAITING,
        PackageStatus.OUT_OF_STOCK,
    ]
    assert available("L2", "C") == (1, 1)
    assert_invariants()


def test_the_same_idempotency_key_sent_twice_at_once_runs_the_command_once(app, world):
    key = token()
    [package_id] = order("5201", "A", prefer="L1")
    body = {"slug": slug("COMPLETE_PACKAGING", PackageStatus.WAITING)}
    headers = {"Idempotency-Key": "erp-retry-1"}

    responses = _race(
        app,
        "SELECT id FROM packages WHERE id = %s FOR UPDATE",
        package_id,
        [lambda: ApiClient(app.test_client(), key).command(package_id, body, headers) for _ in range(2)],
    )

    assert [response.status_code for response in responses] == [204, 204]
    assert sorted(response.headers.get("Idempotent-Replayed", "") for response in responses) == ["", "true"]
    assert _log_rows(package_id) == 1
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(IdempotencyRecord)) == 1
    assert_invariants()


def _intake(app, key: str, number: str, skus: list[str]):
    body = {"number": number, "shipping_address": {"city": "İstanbul"}, "items": [{"sku": sku} for sku in skus]}
    return ApiClient(app.test_client(), key).post_raw("orders/", body)


def _outcome(number: str) -> list[tuple[str, str]]:
    from oms_dashboard.models import Order, Package

    db.session.rollback()
    rows = db.session.execute(
        select(StockLocation.erp_code, Package.status)
        .join(Package, Package.stock_location_id == StockLocation.id)
        .join(Order, Order.id == Package.order_id)
        .where(Order.number == number)
    ).all()
    return [(code, PackageStatus(status).slug) for code, status in rows]


def test_two_orders_racing_for_the_last_unit_exactly_one_gets_it(app, world):
    from tests.helpers import scenario

    scenario({"name": "Any location", "order_by": ["priority"]})
    product("X")
    stock("L1", "X", 1)
    key = token()
    db.session.rollback()
    stock_id = _stock_id("L1", "X")

    responses = _race(
        app,
        "SELECT id FROM stocks WHERE id = %s FOR UPDATE",
        stock_id,
        [lambda number=number: _intake(app, key, number, ["X"]) for number in ("R1", "R2")],
    )

    assert [response.status_code for response in responses] == [201, 201]
    outcomes = sorted(_outcome("R1") + _outcome("R2"), key=lambda row: row[1])
    assert [status for _, status in outcomes] == ["out_of_stock", "waiting"]
    assert available("L1", "X") == (1, 1)
    assert_invariants()


def test_two_orders_racing_for_the_last_quota_slot_exactly_one_gets_it(app, world):
    from tests.helpers import location_id, scenario

    scenario({"name": "L1 by quota", "locations": {"erp_codes": ["L1"]}, "conditions": ["SELECT_BY_QUOTA"]})
    db.session.rollback()
    db.session.get(StockLocation, location_id("L1")).max_quota = 1
    db.session.commit()
    key = token()

    responses = _race(
        app,
        "SELECT id FROM stock_locations WHERE id = %s FOR UPDATE",
        location_id("L1"),
        [lambda number=number: _intake(app, key, number, ["A"]) for number in ("Q1", "Q2")],
    )

    assert [response.status_code for response in responses] == [201, 201]
    statuses = sorted(status for _, status in _outcome("Q1") + _outcome("Q2"))
    assert statuses == ["out_of_stock", "waiting"]
    db.session.rollback()
    assert db.session.get(StockLocation, location_id("L1")).quota == 1  # never above max_quota
    assert_invariants()


def test_the_same_order_sent_twice_at_once_is_stored_once(app, world):
    from oms_dashboard.models import Order

    key = token()
    db.session.rollback()
    stock_id = _stock_id("L1", "A")

    responses = _race(
        app,
        "SELECT id FROM stocks WHERE id = %s FOR UPDATE",
        stock_id,
        [lambda: _intake(app, key, "SAME-1", ["A"]) for _ in range(2)],
    )

    assert [response.status_code for response in responses] == [201, 201]
    assert responses[0].get_json() == responses[1].get_json()
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Order).where(Order.number == "SAME-1")) == 1
    assert_invariants()
