"""Engine set-up and the one way services open a write transaction.

SQLite has no row locks: a deferred transaction that reads and then writes can lose the
race to upgrade its lock. Write transactions therefore start with BEGIN IMMEDIATE, which
makes SQLite serialise writers the way `SELECT … FOR UPDATE` serialises them on PostgreSQL.

On PostgreSQL every connection carries `lock_timeout` and `statement_timeout`, so no request
waits without limit; the lock order that keeps transactions from deadlocking is in `locking.py`.
"""

from __future__ import annotations

import logging
import random
import sqlite3
import time
from collections.abc import Callable
from enum import Enum
from typing import TypeVar

from flask import current_app
from sqlalchemy import event, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm import InstrumentedAttribute

from .cache import ONLY_GENERATION_READ
from .errors import AppError
from .extensions import db
from .locking import Rank, RetryTransaction, claim, end_ledger, start_ledger

T = TypeVar("T")
log = logging.getLogger(__name__)

# The largest value an `integer` column (every id here) holds on PostgreSQL; larger ids from
# requests are refused before they reach the database, where they would be an error, not a miss.
MAX_ID = 2_147_483_647

# deadlock_detected, serialization_failure, lock_not_available (NOWAIT or lock_timeout): the
# transaction never took effect, so running it again from the start is safe.
_CONTENTION_SQLSTATES = {"40P01", "40001", "55P03"}
_SQLITE_BEGIN_OPTION = "oms_sqlite_begin"
# Retry pauses: full jitter over an exponential ceiling, so retrying transactions spread out.
_FIRST_PAUSE_SECONDS = 0.01
_LONGEST_PAUSE_SECONDS = 0.25
_MAX_ATTEMPTS = 10
# Contention is retried for at most this many lock timeouts in all. A loaded machine (two cores, many
# workers) can hold a hot row for seconds, so two lock timeouts turned a busy moment into 503s.
_BUDGET_IN_LOCK_TIMEOUTS = 4
UNKNOWN_OUTCOME = (
    "The database connection was lost while the change was being saved, so it may or may not have been"
    " saved. Check before repeating it, or repeat it with the same Idempotency-Key."
)


class Failure(Enum):
    CONTENTION = "contention"  # another transaction holds what this one needs: try again soon
    CONNECTION = "connection"  # the connection broke or could not be made: try once more
    UNAVAILABLE = "unavailable"  # a timeout or refusal that repeating at once will not cure


def classify(exc: BaseException) -> Failure | None:
    """What kind of transient database trouble `exc` is; None when it is not one (a bug, a bad request)."""
    if isinstance(exc, RetryTransaction):
        return Failure.CONTENTION
    if isinstance(exc, PoolTimeout):
        return Failure.UNAVAILABLE
    if not isinstance(exc, DBAPIError):
        return None
    original = exc.orig
    if getattr(original, "sqlstate", None) in _CONTENTION_SQLSTATES:
        return Failure.CONTENTION
    if isinstance(original, sqlite3.OperationalError) and ("locked" in str(original) or "busy" in str(original)):
        return Failure.CONTENTION
    if exc.connection_invalidated:
        return Failure.CONNECTION
    if isinstance(exc, OperationalError):
        # No SQLSTATE: the server could not be reached at all (refused, reset, DNS).
        return Failure.CONNECTION if getattr(original, "sqlstate", None) is None else Failure.UNAVAILABLE
    return None


def next_in_sequence(counter: InstrumentedAttribute[int], row_id: int, rank: Rank) -> int:
    """Bump a per-row counter (an order's packages, a package's transfers) in one UPDATE … RETURNING,
    so concurrent commands never get the same number."""
    table = counter.class_.__table__
    claim(rank, row_id, row=select(table.c.id).where(table.c.id == row_id))
    return db.session.execute(
        update(table).where(table.c.id == row_id).values({counter.key: counter + 1}).returning(counter)
    ).scalar_one()


def engine_options(database_uri: str, *, lock_timeout_ms: int, statement_timeout_ms: int) -> dict:
    if database_uri.startswith("sqlite"):
        return {"connect_args": {"timeout": lock_timeout_ms / 1000}}
    options = f"-c lock_timeout={lock_timeout_ms} -c statement_timeout={statement_timeout_ms}"
    # No pool_pre_ping: a ping is a round trip on every checkout. A connection the server dropped fails on
    # its first statement instead; SQLAlchemy then discards the pool's older connections too, and that
    # statement is tried again on a fresh one: the cache's generation read (an API request's first
    # statement) itself, `run_in_transaction` from the start, a GET as a whole (`RetryReadsOnce`).
    return {"pool_size": 10, "max_overflow": 10, "connect_args": {"options": options}}


def configure_engine(engine: Engine, *, lock_timeout_ms: int) -> None:
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        # Hand transaction control to SQLAlchemy's "begin" event below.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute(f"PRAGMA busy_timeout={int(lock_timeout_ms)}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        mode = connection.get_execution_options().get(_SQLITE_BEGIN_OPTION, "DEFERRED")
        connection.exec_driver_sql(f"BEGIN {mode}")


def run_in_transaction(work: Callable[[], T]) -> T:
    """Run `work` in one write transaction and commit once; roll back on any error.

    Contention (a deadlock, a lock held past `lock_timeout`, a NOWAIT refusal, a lost race) rolls
    back and runs `work` again from the start after a jittered pause, for as long as the retry
    budget allows; a broken connection is tried once more. When that is not enough the caller gets
    `AppError.unavailable()`, a 503 with Retry-After, and nothing was changed. `work` must load what
    it needs itself (services lock their rows inside it).
    """
    session = db.session()  # the request's Session behind the scoped proxy
    if session.new or session.dirty or session.deleted:
        raise RuntimeError("unsaved changes outside a service transaction")
    started = time.monotonic()
    budget = _BUDGET_IN_LOCK_TIMEOUTS * current_app.config["LOCK_TIMEOUT_MS"] / 1000
    attempt = 0
    foreseen: dict = {}  # rows earlier attempts were refused out of order: taken in order next time
    while True:
        attempt += 1
        ledger = None
        try:
            _begin_write(session)
            ledger = start_ledger(foreseen)
            result = work()
            session.flush()
            for step in ledger.before_commit:  # deferred counters, last in the lock order
                step(ledger)
        except BaseException as exc:
            session.rollback()
            if ledger is not None:
                foreseen |= ledger.refused
            end_ledger()
            failure = classify(exc)
            if failure is None:
                raise
            if _may_retry(failure, attempt, time.monotonic() - started, budget):
                log.info("transaction attempt %d failed (%s: %s); running it again", attempt, failure.value, exc)
                time.sleep(random.uniform(0, min(_LONGEST_PAUSE_SECONDS, _FIRST_PAUSE_SECONDS * 2**attempt)))
                continue
            log.warning("transaction given up after %d attempt(s): %s", attempt, exc)
            raise AppError.unavailable() from exc
        end_ledger()
        try:
            session.commit()
        except DBAPIError as exc:
            session.rollback()
            if classify(exc) is None:
                raise
            log.warning("commit failed, outcome unknown: %s", exc)
            raise AppError.unavailable(UNKNOWN_OUTCOME) from exc
        return result


def _begin_write(session) -> None:
    """Start the write transaction: BEGIN IMMEDIATE on SQLite. A read transaction the request opened is
    committed first, so the write sees nothing older than its own start and the ORM no row read before it;
    when the request only read the cache generation (an API command whose token came from the cache), the
    write carries on in that transaction on PostgreSQL: one transaction per command, nothing to go stale."""
    sqlite = db.engine.dialect.name == "sqlite"
    if session.in_transaction() and (sqlite or not session.info.get(ONLY_GENERATION_READ)):
        session.commit()
    if sqlite:
        session.connection(execution_options={_SQLITE_BEGIN_OPTION: "IMMEDIATE"})


def _may_retry(failure: Failure, attempt: int, elapsed: float, budget: float) -> bool:
    if failure is Failure.CONTENTION:
        return attempt < _MAX_ATTEMPTS and elapsed < budget
    return failure is Failure.CONNECTION and attempt == 1
