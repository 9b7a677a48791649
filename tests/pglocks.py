"""Orchestrating races on PostgreSQL: hold a row lock from outside the app, see requests queue on it.

A race is made certain, not likely: a separate connection takes the contended lock, the requests
run in threads until PostgreSQL shows them waiting (pg_stat_activity), and only then is the lock
let go. Every wait polls for a condition with a deadline; none sleeps for a fixed time.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import psycopg

from oms_dashboard.extensions import db

DEADLINE_SECONDS = 20
# Connections of the tests themselves, told apart from the app's in pg_stat_activity.
TEST_CONNECTION = "oms-tests"


def pg_url(app) -> str:
    return app.config["SQLALCHEMY_DATABASE_URI"].replace("postgresql+psycopg://", "postgresql://")


def wait_until(condition: Callable[[], bool], what: str, seconds: float = DEADLINE_SECONDS) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"gave up waiting: {what}"
        time.sleep(0.01)  # polling for a condition, not timing


class Watcher:
    """An autocommit connection reading pg_stat_activity (which is read once per transaction)."""

    def __init__(self, app):
        self.connection = psycopg.connect(pg_url(app), autocommit=True, application_name=TEST_CONNECTION)

    def close(self) -> None:
        self.connection.close()

    def scalar(self, sql: str, *args: Any) -> Any:
        return self.connection.execute(sql, args).fetchone()[0]

    def lock_waiters(self) -> list[int]:
        """Backends of this database waiting for a lock, oldest first."""
        rows = self.connection.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
            " ORDER BY query_start"
        ).fetchall()
        return [pid for (pid,) in rows]

    def wait_for_waiters(self, count: int, *, or_done: Callable[[], bool] | None = None) -> None:
        wait_until(
            lambda: len(self.lock_waiters()) >= count or (or_done is not None and or_done()),
            f"{count} request(s) waiting on a lock",
        )

    def backend_gone(self, pid: int) -> bool:
        return not self.scalar("SELECT count(*) FROM pg_stat_activity WHERE pid = %s", pid)

    def deadlocks(self) -> int:
        """PostgreSQL's count of deadlocks detected in this database.

        Backends report it when they exit: close the app's pooled connections and wait until
        their backends are gone (the count is flushed before a backend leaves pg_stat_activity).
        """
        db.session.remove()
        db.engine.dispose()
        wait_until(
            lambda: (
                not self.scalar(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                    " AND backend_type = 'client backend' AND application_name <> %s",
                    TEST_CONNECTION,
                )
            ),
            "the app's database connections to close",
        )
        self.connection.execute("SELECT pg_stat_clear_snapshot()")
        return self.scalar("SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()")


class Locker:
    """A transaction outside the app holding row locks until `release()`."""

    def __init__(self, app):
        self.connection = psycopg.connect(pg_url(app), application_name=TEST_CONNECTION)

    def hold(self, sql: str, *args: Any) -> Locker:
        self.connection.execute(sql, args)
        return self

    def release(self) -> None:
        self.connection.rollback()

    def close(self) -> None:
        self.connection.close()


class InThread:
    """Run `call` in a thread; `result()` returns what it returned (or raises what it raised)."""

    def __init__(self, call: Callable[[], Any]):
        self._outcome: list = []
        self.thread = threading.Thread(target=self._run, args=(call,), daemon=True)
        self.thread.start()

    def _run(self, call: Callable[[], Any]) -> None:
        try:
            self._outcome.append(("ok", call()))
        except BaseException as error:  # re-raised in the test's thread
            self._outcome.append(("error", error))

    def done(self) -> bool:
        return bool(self._outcome)

    def result(self, seconds: float = DEADLINE_SECONDS) -> Any:
        self.thread.join(seconds)
        assert self._outcome, "the request did not finish"
        kind, value = self._outcome[0]
        if kind == "error":
            raise value
        return value
