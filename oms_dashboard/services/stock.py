"""Stock counters and reservations. Every change is one conditional UPDATE, never read-modify-write."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import case, delete, func, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from ..extensions import db
from ..models import Reservation, Stock, StockLocation


def adjust_quota(location_id: int, delta: int) -> None:
    db.session.execute(
        update(StockLocation.__table__).where(StockLocation.id == location_id).values(quota=StockLocation.quota + delta)
    )


def try_reserve(stock_id: int, units: int) -> bool:
    """Reserve `units` of a stock row if that many are still available; False when another order got there first."""
    result = db.session.execute(
        update(Stock.__table__)
        .where(Stock.id == stock_id, Stock.quantity - Stock.reserved >= units)
        .values(reserved=Stock.reserved + units)
    )
    return result.rowcount == 1


def unreserve(stock_id: int, units: int) -> None:
    db.session.execute(update(Stock.__table__).where(Stock.id == stock_id).values(reserved=Stock.reserved - units))


def add_reservations(pairs: Iterable[tuple[int, int]]) -> None:
    """Reservation rows for (package item id, stock id) pairs whose units `try_reserve` already counted."""
    db.session.add_all(Reservation(package_item_id=item_id, stock_id=stock_id) for item_id, stock_id in pairs)


def release_reservations(package_item_ids: Iterable[int]) -> None:
    """Give the reserved units back to their stock rows."""
    _drop_reservations(list(package_item_ids), consume=False)


def consume_reservations(package_item_ids: Iterable[int]) -> None:
    """The units leave the shelf (packing): quantity and reserved both go down."""
    _drop_reservations(list(package_item_ids), consume=True)


def write_off(location_id: int, product_id: int, units: int) -> None:
    """Units reported missing or defective are not sellable here until the ERP's next stock push."""
    db.session.execute(
        update(Stock.__table__)
        .where(Stock.stock_location_id == location_id, Stock.product_id == product_id)
        .values(quantity=case((Stock.quantity - units >= Stock.reserved, Stock.quantity - units), else_=Stock.reserved))
    )


def _drop_reservations(package_item_ids: list[int], *, consume: bool) -> None:
    if not package_item_ids:
        return
    counts = db.session.execute(
        select(Reservation.stock_id, func.count())
        .where(Reservation.package_item_id.in_(package_item_ids))
        .group_by(Reservation.stock_id)
        .order_by(Reservation.stock_id)  # one lock order for every command: no deadlocks between them
    ).all()
    for stock_id, units in counts:
        values = {"reserved": Stock.reserved - units}
        if consume:
            # An ERP stock push may have lowered quantity below what was reserved.
            values["quantity"] = case((Stock.quantity >= units, Stock.quantity - units), else_=0)
        db.session.execute(update(Stock.__table__).where(Stock.id == stock_id).values(**values))
    db.session.execute(delete(Reservation).where(Reservation.package_item_id.in_(package_item_ids)))


def ensure_stock_row(location_id: int, product_id: int) -> int:
    """The stock row of a product at a location, created empty if missing (race-safe: ON CONFLICT)."""
    insert = postgresql_insert if db.engine.dialect.name == "postgresql" else sqlite_insert
    db.session.execute(
        insert(Stock.__table__)
        .values(stock_location_id=location_id, product_id=product_id, quantity=0, reserved=0)
        .on_conflict_do_nothing(index_elements=["stock_location_id", "product_id"])
    )
    return db.session.scalar(
        select(Stock.id).where(Stock.stock_location_id == location_id, Stock.product_id == product_id)
    )


def receive_reserved(stock_id: int, units: int) -> None:
    """Units arriving for packages that wait for them: on hand and reserved at once."""
    db.session.execute(
        update(Stock.__table__)
        .where(Stock.id == stock_id)
        .values(quantity=Stock.quantity + units, reserved=Stock.reserved + units)
    )
