"""Per-process caches of rows that rarely change (transitions, API tokens), correct across processes.

Every write to a cached table bumps one counter, `cache_generations.generation`, in the writer's own
transaction. Database triggers do it (migration 0009), so no writer can forget: a service, `oms install`,
the admin pages, a hand-written SQL fix. A request reads the counter once, with its first cached lookup;
when it moved since this process filled its cache, the cache is dropped and refilled from the database.
A revoked token or a changed transition is thus honoured by every worker on its next request.

Cached values are plain immutable values (frozen dataclasses, tuples), never ORM instances: they outlive
the session that read them. The cache belongs to the app (`app.extensions`), so two apps in one process
(the tests' stand-in for two workers) each have their own, as two gunicorn workers do.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from flask import current_app, g, has_request_context
from sqlalchemy import BigInteger, Column, Integer, Table, event, select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from .extensions import db

T = TypeVar("T")

cache_generations = Table(
    "cache_generations",
    db.metadata,
    Column("id", Integer, primary_key=True),
    Column("generation", BigInteger, nullable=False),
)

_APP_KEY = "oms_cache"
_REQUEST_KEY = "oms_cache_shelf"
# Set on the session while the only statement of its open transaction is the generation read: that
# transaction saw nothing a write could rely on, so `run_in_transaction` may carry on in it (one
# transaction per command) instead of committing it first.
ONLY_GENERATION_READ = "oms_only_generation_read"


@dataclass(frozen=True)
class _Shelf:
    """One generation's cached values. A new generation gets a new shelf, so a request that validated an
    older one fills only that one and never leaves an old value on the current shelf."""

    generation: int | None
    values: dict[Hashable, Any] = field(default_factory=dict)


def _read_generation() -> int | None:
    """The counter, in one statement. None before the row exists (an emptied database): nothing is kept then.

    Usually the request's first statement, so it also stands in for a pool ping: a connection the server
    dropped fails here, before anything was done, and the read is tried once more on a fresh connection
    (the disconnect made the pool discard its other old connections too)."""
    session = db.session()
    first = not session.in_transaction()
    # On the session's connection, past the ORM: cheaper, and no `do_orm_execute`, so the mark below stays.
    statement = select(cache_generations.c.generation).where(cache_generations.c.id == 1)
    try:
        generation = session.connection().execute(statement).scalar()
    except DBAPIError as exc:
        from .database import Failure, classify  # database imports this module

        if not (first and classify(exc) is Failure.CONNECTION):
            raise
        session.rollback()
        generation = session.connection().execute(statement).scalar()
    if first:
        session.info[ONLY_GENERATION_READ] = True
    return generation


@event.listens_for(Session, "do_orm_execute")
def _note_other_reads(state) -> None:
    state.session.info.pop(ONLY_GENERATION_READ, None)


@event.listens_for(Session, "after_transaction_end")
def _forget_generation_read(session, transaction) -> None:
    if transaction.parent is None:
        session.info.pop(ONLY_GENERATION_READ, None)


def _shelf() -> _Shelf:
    """This request's shelf: checked against the counter once per request (every time outside a request:
    the CLI and the worker keep one app context for hours)."""
    in_request = has_request_context()
    if in_request and (shelf := g.get(_REQUEST_KEY)) is not None:
        return shelf
    generation = _read_generation()
    shelf = current_app.extensions.get(_APP_KEY)
    if shelf is None or generation is None or shelf.generation != generation:
        shelf = _Shelf(generation)
        if generation is not None:
            current_app.extensions[_APP_KEY] = shelf
    if in_request:
        setattr(g, _REQUEST_KEY, shelf)
    return shelf


def cached(key: Hashable, load: Callable[[], T | None]) -> T | None:
    """The value under `key`, loaded once per process and generation. `load` must return an immutable value.

    None (nothing found) is not kept: otherwise anyone could fill the cache with made-up keys (API tokens)."""
    values = _shelf().values
    value = values.get(key)
    if value is None:
        value = load()
        if value is not None:
            values[key] = value
    return value


def replace(key: Hashable, value: Any) -> None:
    """Put a newer value of this process's own making (a token's last use) on the current shelf."""
    _shelf().values[key] = value
