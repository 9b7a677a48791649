"""Locations, products and stock as the ERP (or the demo) sets them up."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from sqlalchemy import select

from ..database import run_in_transaction
from ..errors import AppError
from ..extensions import db
from ..models import Product, Stock, StockLocation
from ..validation import parse
from .masterdata import BatchResult, chunks
from .masterdata.catalog import upsert_products
from .masterdata.locations import upsert_locations
from .masterdata.rows import LocationRow, ProductRow
from .stock import clear_discrepancies, upsert_stock


def add_location(
    *,
    erp_code: str,
    name: str,
    type: str = "store",
    city: str = "",
    priority: int = 0,
    max_quota: int | None = None,
    default_cargo_company_code: str | None = None,
    is_active: bool = True,
    remote_fulfilment: bool = False,
    is_pickup_location: bool = False,
) -> int:
    """One new location (demo, tests): the ERP's upsert with one row, so it writes the same events."""
    row = parse(
        LocationRow,
        {
            "erp_code": erp_code,
            "name": name,
            "type": type,
            "city": city,
            "priority": priority,
            "max_quota": max_quota,
            "default_cargo_company": default_cargo_company_code,
            "is_active": is_active,
            "remote_fulfilment": remote_fulfilment,
            "is_pickup_location": is_pickup_location,
        },
    )
    upsert_locations(rows=[row])
    return db.session.scalar(select(StockLocation.id).where(StockLocation.erp_code == erp_code))


def add_product(*, sku: str, name: str, barcode: str = "", image_url: str | None = None) -> int:
    """One new product (demo, tests): the catalog upsert with one row."""
    upsert_products(rows=[parse(ProductRow, {"sku": sku, "name": name, "barcode": barcode, "image_url": image_url})])
    return db.session.scalar(select(Product.id).where(Product.sku == sku))


def set_stock(*, location_erp_code: str, sku: str, quantity: int) -> None:
    """Set the units on hand of one product at one location; what is reserved stays reserved."""
    upsert_stocks(rows=[(location_erp_code, sku, quantity)])


def upsert_stocks(*, rows: list[tuple[str, str, int]], allowed_location_ids: frozenset[int] | None = None) -> int:
    """The ERP's stock push: (location erp_code, sku, quantity) rows, all applied or none; how many rows.

    Quantities are set, not added; reserved units stay reserved (a push below them leaves the
    location with nothing available until packages are packed or released).
    """
    _refuse_bad_stock_rows(rows)
    run_in_transaction(lambda: apply_stocks(rows=rows, allowed_location_ids=allowed_location_ids))
    return len(rows)


def apply_stocks(
    *,
    rows: Sequence[tuple[str, str, int]],
    allowed_location_ids: frozenset[int] | None = None,
    progress: Callable[[int], None] | None = None,
) -> BatchResult:
    """`upsert_stocks` inside the caller's transaction (`oms import`); keys "SKU at ERP_CODE" by what happened.

    Stock rows are taken in the lock order; after the import's location locks that means NOWAIT
    (`locking.claim`), which on a busy row runs the whole transaction again.
    """
    _refuse_bad_stock_rows(rows)
    codes = sorted({code for code, _, _ in rows})
    skus = sorted({sku for _, sku, _ in rows})
    locations: dict[str, int] = {}
    for batch in chunks(codes):
        locations.update(
            db.session.execute(
                select(StockLocation.erp_code, StockLocation.id).where(StockLocation.erp_code.in_(batch))
            ).all()
        )
    products: dict[str, int] = {}
    for batch in chunks(skus):
        products.update(db.session.execute(select(Product.sku, Product.id).where(Product.sku.in_(batch))).all())
    for index, (code, sku, _quantity) in enumerate(rows):
        if code not in locations:
            raise AppError.field("stock_location", f"Item {index}: unknown stock location {code}.")
        if sku not in products:
            raise AppError.field("sku", f"Item {index}: unknown SKU {sku}.")
        if allowed_location_ids is not None and locations[code] not in allowed_location_ids:
            raise AppError.forbidden()
    before: dict[tuple[int, int], int] = {}
    product_ids = sorted({products[sku] for _, sku, _ in rows})
    for batch in chunks(product_ids):
        found = db.session.execute(
            select(Stock.stock_location_id, Stock.product_id, Stock.quantity).where(
                Stock.stock_location_id.in_(set(locations.values())), Stock.product_id.in_(batch)
            )
        )
        before.update({(location_id, product_id): quantity for location_id, product_id, quantity in found})
    result = BatchResult()
    for code, sku, quantity in rows:
        key = f"{sku} at {code}"
        previous = before.get((locations[code], products[sku]))
        if previous is None:
            result.created.append(key)
        elif previous != quantity:
            result.updated.append(key)
        else:
            result.unchanged.append(key)
    ordered = sorted(rows, key=lambda row: (locations[row[0]], products[row[1]]))
    for batch in chunks(ordered):
        for code, sku, quantity in batch:
            upsert_stock(locations[code], products[sku], quantity=quantity)  # in the lock order
        clear_discrepancies([(locations[code], products[sku]) for code, sku, quantity in batch if quantity > 0])
        if progress is not None:
            progress(len(batch))
    return result


def _refuse_bad_stock_rows(rows: Sequence[tuple[str, str, int]]) -> None:
    seen: set[tuple[str, str]] = set()
    for index, (code, sku, quantity) in enumerate(rows):
        if quantity < 0:
            raise AppError.field("quantity", f"Item {index}: must be zero or more.")
        if (code, sku) in seen:
            raise AppError.field("sku", f"Item {index}: {sku} at {code} is listed twice.")
        seen.add((code, sku))
