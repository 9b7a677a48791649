"""Locations, products and stock as the ERP (or the demo) sets them up."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from ..database import run_in_transaction
from ..errors import AppError
from ..extensions import db
from ..models import LOCATION_TYPES, Product, Stock, StockLocation
from . import lookups


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
) -> int:
    if type not in LOCATION_TYPES:
        raise AppError.field("type", f"One of: {', '.join(LOCATION_TYPES)}.")

    def work() -> int:
        company = None
        if default_cargo_company_code:
            company = lookups.cargo_company(default_cargo_company_code, field="default_cargo_company")
        location = StockLocation(
            erp_code=erp_code,
            name=name,
            type=type,
            city=city,
            priority=priority,
            max_quota=max_quota,
            default_cargo_company=company,
            is_active=is_active,
        )
        db.session.add(location)
        db.session.flush()
        return location.id

    return run_in_transaction(work)


def add_product(*, sku: str, name: str, barcode: str = "", image_url: str | None = None) -> int:
    def work() -> int:
        product = Product(sku=sku, name=name, barcode=barcode, image_url=image_url)
        db.session.add(product)
        db.session.flush()
        return product.id

    return run_in_transaction(work)


def set_stock(*, location_erp_code: str, sku: str, quantity: int) -> None:
    """Set the units on hand; what is reserved stays reserved."""
    if quantity < 0:
        raise AppError.field("quantity", "Must be zero or more.")

    def work() -> None:
        location = db.session.scalars(select(StockLocation).where(StockLocation.erp_code == location_erp_code)).first()
        product = db.session.scalars(select(Product).where(Product.sku == sku)).first()
        if location is None:
            raise AppError.field("stock_location", f"Unknown stock location: {location_erp_code}.")
        if product is None:
            raise AppError.field("sku", f"Unknown SKU: {sku}.")
        stock = db.session.scalars(
            select(Stock)
            .where(Stock.stock_location_id == location.id, Stock.product_id == product.id)
            .with_for_update()
        ).first()
        if stock is None:
            db.session.add(Stock(stock_location_id=location.id, product_id=product.id, quantity=quantity))
        else:
            stock.quantity = quantity

    run_in_transaction(work)


def upsert_stocks(*, rows: list[tuple[str, str, int]], allowed_location_ids: frozenset[int] | None = None) -> int:
    """The ERP's stock push: (location erp_code, sku, quantity) rows, all applied or none.

    Quantities are set, not added; reserved units stay reserved (a push below them leaves the
    location with nothing available until packages are packed or released).
    """
    seen: set[tuple[str, str]] = set()
    for index, (code, sku, _quantity) in enumerate(rows):
        if (code, sku) in seen:
            raise AppError.field("sku", f"Item {index}: {sku} at {code} is listed twice.")
        seen.add((code, sku))

    def work() -> int:
        codes = {code for code, _, _ in rows}
        skus = {sku for _, sku, _ in rows}
        locations = dict(
            db.session.execute(
                select(StockLocation.erp_code, StockLocation.id).where(StockLocation.erp_code.in_(codes))
            ).all()
        )
        products = dict(db.session.execute(select(Product.sku, Product.id).where(Product.sku.in_(skus))).all())
        for index, (code, sku, _quantity) in enumerate(rows):
            if code not in locations:
                raise AppError.field("stock_location", f"Item {index}: unknown stock location {code}.")
            if sku not in products:
                raise AppError.field("sku", f"Item {index}: unknown SKU {sku}.")
            if allowed_location_ids is not None and locations[code] not in allowed_location_ids:
                raise AppError.forbidden()
        insert = postgresql_insert if db.engine.dialect.name == "postgresql" else sqlite_insert
        ordered = sorted(rows, key=lambda row: (locations[row[0]], products[row[1]]))  # one lock order
        for code, sku, quantity in ordered:
            statement = insert(Stock.__table__).values(
                stock_location_id=locations[code], product_id=products[sku], quantity=quantity, reserved=0
            )
            db.session.execute(
                statement.on_conflict_do_update(
                    index_elements=["stock_location_id", "product_id"], set_={"quantity": statement.excluded.quantity}
                )
            )
        return len(rows)

    return run_in_transaction(work)
