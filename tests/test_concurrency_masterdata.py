"""Master-data upserts racing each other and the commands, on PostgreSQL with real threads.

The race is made certain: a transaction outside the app inserts (or locks) the contended row and
keeps it open until every request is seen waiting behind it (tests/pglocks.py).
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from oms_dashboard.extensions import db
from oms_dashboard.models import Product, StockLocation
from tests.helpers import ApiClient, location, order, product, stock, token
from tests.invariants import assert_invariants
from tests.pglocks import InThread

pytestmark = pytest.mark.postgresql_only


def test_batches_inserting_the_same_new_sku_at_once_all_succeed_with_one_row(app, watcher, locker):
    """The first insert wins; the others meet its unique key, run again, and update the row it made."""
    key = token()
    locker.hold(
        "INSERT INTO products (sku, name, barcode, attributes, created_date, modified_date)"
        " VALUES ('NEW-1', 'From elsewhere', '', '{}', now(), now())"
    )
    requests = [
        InThread(
            lambda n=n: ApiClient(app.test_client(), key).client.put(
                "/api/v1/oms/products/",
                json=[{"sku": "NEW-1", "name": f"Name {n}"}, {"sku": f"OWN-{n}", "name": "Own"}],
                headers={"Authorization": f"Token {key}"},
            )
        )
        for n in range(4)
    ]
    watcher.wait_for_waiters(4)
    locker.connection.commit()

    answers = [request.result() for request in requests]
    assert [answer.status_code for answer in answers] == [200] * 4, [answer.get_json() for answer in answers]
    assert all(answer.get_json()["created"] == [f"OWN-{n}"] for n, answer in enumerate(answers))
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Product).where(Product.sku == "NEW-1")) == 1


def test_lowering_max_quota_while_orders_arrive_never_answers_5xx(app, watcher, locker):
    """The location row is held; intakes at it and a PATCH of its max_quota queue, then all finish."""
    location("L1", priority=80, max_quota=10)
    location("L2", priority=70)
    product("A")
    stock("L1", "A", 50)
    stock("L2", "A", 50)
    key = token()
    l1 = db.session.scalar(select(StockLocation.id).where(StockLocation.erp_code == "L1"))
    order("W0", "A", prefer="L1")
    locker.hold("SELECT id FROM stock_locations WHERE id = %s FOR UPDATE", l1)

    def intake(n: int):
        return ApiClient(app.test_client(), key).post_raw(
            "orders/", {"number": f"R{n}", "shipping_address": {"city": "İstanbul"}, "items": [{"sku": "A"}]}
        )

    def lower_quota():
        return app.test_client().patch(
            f"/api/v1/oms/stocklocations/{l1}/", json={"max_quota": 1}, headers={"Authorization": f"Token {key}"}
        )

    requests = [InThread(lambda n=n: intake(n)) for n in range(4)] + [InThread(lower_quota)]
    watcher.wait_for_waiters(5)
    locker.release()

    statuses = [request.result().status_code for request in requests]
    assert all(status < 500 for status in statuses), statuses
    db.session.rollback()
    location_row = db.session.scalar(select(StockLocation).where(StockLocation.id == l1))
    assert location_row.max_quota == 1
    assert location_row.available_quota >= 0
    assert_invariants()
