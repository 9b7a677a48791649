"""The one lock order, and the ledger that keeps every write transaction to it.

Row locks are taken in this order, by every intake, command, transfer, stock push and admin write:

    1. packages            by id           (`lock_package`: the command's own package)
    2. transfer orders     by id           (a transfer command: after the transfer's package)
    3. stock rows          by (location id, product id)   (reserve, release, consume, write off, push)
    4. orders              by id           (the package-number counter of an order)
    5. stock locations     by id           (quota counters, applied at the end of the transaction)
    6. package counts      by (location id, status)   (the list counts, applied after the quotas, last)

A transaction may *wait* for a lock only when its key is above every key it already holds, so
waits always go up this order and can never form a cycle: no deadlock. When a transaction needs a
key below one it holds (planning reserves stock at one location after releasing it at another),
it asks for it with NOWAIT: if another transaction has it, PostgreSQL answers at once with
`lock_not_available`, the transaction rolls back and `run_in_transaction` runs it again after a
short, jittered pause. Quota changes are not written when they happen but collected here and
applied just before commit, in location order, as conditional UPDATEs: a location row is locked
for the shortest time, last, and a quota a plan relied on is claimed atomically.

Locks are `FOR NO KEY UPDATE`, which does not block the `KEY SHARE` locks that foreign keys take
when other transactions insert rows pointing at the locked row (a new package at a location).
SQLite has no row locks: write transactions there start with BEGIN IMMEDIATE (one writer at a
time), so the lock statements are plain reads and NOWAIT never happens.

Outbox events and webhook deliveries are outside this order: the webhook worker
(`services/webhooks/delivery.py`) locks them alone, in transactions of their own that take no
other row lock (one dispatch claims undispatched events; one send holds one delivery's lock), and
always with SKIP LOCKED, so it never waits for them. Commands only insert outbox rows, never lock them.

The cache generation row (`cache.py`) is outside it too: triggers update it when transitions or API
tokens are written (install, admin and CLI writes, never a command), holding it to commit; a rare
deadlock between two such writes is retried like any other.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import IntEnum
from typing import Any, TypeVar

from sqlalchemy import Select, Table, select
from sqlalchemy.exc import DBAPIError

from .extensions import db


class Rank(IntEnum):
    PACKAGE = 1
    TRANSFER = 2
    STOCK = 3
    ORDER = 4
    LOCATION = 5


M = TypeVar("M")
Key = tuple[int, ...]  # (rank, …) compared as tuples: the global order


class RetryTransaction(Exception):
    """The transaction lost a race it can only win by starting again (e.g. a quota slot went)."""


@dataclass
class Ledger:
    """What one attempt of one write transaction holds and still has to write."""

    held: set[Key] = field(default_factory=set)
    highest: Key | None = None
    quota_deltas: dict[int, int] = field(default_factory=dict)
    # Locations whose increase in this transaction was planned on their free quota (SELECT_BY_QUOTA).
    quota_limited: set[int] = field(default_factory=set)
    before_commit: list[Callable[[Ledger], None]] = field(default_factory=list)
    # Net packages in or out of each (location, status), written last (`services/package_counts.py`);
    # None once written, so a package changed after that is an error instead of a wrong count.
    package_count_deltas: dict[tuple[int, int], int] | None = field(default_factory=dict)
    # Rows an earlier attempt was refused with NOWAIT: this attempt locks each of them in order,
    # waiting like for any lock, before it takes a higher key. A hot row is thus not lost again and
    # again to NOWAIT (starvation); `refused` collects this attempt's refusals for the next one.
    foreseen: dict[Key, Select] = field(default_factory=dict)
    refused: dict[Key, Select] = field(default_factory=dict)

    def own(self, key: Key) -> None:
        """A row this transaction created: no one else can see it, let alone lock it."""
        self.held.add(key)


_LEDGER = "oms_ledger"


def ledger() -> Ledger:
    """The ledger of the write transaction in progress (a fresh one per attempt of `run_in_transaction`)."""
    book = db.session().info.get(_LEDGER)
    if book is None:
        raise RuntimeError("row locks and counters change only inside database.run_in_transaction")
    return book


def start_ledger(foreseen: dict[Key, Select]) -> Ledger:
    book = db.session().info[_LEDGER] = Ledger(foreseen=dict(foreseen))
    return book


def end_ledger() -> None:
    db.session().info.pop(_LEDGER, None)


def _must_not_wait(book: Ledger, key: Key) -> bool:
    """Record `key` as held; True when it is below a held key, so it must be taken with NOWAIT."""
    if key in book.held:
        return False
    book.held.add(key)
    if book.highest is not None and key < book.highest:
        return True
    for early in sorted(k for k in book.foreseen if k < key and k not in book.held):
        db.session.execute(book.foreseen[early].with_for_update(key_share=True))
        book.held.add(early)
    book.highest = key
    return False


def lock_row(table: Table, rank: Rank, row_id: int) -> bool:
    """Lock one row (a package, a transfer order) by id in the global order; False when it does not exist."""
    nowait = _must_not_wait(ledger(), (rank, row_id))
    statement = select(table.c.id).where(table.c.id == row_id).with_for_update(key_share=True, nowait=nowait)
    return db.session.execute(statement).first() is not None


def claim(rank: Rank, *key: int, row: Select) -> None:
    """Call before changing a row with an UPDATE (which locks it, waiting if need be).

    In order, the UPDATE may wait. Out of order, `row` (a SELECT of that row) is locked first with
    NOWAIT, so this transaction never waits for a lock below one it holds; when that is refused, the
    next attempt takes the row in order (`Ledger.foreseen`).
    """
    book = ledger()
    if _must_not_wait(book, (rank, *key)):
        try:
            db.session.execute(row.with_for_update(key_share=True, nowait=True))
        except DBAPIError:
            book.refused[(rank, *key)] = row
            raise


def lock_first(model: type[M], rank: Rank, *criteria: Any) -> list[M]:
    """Lock the `model` rows matching `criteria`, in id order, as the transaction's first locks.

    For writes that touch one kind of row only (master data): taken before anything else, they
    cannot be below a held key, so waiting for them keeps the order.
    """
    book = ledger()
    if book.held:
        raise RuntimeError("lock_first must take the transaction's first locks")
    statement = select(model).where(*criteria).order_by(model.id).with_for_update(key_share=True)
    rows = list(db.session.scalars(statement))
    keys = [(rank, row.id) for row in rows]
    book.held.update(keys)
    book.highest = max(keys, default=None)
    return rows
