"""Products and cargo companies: upserts by `sku` / `erp_code`.

Products come by the tens of thousands (a brand's catalog), so they are read, inserted and updated
in bulk statements of a thousand rows, and `progress` is told how far the batch has got.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from flask_babel import gettext
from sqlalchemy import insert, select, update

from ...database import run_in_transaction
from ...errors import AppError
from ...extensions import db
from ...models import CargoCompany, Product
from ...models.base import utcnow
from ...search_keys import folded
from . import BatchResult, changed_fields, chunks, racing_inserts, refuse_duplicates, upsert_by_key
from .rows import CarrierRow, ProductRow

_PRODUCT_FIELDS = ("name", "barcode", "image_url", "attributes")


def upsert_products(*, rows: Sequence[ProductRow], progress: Callable[[int], None] | None = None) -> BatchResult:
    """Create the products whose `sku` is new; change only the fields sent of the others."""
    return run_in_transaction(lambda: apply_products(rows=rows, progress=progress))


def apply_products(*, rows: Sequence[ProductRow], progress: Callable[[int], None] | None = None) -> BatchResult:
    """`upsert_products` inside the caller's transaction."""
    refuse_duplicates([row.sku for row in rows], field_name="sku")
    result = BatchResult()
    now = utcnow()
    for batch in chunks(rows):
        existing = {
            found.sku: found
            for found in db.session.execute(
                select(Product.id, Product.sku, *(getattr(Product, name) for name in _PRODUCT_FIELDS)).where(
                    Product.sku.in_([row.sku for row in batch])
                )
            )
        }
        inserts: list[dict[str, Any]] = []
        updates: list[dict[str, Any]] = []
        for row in batch:
            found = existing.get(row.sku)
            if found is None:
                values = {"sku": row.sku, "created_date": now, "modified_date": now} | _fields(row.model_dump())
                inserts.append(values | _search_keys(values))
                result.created.append(row.sku)
            elif changes := changed_fields(found, _fields(row.given())):
                updates.append({"id": found.id, "modified_date": now} | changes | _search_keys(changes))
                result.updated.append(row.sku)
            else:
                result.unchanged.append(row.sku)
        with racing_inserts():
            if inserts:
                db.session.execute(insert(Product), inserts)
            if updates:
                db.session.execute(update(Product), updates)  # executemany by primary key
        if progress is not None:
            progress(len(batch))
    return result


def _search_keys(values: dict[str, Any]) -> dict[str, Any]:
    """The folded keys of the SKU and barcode among `values`: these bulk statements skip the model's hooks."""
    return {f"{name}_key": folded(values[name], 64) for name in ("sku", "barcode") if name in values}


def _fields(given: dict[str, Any]) -> dict[str, Any]:
    return {name: given[name] for name in _PRODUCT_FIELDS if name in given}


def upsert_carriers(*, rows: Sequence[CarrierRow]) -> BatchResult:
    """Create the cargo companies whose `erp_code` is new; change only the fields sent of the others."""
    return run_in_transaction(lambda: apply_carriers(rows=rows))


def create_carrier(*, row: CarrierRow) -> CargoCompany:
    """Create one cargo company (the admin page's "New"): an `erp_code` already in use is a 400, never an update."""

    def work() -> CargoCompany:
        if db.session.scalar(select(CargoCompany.id).where(CargoCompany.erp_code == row.erp_code)) is not None:
            raise AppError.field(
                "erp_code", gettext("A cargo company with the ERP code %(code)s already exists.", code=row.erp_code)
            )
        apply_carriers(rows=[row])
        return db.session.scalars(select(CargoCompany).where(CargoCompany.erp_code == row.erp_code)).one()

    return run_in_transaction(work)


def apply_carriers(*, rows: Sequence[CarrierRow]) -> BatchResult:
    """`upsert_carriers` inside the caller's transaction."""
    return upsert_by_key(CargoCompany, "erp_code", rows)
