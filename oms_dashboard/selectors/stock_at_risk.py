"""Stock at risk: open packages holding reservations on a shelf that now holds fewer units than are reserved.

The ERP's stock push sets `quantity` and may set it below `reserved` (docs/product.md, "Stock at risk"):
nothing is dropped, the row has nothing available, and every package holding one of its reservations is
*at risk*. The invariant is `stock.reserved == number of reservation rows`, not `reserved <= quantity`.

Every question here is one statement whatever the number of packages on a page: the list flags its rows
with a correlated EXISTS in its own row query, and the filter and the location's count use the same EXISTS
on the packages that may hold reservations at all, those in a quota-holding status (the open work, bounded
by the quotas: an index range on (location, status, id) or (status, id)), never on history or the catalogue.
The EXISTS walks package_items(package_id) → reservations(package_item_id, unique) → stocks(id). No index
of its own: a partial index on `reserved > quantity` would make every reservation's UPDATE of a stock row a
non-HOT update on PostgreSQL, and the counters are the hottest rows there are.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, exists, func, select

from ..extensions import db
from ..models import Package, PackageItem, Product, Reservation, Stock, StockLocation
from ..states import QUOTA_HOLDING_STATUSES

# Only a package in one of these statuses holds reservations (tests/invariants.py).
HOLDING = sorted(status.value for status in QUOTA_HOLDING_STATUSES)


def _over_reserved() -> ColumnElement[bool]:
    return Stock.reserved > Stock.quantity


def package_is_at_risk() -> ColumnElement[bool]:
    """True for the `Package` row of the enclosing query when one of its items holds a reservation on an
    over-reserved stock row: a column (or a WHERE term) of the list's own row query, so flagging a page of
    packages costs no statement of its own."""
    return (
        exists()
        .where(
            PackageItem.package_id == Package.id,
            Reservation.package_item_id == PackageItem.id,
            Stock.id == Reservation.stock_id,
            _over_reserved(),
        )
        .correlate(Package)
    )


def packages_at_risk() -> ColumnElement[bool]:
    """The WHERE term of the `at_risk=1` filter: in a status that holds reservations, and at risk."""
    return and_(Package.status.in_(HOLDING), package_is_at_risk())


def at_risk_count(*, location_id: int) -> int:
    """Packages at this location that are at risk (wherever the shelf they reserved on is): the number the
    list filtered with `?location=<id>&at_risk=1` counts. One query."""
    return db.session.scalar(
        select(func.count()).select_from(Package).where(Package.stock_location_id == location_id, packages_at_risk())
    )


@dataclass(frozen=True)
class StockAtRisk:
    """One over-reserved shelf a package holds reservations on."""

    sku: str
    product_name: str
    location_id: int
    location_name: str
    reserved: int  # units reserved on the shelf, by every package
    quantity: int  # units the ERP says are on the shelf
    held: int  # of them, reserved for this package


def stock_at_risk_of(*, package_id: int) -> list[StockAtRisk]:
    """The over-reserved shelves this package holds reservations on, by product name: one query."""
    held = func.count(Reservation.id)
    query = (
        select(
            Product.sku,
            Product.name,
            StockLocation.id,
            StockLocation.name,
            Stock.reserved,
            Stock.quantity,
            held,
        )
        .select_from(PackageItem)
        .join(Reservation, Reservation.package_item_id == PackageItem.id)
        .join(Stock, Stock.id == Reservation.stock_id)
        .join(Product, Product.id == Stock.product_id)
        .join(StockLocation, StockLocation.id == Stock.stock_location_id)
        .where(PackageItem.package_id == package_id, _over_reserved())
        .group_by(
            Stock.id, Product.sku, Product.name, StockLocation.id, StockLocation.name, Stock.reserved, Stock.quantity
        )
        .order_by(Product.name, Product.sku, StockLocation.name)
    )
    return [StockAtRisk(*row) for row in db.session.execute(query)]
