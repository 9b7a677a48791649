"""The lock order, bounded lock waits and lost connections, on PostgreSQL with real threads.

Each test makes its race certain: a connection outside the app holds the contended row lock
until the requests are seen queueing on it (see tests/pglocks.py).
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from oms_dashboard.extensions import db
from oms_dashboard.models import Package, Shipment, TransitionLog
from oms_dashboard.states import PackageStatus
from tests.helpers import ApiClient, location, order, product, run, scenario, slug, stock, token
from tests.invariants import assert_invariants
from tests.pglocks import InThread, wait_until

pytestmark = pytest.mark.postgresql_only


@pytest.fixture
def world(app):
    location("L1", priority=80, max_quota=50)
    location("L2", priority=70)
    product("A")
    product("B")
    for code in ("L1", "L2"):
        stock(code, "A", 10)
        stock(code, "B", 10)


def _stock_id(erp_code: str, sku: str) -> int:
    db.session.rollback()
    return db.session.execute(
        db.text(
            "SELECT s.id FROM stocks s JOIN stock_locations l ON l.id = s.stock_location_id"
            " JOIN products p ON p.id = s.product_id WHERE l.erp_code = :code AND p.sku = :sku"
        ),
        {"code": erp_code, "sku": sku},
    ).scalar_one()


def _count(model, *where) -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def test_shipment_commands_racing_on_a_package_packed_without_shipment_make_one_shipment(app, world, watcher, locker):
    """Issue 8: 6 of 8 answered 500, a second shipment row being inserted after the lock wait."""
    key = token()
    [package_id] = order("S1", "A", prefer="L1")
    run(package_id, "COMPLETE_PACKAGING_WITHOUT_SHIPMENT")
    update_info = slug("UPDATE_SHIPMENT_INFO", PackageStatus.PACKED)
    locker.hold("SELECT id FROM packages WHERE id = %s FOR UPDATE", package_id)

    requests = [
        InThread(
            lambda n=n: ApiClient(app.test_client(), key).command(
                package_id, {"slug": update_info, "input_parameters": {"tracking_number": f"TRK-{n}"}}
            )
        )
        for n in range(8)
    ]
    watcher.wait_for_waiters(8)
    locker.release()

    assert sorted(request.result().status_code for request in requests) == [204] * 8
    assert _count(Shipment, Shipment.package_id == package_id) == 1
    assert (
        _count(TransitionLog, TransitionLog.package_id == package_id, TransitionLog.command == "UPDATE_SHIPMENT_INFO")
        == 8
    )
    assert_invariants()


def test_an_intake_and_a_command_at_one_location_never_deadlock(app, world, watcher, locker):
    """Issue 8: order intake locked the location then stock rows, commands the other way round.

    The intake wants A then B at L1 and is held at A; meanwhile packing a package of B at L1 takes
    B and then changes L1's quota. Before the lock order this was a deadlock every time.
    """
    scenario({"name": "L1 by quota", "locations": {"erp_codes": ["L1"]}, "conditions": ["SELECT_BY_QUOTA"]})
    key = token()
    [package_of_b] = order("D0", "B", prefer="L1")
    pack_body = {"slug": slug("COMPLETE_PACKAGING", PackageStatus.WAITING)}
    deadlocks_before = watcher.deadlocks()
    locker.hold("SELECT id FROM stocks WHERE id = %s FOR UPDATE", _stock_id("L1", "A"))

    body = {"number": "D1", "shipping_address": {"city": "İstanbul"}, "items": [{"sku": "A"}, {"sku": "B"}]}
    intake = InThread(lambda: ApiClient(app.test_client(), key).post_raw("orders/", body))
    watcher.wait_for_waiters(1)
    pack = InThread(lambda: ApiClient(app.test_client(), key).command(package_of_b, pack_body))
    watcher.wait_for_waiters(2, or_done=pack.done)
    locker.release()

    assert intake.result().status_code == 201
    assert pack.result().status_code == 204
    assert watcher.deadlocks() == deadlocks_before
    assert_invariants()


def test_a_connection_killed_mid_command_is_retried_and_the_command_commits_once(app, world, watcher, locker):
    key = token()
    [package_id] = order("K1", "A", prefer="L1")
    pack_body = {"slug": slug("COMPLETE_PACKAGING", PackageStatus.WAITING)}
    locker.hold("SELECT id FROM stocks WHERE id = %s FOR UPDATE", _stock_id("L1", "A"))
    pack = InThread(lambda: ApiClient(app.test_client(), key).command(package_id, pack_body))
    watcher.wait_for_waiters(1)

    [victim] = watcher.lock_waiters()
    watcher.scalar("SELECT pg_terminate_backend(%s)", victim)
    wait_until(lambda: watcher.lock_waiters() not in ([], [victim]), "the command to run again on a new connection")
    locker.release()

    assert pack.result().status_code == 204
    db.session.rollback()
    assert db.session.get(Package, package_id).state is PackageStatus.PACKED
    assert _count(TransitionLog, TransitionLog.package_id == package_id, TransitionLog.from_status.is_not(None)) == 1
    assert_invariants()


def test_a_read_whose_connection_is_killed_is_answered_on_a_new_one(app, world, watcher, locker):
    key = token()
    order("R1", "A", prefer="L1")
    locker.hold("LOCK TABLE packages IN ACCESS EXCLUSIVE MODE")
    listing = InThread(lambda: ApiClient(app.test_client(), key).get("packages/"))
    watcher.wait_for_waiters(1)

    [victim] = watcher.lock_waiters()
    watcher.scalar("SELECT pg_terminate_backend(%s)", victim)
    wait_until(lambda: watcher.backend_gone(victim), "the killed connection to go")
    locker.release()

    response = listing.result()
    assert response.status_code == 200
    assert response.get_json()["count"] == 1


def test_packing_many_packages_of_one_item_at_once_keeps_every_count(app, world):
    """Many commands at one location: quota and stock counters stay exact (no lost update)."""
    key = token()
    packages = [order(f"M{n}", "A", prefer="L1")[0] for n in range(8)]
    slugs = slug("COMPLETE_PACKAGING", PackageStatus.WAITING)
    requests = [
        InThread(lambda package_id=package_id: ApiClient(app.test_client(), key).command(package_id, {"slug": slugs}))
        for package_id in packages
    ]
    assert [request.result().status_code for request in requests] == [204] * 8
    assert_invariants()
