"""Packages per (location, status), kept exact by every flush: the list counts without counting history.

The package list's slider, its total and a location's counts read the small `package_counts` table
instead of a GROUP BY over every package ever made, which grows with history.

Changes are taken from the session, not from each command: after a flush, a new package counts +1
at its (location, status), a package whose status or location changed moves from the old pair to
the new one, a deleted package counts -1 (`Package.status` and `stock_location_id` keep their old
value for this: `active_history`). Inside a service transaction the deltas are added up in the
ledger and written just before commit, last in the lock order (`locking.py`, after the quotas), one
upsert per (location, status) whose net change is not zero, in key order: a count row is locked for
the shortest time and concurrent commands take the rows in the same order. Outside a service
transaction (a test's direct inserts, a shell) there is no lock order to keep and no later step to
defer to, so the deltas are written at once, in the flush's own transaction.

Statements that bypass the session (a bulk `update(Package)`, COPY, raw SQL) are not seen; the
services have none, and bulk loaders run `flask oms recount` afterwards.
"""

from __future__ import annotations

from collections import Counter

from sqlalchemy import delete, event, func, inspect, select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from ..database import run_in_transaction
from ..extensions import db
from ..locking import Ledger, ledger
from ..models import Package, PackageCount

Pair = tuple[int, int]  # (stock location id, status)


def count_packages_on_every_flush() -> None:
    """Called once at app start-up; registering again (another app in the same process) changes nothing."""
    if not event.contains(Session, "after_flush", _count_flushed_packages):
        event.listen(Session, "after_flush", _count_flushed_packages)


def recount_packages() -> int:
    """Rebuild the counts from the packages table (after a bulk load); returns the number of count rows."""

    def work() -> int:
        if db.engine.dialect.name == "postgresql":
            # Writers wait at their last step until the new counts are committed, then add their own change:
            # one that committed before is in the GROUP BY below, one still running is not, and adds itself.
            db.session.execute(text("LOCK TABLE package_counts IN EXCLUSIVE MODE"))
        db.session.execute(delete(PackageCount))
        db.session.execute(
            PackageCount.__table__.insert().from_select(
                ["stock_location_id", "status", "count"],
                select(Package.stock_location_id, Package.status, func.count()).group_by(
                    Package.stock_location_id, Package.status
                ),
            )
        )
        return db.session.scalar(select(func.count()).select_from(PackageCount)) or 0

    return run_in_transaction(work)


# After a flush (not before): a new package's stock_location_id is filled in from its relationship
# only during the flush, and the session still shows what was new, changed and deleted, with history.
def _count_flushed_packages(session: Session, _flush_context) -> None:
    deltas = _flushed_deltas(session)
    if not deltas:
        return
    book = _ledger_of(session)
    if book is None:
        _write(session, deltas)
        return
    if book.package_count_deltas is None:
        raise RuntimeError("a package changed after the package counts were written")
    for pair, delta in deltas.items():
        book.package_count_deltas[pair] = book.package_count_deltas.get(pair, 0) + delta
    if _write_deltas not in book.before_commit:
        book.before_commit.append(_write_deltas)


def _flushed_deltas(session: Session) -> Counter[Pair]:
    deltas: Counter[Pair] = Counter()
    for package in session.new:
        if isinstance(package, Package):
            deltas[(package.stock_location_id, package.status)] += 1
    for package in session.dirty:
        if isinstance(package, Package):
            before, after = _pair(package, old=True), _pair(package, old=False)
            if before != after:
                deltas[before] -= 1
                deltas[after] += 1
    for package in session.deleted:
        if isinstance(package, Package):
            deltas[_pair(package, old=True)] -= 1
    return Counter({pair: delta for pair, delta in deltas.items() if delta})


def _pair(package: Package, *, old: bool) -> Pair:
    attributes = inspect(package).attrs
    return tuple(_value(attributes[name].history, old=old) for name in ("stock_location_id", "status"))


def _value(history, *, old: bool) -> int:
    changed = history.deleted if old else history.added
    return (changed or history.unchanged)[0]


def _ledger_of(session: Session) -> Ledger | None:
    try:
        return ledger() if db.session() is session else None
    except RuntimeError:  # no service transaction (or no app context)
        return None


def _write_deltas(book: Ledger) -> None:
    if book.before_commit[-1] is not _write_deltas:
        # Another deferred counter was registered after this one (quotas: stock locations, rank 5):
        # the counts come last in the lock order, so run again after it.
        book.before_commit.append(_write_deltas)
        return
    db.session.flush()  # packages changed since the last flush count too
    deltas, book.package_count_deltas = book.package_count_deltas or {}, None
    _write(db.session(), deltas)


def _write(session: Session, deltas: dict[Pair, int]) -> None:
    """One multi-row upsert for all pairs, in key order (rows are locked in the order given); on the
    connection, so no flush starts inside a flush."""
    rows = [
        {"stock_location_id": location_id, "status": status, "count": delta}
        for (location_id, status), delta in sorted(deltas.items())
        if delta
    ]
    if not rows:
        return
    connection = session.connection()
    insert = postgresql.insert if connection.dialect.name == "postgresql" else sqlite.insert
    table = PackageCount.__table__
    statement = insert(table).values(rows)
    connection.execute(
        statement.on_conflict_do_update(
            index_elements=[table.c.stock_location_id, table.c.status],
            set_={"count": table.c["count"] + statement.excluded["count"]},
        )
    )
