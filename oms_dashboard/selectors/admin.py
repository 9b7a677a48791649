"""Reads of the admin pages: master data lists (one query each) and the row an edit form opens."""

from __future__ import annotations

from typing import TypeVar

from sqlalchemy import or_, select
from sqlalchemy.orm import joinedload

from ..errors import AppError
from ..extensions import db
from ..models import CargoCompany, DenialReason, SalesChannel, StockLocation

M = TypeVar("M")


def _like(search: str) -> str:
    return f"%{search.replace('%', '').replace('_', '')}%"


def stock_locations(*, search: str = "") -> list[StockLocation]:
    """Every location (filtered by erp code, name or city) with its default carrier: one query."""
    query = select(StockLocation).options(joinedload(StockLocation.default_cargo_company))
    if search:
        pattern = _like(search)
        query = query.where(
            or_(
                StockLocation.erp_code.ilike(pattern),
                StockLocation.name.ilike(pattern),
                StockLocation.city.ilike(pattern),
            )
        )
    return list(db.session.scalars(query.order_by(StockLocation.erp_code)))


def cargo_companies() -> list[CargoCompany]:
    return list(db.session.scalars(select(CargoCompany).order_by(CargoCompany.name, CargoCompany.id)))


def denial_reasons() -> list[DenialReason]:
    """In the order the package forms offer them (priority, then age)."""
    return list(db.session.scalars(select(DenialReason).order_by(DenialReason.priority, DenialReason.id)))


def sales_channels() -> list[SalesChannel]:
    return list(db.session.scalars(select(SalesChannel).order_by(SalesChannel.code)))


def one(model: type[M], row_id: int) -> M:
    """The row an edit page opens, or 404."""
    row = db.session.get(model, row_id)
    if row is None:
        raise AppError.not_found()
    return row
