"""Master data as an ERP, `oms import` or an admin sets it up: locations, carriers, products, denial
reasons and sales channels. Every write is one all-or-nothing transaction; batches are upserts by
their natural key (`erp_code`, `sku`, `code`) and answer what they created, updated and left alone.

Duplicate keys in one batch, unknown references and bad values are a 400 naming the row and the
field, raised before anything is written.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ...errors import AppError
from ...extensions import db
from ...locking import RetryTransaction


@dataclass
class BatchResult:
    """The keys of a batch, by what happened to them, in the order they were sent."""

    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    # What the caller should know besides (e.g. open packages left at a deactivated location).
    notices: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"created": self.created, "updated": self.updated, "unchanged": self.unchanged, "notices": self.notices}

    def summary(self) -> str:
        return f"{len(self.created)} created, {len(self.updated)} updated, {len(self.unchanged)} unchanged"


def refuse_duplicates(keys: Sequence[str], *, field_name: str) -> None:
    """A key twice in one batch is ambiguous (which row wins?): 400 naming the second row."""
    counts = Counter(keys)
    seen: set[str] = set()
    for index, key in enumerate(keys):
        if counts[key] > 1 and key in seen:
            raise AppError.field(field_name, f"Item {index}: {key} is listed more than once.")
        seen.add(key)


def changed_fields(row: Any, values: dict[str, Any]) -> dict[str, Any]:
    """The fields of `values` whose value differs from the ORM `row`'s."""
    return {name: value for name, value in values.items() if not _same(getattr(row, name), value)}


def _same(stored: Any, sent: Any) -> bool:
    """Equal as JSON would store them: in a JSON column (product attributes) `true` is not `1` and `1.0` is not
    `1`, though Python finds them equal."""
    if isinstance(stored, dict | list) or isinstance(sent, dict | list):
        return json.dumps(stored, sort_keys=True) == json.dumps(sent, sort_keys=True)
    return stored == sent


def upsert_by_key(model: type, key: str, rows: Sequence[Any]) -> BatchResult:
    """Rows matched to `model` rows by the unique column `key`, inside the caller's transaction: a new
    key is inserted with every field, a known one changes only the fields the row was sent with."""
    keys = [getattr(row, key) for row in rows]
    refuse_duplicates(keys, field_name=key)
    column = getattr(model, key)
    existing = {getattr(found, key): found for found in db.session.scalars(select(model).where(column.in_(keys)))}
    result = BatchResult()
    for row, row_key in zip(rows, keys, strict=True):
        found = existing.get(row_key)
        if found is None:
            db.session.add(model(**row.model_dump()))
            result.created.append(row_key)
        elif changes := changed_fields(found, row.given()):
            for name, value in changes.items():
                setattr(found, name, value)
            result.updated.append(row_key)
        else:
            result.unchanged.append(row_key)
    with racing_inserts():
        db.session.flush()
    return result


def _is_unique_violation(exc: IntegrityError) -> bool:
    original = exc.orig
    return getattr(original, "sqlstate", None) == "23505" or "UNIQUE constraint failed" in str(original)


@contextmanager
def racing_inserts() -> Iterator[None]:
    """Another transaction inserted the same key after this one looked: run again, and update it."""
    try:
        yield
    except IntegrityError as exc:
        if _is_unique_violation(exc):
            raise RetryTransaction("a row with the same key was inserted concurrently") from exc
        raise


def chunks(items: Sequence[Any], size: int = 1000) -> Iterator[Sequence[Any]]:
    """Slices small enough for one `IN (…)` list on every database."""
    for start in range(0, len(items), size):
        yield items[start : start + size]
