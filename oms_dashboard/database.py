"""Engine set-up and the one way services open a write transaction.

SQLite has no row locks: a deferred transaction that reads and then writes can lose the
race to upgrade its lock. Write transactions therefore start with BEGIN IMMEDIATE, which
makes SQLite serialise writers the way `SELECT … FOR UPDATE` serialises them on PostgreSQL.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy import event, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import InstrumentedAttribute

from .extensions import db

T = TypeVar("T")

# The largest value an `integer` column (every id here) holds on PostgreSQL; larger ids from
# requests are refused before they reach the database, where they would be an error, not a miss.
MAX_ID = 2_147_483_647

# deadlock_detected, serialization_failure, lock_not_available: the command never took
# effect, so running it again from the start is safe.
_TRANSIENT_SQLSTATES = {"40P01", "40001", "55P03"}
_SQLITE_BEGIN_OPTION = "oms_sqlite_begin"


def next_in_sequence(counter: InstrumentedAttribute[int], row_id: int) -> int:
    """Bump a per-row counter (an order's packages, a package's transfers) in one UPDATE … RETURNING,
    so concurrent commands never get the same number."""
    table = counter.class_.__table__
    return db.session.execute(
        update(table).where(table.c.id == row_id).values({counter.key: counter + 1}).returning(counter)
    ).scalar_one()


def engine_options(database_uri: str) -> dict:
    if database_uri.startswith("sqlite"):
        return {"connect_args": {"timeout": 30}}
    return {"pool_pre_ping": True, "pool_size": 10, "max_overflow": 10}


def configure_engine(engine: Engine) -> None:
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
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        mode = connection.get_execution_options().get(_SQLITE_BEGIN_OPTION, "DEFERRED")
        connection.exec_driver_sql(f"BEGIN {mode}")


def is_transient(exc: DBAPIError) -> bool:
    original = exc.orig
    if getattr(original, "sqlstate", None) in _TRANSIENT_SQLSTATES:
        return True
    return isinstance(original, sqlite3.OperationalError) and "locked" in str(original)


def run_in_transaction(work: Callable[[], T], *, attempts: int = 3) -> T:
    """Run `work` in one write transaction and commit once; roll back on any error.

    A deadlock or lock timeout rolls back and runs `work` again from the start, so `work`
    must load what it needs itself (it does: services lock their rows inside `work`).
    """
    session = db.session()  # the request's Session behind the scoped proxy
    if session.new or session.dirty or session.deleted:
        raise RuntimeError("unsaved changes outside a service transaction")
    for attempt in range(1, attempts + 1):
        if session.in_transaction():
            session.commit()  # end the request's read transaction before taking write locks
        if db.engine.dialect.name == "sqlite":
            session.connection(execution_options={_SQLITE_BEGIN_OPTION: "IMMEDIATE"})
        try:
            result = work()
            session.commit()
            return result
        except DBAPIError as exc:
            session.rollback()
            if attempt < attempts and is_transient(exc):
                continue
            raise
        except BaseException:
            session.rollback()
            raise
    raise AssertionError("unreachable")
