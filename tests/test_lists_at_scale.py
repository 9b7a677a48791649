"""Lists that do not grow with history: pages found by id in the index first, counts from `package_counts`."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, func, select

from oms_dashboard.actors import SYSTEM, Actor
from oms_dashboard.extensions import db
from oms_dashboard.models import Package, PackageCount
from oms_dashboard.selectors.package_pages import package_list_page
from oms_dashboard.selectors.packages import PackageFilters, status_counts
from oms_dashboard.states import PackageStatus, Visibility
from tests.helpers import (
    ApiClient,
    fresh,
    item_ids,
    location,
    location_id,
    order,
    product,
    run,
    sign_in,
    slug,
    stock,
    token,
    user,
)
from tests.invariants import _package_counts_equal_the_packages, assert_invariants
from tests.test_query_counts import counted_statements

WAITING, PACKED = PackageStatus.WAITING.value, PackageStatus.PACKED.value


@pytest.fixture
def shelves(app):
    """13 packages over two stores, some packed: L1 gets the even orders, L2 the odd ones."""
    for code in ("L1", "L2"):
        location(code)
    for sku in ("A", "B"):
        product(sku)
        for code in ("L1", "L2"):
            stock(code, sku, 500)
    packages = [order(f"O{n}", "A", *(["B"] if n % 3 == 0 else []), prefer=f"L{1 + n % 2}")[0] for n in range(13)]
    for package_id in packages[::4]:
        run(package_id, "COMPLETE_PACKAGING")
    fresh()
    return packages


def _expected_ids(**criteria) -> list[int]:
    fresh()
    query = select(Package.id).order_by(Package.id.desc())
    for column, value in criteria.items():
        query = query.where(getattr(Package, column) == value)
    return list(db.session.scalars(query))


def _grouped(**criteria) -> dict[int, int]:
    query = select(Package.status, func.count()).group_by(Package.status)
    for column, value in criteria.items():
        query = query.where(getattr(Package, column) == value)
    return dict(db.session.execute(query).all())


@pytest.mark.parametrize(
    "params, criteria",
    [
        ({}, {}),
        ({"status": WAITING}, {"status": WAITING}),
        ({"stock_location": "L1"}, {"stock_location_id": "L1"}),
        ({"status": PACKED, "stock_location": "L1"}, {"status": PACKED, "stock_location_id": "L1"}),
        ({"status": PACKED, "stock_location": "L2"}, {"status": PACKED, "stock_location_id": "L2"}),  # none
    ],
)
def test_api_pages_hold_every_matching_package_once_newest_first(shelves, app, client, params, criteria):
    api = ApiClient(client, token())
    params = {name: location_id(value) if name == "stock_location" else value for name, value in params.items()}
    criteria = {name: location_id(value) if name == "stock_location_id" else value for name, value in criteria.items()}
    expected = _expected_ids(**criteria)
    seen, page = [], 1
    while True:
        body = api.get("packages/", page=page, page_size=3, **params).get_json()
        assert body["count"] == len(expected)
        seen += [package["id"] for package in body["results"]]
        if body["next"] is None:
            break
        assert len(body["results"]) == 3
        page += 1

    assert seen == expected  # no gap, no duplicate, descending ids
    assert page == max(1, -(-len(expected) // 3))
    if page > 1:
        assert body["previous"] is not None
    assert api.get("packages/", page=page + 1, page_size=3, **params).status_code == 404


def test_the_list_page_pages_newest_first_and_counts_from_the_counts_table_or_the_search(shelves):
    l1 = location_id("L1")
    store = Actor(name="store", visibility=Visibility.INSTORE, location_ids=frozenset({l1}))
    for actor, filters, criteria in [
        (SYSTEM, PackageFilters(), {}),
        (SYSTEM, PackageFilters(status=WAITING), {"status": WAITING}),
        (store, PackageFilters(), {"stock_location_id": l1}),
        (store, PackageFilters(stock_location_id=location_id("L2")), {"stock_location_id": -1}),  # not theirs
        (SYSTEM, PackageFilters(status=PACKED, stock_location_id=l1), {"status": PACKED, "stock_location_id": l1}),
    ]:
        pages = [package_list_page(filters=filters, actor=actor, page=page, page_size=4) for page in (1, 2, 3, 4)]
        rows = [row.id for listing in pages for row in listing.rows]
        assert rows == _expected_ids(**criteria), filters
        without_status = {name: value for name, value in criteria.items() if name != "status"}
        assert pages[0].status_counts == _grouped(**without_status)
        assert pages[0].total == len(rows)

    searched = package_list_page(filters=PackageFilters(search="O1"), actor=SYSTEM, page=1, page_size=25)
    numbers = {"O1", *(f"O1{n}" for n in range(3))}  # O1, O10, O11, O12: by the order number's start
    assert {row.order_number for row in searched.rows} == numbers
    assert searched.total == sum(searched.status_counts.values()) == len(numbers)


def test_the_list_page_and_the_api_list_cost_the_same_for_2_or_40_packages(app, client):
    location("L1")
    product("A")
    stock("L1", "A", 500)
    user("murat", "manager")
    sign_in(client, "murat")
    api = ApiClient(client, token("L1"))
    assert api.get("stocklocations/").status_code == 200  # the token's first use is recorded once
    assert client.get("/packages/").status_code == 200  # the process keeps the filter's choices from then on
    l1 = location_id("L1")
    paths = [
        "/packages/",
        f"/packages/?location={l1}&status={WAITING}",
        "/packages/?q=O&page=1",
        "/api/v1/oms/packages/?page_size=100",
        f"/api/v1/oms/packages/?stock_location={l1}&status={WAITING}",
        "/api/v1/oms/packages/?sku=A",
    ]

    def costs() -> list[int]:
        result = []
        for path in paths:
            with counted_statements() as statements:
                response = client.get(path, headers=api.headers if "/api/" in path else {})
            assert response.status_code == 200, path
            result.append(len(statements))
        return result

    for number in range(2):
        order(f"O{number}", "A", prefer="L1")
    few = costs()
    for number in range(2, 40):
        order(f"O{number}", "A", prefer="L1")

    assert costs() == few
    # The signed-in user, the cache generation (the bulk toolbar's commands, the filter's choices), the slider
    # counts and the page of rows.
    assert few[0] <= 4


def test_counts_follow_intake_commands_replanning_and_cancellation(shelves, app, client):
    assert_invariants()
    api = ApiClient(client, token())
    moved = shelves[1]  # at L2: not found there, replanned to L1 (a new package) or out of stock
    run(moved, "DETECTED_OUT_OF_STOCK_ITEM", package_items=item_ids(moved))
    assert_invariants()
    assert api.post_raw("orders/O3/cancel/", {"reason": "Changed mind"}).status_code in (200, 202, 204)
    assert_invariants()
    waiting = {"slug": slug("COMPLETE_PACKAGING", PackageStatus.WAITING)}
    assert api.command(shelves[2], waiting).status_code in (200, 204)
    assert_invariants()
    fresh()
    assert status_counts(location_ids=[location_id("L1")]) == _grouped(stock_location_id=location_id("L1"))
    assert status_counts() == _grouped()


def test_changes_outside_a_service_transaction_are_counted_at_once(shelves):
    fresh()
    package = db.session.get(Package, shelves[0])
    package.status = PackageStatus.SHIPPED.value
    package.stock_location_id = location_id("L2")
    db.session.commit()
    _package_counts_equal_the_packages()  # (the other invariants do not hold for a package moved by hand)

    added = Package(number="BY-HAND", order_id=package.order_id, stock_location_id=package.stock_location_id, status=1)
    db.session.add(added)
    db.session.commit()
    _package_counts_equal_the_packages()
    db.session.delete(added)  # expired by the commit: counted out where it was all the same
    db.session.commit()
    _package_counts_equal_the_packages()


def test_oms_recount_rebuilds_the_counts_from_the_packages(shelves, app):
    fresh()
    db.session.execute(delete(PackageCount))
    db.session.add(PackageCount(stock_location_id=location_id("L1"), status=WAITING, count=99))
    db.session.commit()
    with pytest.raises(AssertionError):
        assert_invariants()

    result = app.test_cli_runner().invoke(args=["oms", "recount"])

    assert result.exit_code == 0, result.output
    assert "Package counts rebuilt" in result.output
    assert_invariants()


@pytest.mark.postgresql_only
def test_concurrent_commands_at_one_location_keep_its_counts_exact(shelves, app):
    """Three commands wait together on the location's WAITING count row, then all add their move to it."""
    from tests.test_concurrency import _race

    key = token()
    l1 = location_id("L1")
    fresh()
    waiting = list(
        db.session.scalars(select(Package.id).where(Package.stock_location_id == l1, Package.status == WAITING))
    )
    assert len(waiting) == 3
    pack = {"slug": slug("COMPLETE_PACKAGING", PackageStatus.WAITING)}

    responses = _race(
        app,
        f"SELECT 1 FROM package_counts WHERE stock_location_id = %s AND status = {WAITING} FOR UPDATE",
        l1,
        [
            lambda package_id=package_id: ApiClient(app.test_client(), key).command(package_id, pack)
            for package_id in waiting
        ],
    )

    assert all(response.status_code in (200, 204) for response in responses)
    assert_invariants()
