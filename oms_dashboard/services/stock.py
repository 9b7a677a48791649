"""Stock and quota counters, and reservations.

Every change is one conditional UPDATE, never read-modify-write, and takes its row in the lock
order of `locking.py`: stock rows by (location, product); quota changes are collected and written
at the end of the transaction, location by location.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import NamedTuple

from sqlalchemy import case, delete, func, or_, select, tuple_, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from ..extensions import db
from ..locking import Ledger, Rank, RetryTransaction, claim, ledger
from ..models import Discrepancy, Reservation, Stock, StockLocation
from ..models.base import utcnow
from .history import emit_location_events


class StockRow(NamedTuple):
    """A stock row and its place in the lock order."""

    id: int
    location_id: int
    product_id: int


def _claim(location_id: int, product_id: int) -> None:
    claim(
        Rank.STOCK,
        location_id,
        product_id,
        row=select(Stock.id).where(Stock.stock_location_id == location_id, Stock.product_id == product_id),
    )


# --- quota ----------------------------------------------------------------------------------------


def change_quota(location_id: int, delta: int) -> None:
    """Count a package entering (+1) or leaving (−1) a location's quota; written at commit."""
    book = ledger()
    if _write_quota not in book.before_commit:
        book.before_commit.append(_write_quota)
    book.quota_deltas[location_id] = book.quota_deltas.get(location_id, 0) + delta


def pending_quota(location_id: int) -> int:
    """What this transaction has added to the location's quota so far (not yet written)."""
    return ledger().quota_deltas.get(location_id, 0)


def hold_to_max_quota(location_id: int) -> None:
    """This transaction's packages at the location were planned on its free quota: at commit the
    increase is written only if it still fits under `max_quota`, else the transaction runs again."""
    ledger().quota_limited.add(location_id)


def _write_quota(book: Ledger) -> None:
    """One UPDATE … RETURNING per location whose quota changed: it takes the row lock, checks the limit and
    hands back the location as it is now, for its event, without reading it again."""
    table = StockLocation.__table__
    changed = []
    for location_id in sorted(book.quota_deltas):
        delta = book.quota_deltas[location_id]
        if not delta:
            continue
        statement = (
            update(StockLocation)
            .where(table.c.id == location_id)
            .values(quota=table.c.quota + delta)
            .returning(StockLocation)
            .execution_options(synchronize_session=False, populate_existing=True)
        )
        if delta > 0 and location_id in book.quota_limited:
            statement = statement.where(or_(table.c.max_quota.is_(None), table.c.quota + delta <= table.c.max_quota))
        location = db.session.scalars(statement).first()
        if location is None:
            raise RetryTransaction(f"stock location {location_id} has no quota left for this plan")
        changed.append(location)
    # Integrators follow quota use through `stock_location.updated` (DESIGN §8). Written after the
    # UPDATE took the location's row lock, so these events are numbered in the order they commit.
    emit_location_events(("stock_location.updated", location) for location in changed)


# --- stock rows -----------------------------------------------------------------------------------


def try_reserve(row: StockRow, units: int) -> bool:
    """Reserve `units` of a stock row if that many are still available; False when another order got there first."""
    _claim(row.location_id, row.product_id)
    result = db.session.execute(
        update(Stock.__table__)
        .where(Stock.id == row.id, Stock.quantity - Stock.reserved >= units)
        .values(reserved=Stock.reserved + units)
    )
    return result.rowcount == 1


def unreserve(row: StockRow, units: int) -> None:
    """Give back units `try_reserve` took in this transaction (the row is already held)."""
    db.session.execute(update(Stock.__table__).where(Stock.id == row.id).values(reserved=Stock.reserved - units))


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
    _claim(location_id, product_id)
    db.session.execute(
        update(Stock.__table__)
        .where(Stock.stock_location_id == location_id, Stock.product_id == product_id)
        .values(quantity=case((Stock.quantity - units >= Stock.reserved, Stock.quantity - units), else_=Stock.reserved))
    )


def _drop_reservations(package_item_ids: list[int], *, consume: bool) -> None:
    if not package_item_ids:
        return
    counts = db.session.execute(
        select(Reservation.stock_id, Stock.stock_location_id, Stock.product_id, func.count())
        .join(Stock, Stock.id == Reservation.stock_id)
        .where(Reservation.package_item_id.in_(package_item_ids))
        .group_by(Reservation.stock_id, Stock.stock_location_id, Stock.product_id)
        .order_by(Stock.stock_location_id, Stock.product_id)  # the lock order
    ).all()
    for stock_id, location_id, product_id, units in counts:
        _claim(location_id, product_id)
        values = {"reserved": Stock.reserved - units}
        if consume:
            # An ERP stock push may have lowered quantity below what was reserved.
            values["quantity"] = case((Stock.quantity >= units, Stock.quantity - units), else_=0)
        db.session.execute(update(Stock.__table__).where(Stock.id == stock_id).values(**values))
    db.session.execute(delete(Reservation).where(Reservation.package_item_id.in_(package_item_ids)))


def upsert_stock(location_id: int, product_id: int, *, quantity: int) -> None:
    """Set the units on hand (the ERP's word); what is reserved stays reserved."""
    _claim(location_id, product_id)
    statement = _insert()(Stock.__table__).values(
        stock_location_id=location_id, product_id=product_id, quantity=quantity, reserved=0
    )
    db.session.execute(
        statement.on_conflict_do_update(
            index_elements=["stock_location_id", "product_id"], set_={"quantity": statement.excluded.quantity}
        )
    )


def receive_reserved(location_id: int, product_id: int, units: int) -> int:
    """Units arriving for packages that wait for them: on hand and reserved at once. Returns the stock row id
    (created empty first when the location never had the product)."""
    _claim(location_id, product_id)
    statement = _insert()(Stock.__table__).values(
        stock_location_id=location_id, product_id=product_id, quantity=units, reserved=units
    )
    return db.session.execute(
        statement.on_conflict_do_update(
            index_elements=["stock_location_id", "product_id"],
            set_={"quantity": Stock.__table__.c.quantity + units, "reserved": Stock.__table__.c.reserved + units},
        ).returning(Stock.__table__.c.id)
    ).scalar_one()


def _insert():
    return postgresql_insert if db.engine.dialect.name == "postgresql" else sqlite_insert


def clear_discrepancies(pairs: Sequence[tuple[int, int]]) -> None:
    """The ERP pushed units of these (location, product) pairs: the shelf holds them again, so items once
    reported missing there may be planned there again (DESIGN §4.1)."""
    if not pairs:
        return
    db.session.execute(
        update(Discrepancy)
        .where(
            tuple_(Discrepancy.stock_location_id, Discrepancy.product_id).in_(pairs), Discrepancy.cleared_date.is_(None)
        )
        .values(cleared_date=utcnow())
        .execution_options(synchronize_session=False)
    )
