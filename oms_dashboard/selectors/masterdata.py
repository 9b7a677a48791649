"""Reading master data for the API's lists: each function is the query of one list, in a fixed order,
loading in the same query what its representation reads (no query per row)."""

from __future__ import annotations

from sqlalchemy import Select, select
from sqlalchemy.orm import contains_eager, selectinload

from ..actors import Actor
from ..models import CargoCompany, DenialReason, Product, Stock, StockLocation


def stock_locations(*, actor: Actor, erp_code: str | None = None) -> Select:
    """The locations the actor may act on, by id."""
    query = select(StockLocation).options(selectinload(StockLocation.default_cargo_company))
    if actor.location_ids is not None:
        query = query.where(StockLocation.id.in_(actor.location_ids))
    if erp_code is not None:
        query = query.where(StockLocation.erp_code == erp_code)
    return query.order_by(StockLocation.id)


def carriers() -> Select:
    """Every cargo company, inactive ones too (an integrator sees why a code is refused), by id."""
    return select(CargoCompany).order_by(CargoCompany.id)


def denial_reasons() -> Select:
    return select(DenialReason).order_by(DenialReason.priority, DenialReason.id)


def products(*, sku: str | None = None, barcode: str | None = None) -> Select:
    query = select(Product)
    if sku is not None:
        query = query.where(Product.sku == sku)
    if barcode is not None:
        query = query.where(Product.barcode == barcode)
    return query.order_by(Product.id)


def stocks(*, actor: Actor, sku: str | None = None, location_erp_code: str | None = None) -> Select:
    """Stock rows with their location and product joined in, in (location, product) order (the unique key)."""
    query = (
        select(Stock)
        .join(Stock.stock_location)
        .join(Stock.product)
        .options(
            contains_eager(Stock.stock_location).load_only(StockLocation.erp_code),
            contains_eager(Stock.product).load_only(Product.sku),
        )
    )
    if actor.location_ids is not None:
        query = query.where(Stock.stock_location_id.in_(actor.location_ids))
    if sku is not None:
        query = query.where(Product.sku == sku)
    if location_erp_code is not None:
        query = query.where(StockLocation.erp_code == location_erp_code)
    return query.order_by(Stock.stock_location_id, Stock.product_id)
