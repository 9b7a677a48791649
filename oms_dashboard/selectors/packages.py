"""Reading packages, always through the caller's location scope."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from ..actors import Actor
from ..errors import AppError
from ..extensions import db
from ..models import Order, Package, PackageItem, Product, Shipment, StockLocation


@dataclass(frozen=True)
class PackageFilters:
    status: int | None = None
    stock_location_id: int | None = None
    stock_location_erp_code: str | None = None
    number: str | None = None
    order_number: str | None = None
    sku: str | None = None
    # The pages' search box: a package or order number (or its start), a SKU or a barcode.
    search: str | None = None


def _with_details(query: Select) -> Select:
    """Everything the package representation reads, in a fixed number of queries."""
    return query.options(
        joinedload(Package.stock_location),
        joinedload(Package.order),
        joinedload(Package.shipment).joinedload(Shipment.cargo_company),
        selectinload(Package.items).options(
            joinedload(PackageItem.product),
            # where an item that left went: "→ 1001P2"
            joinedload(PackageItem.replanned_to).joinedload(PackageItem.package),
        ),
    )


def _scoped(query: Select, actor: Actor) -> Select:
    if actor.location_ids is not None:
        query = query.where(Package.stock_location_id.in_(actor.location_ids))
    return query


def get_package(*, package_id: int, actor: Actor, hide_other_locations: bool = False) -> Package:
    """404 when missing; another location's package is 403 for tokens, 404 where it must not be seen to exist."""
    package = db.session.scalars(_with_details(select(Package).where(Package.id == package_id))).first()
    if package is None:
        raise AppError.not_found()
    if not actor.may_access(package.stock_location_id):
        raise AppError.not_found() if hide_other_locations else AppError.forbidden()
    return package


def filtered_packages(*, filters: PackageFilters, actor: Actor) -> Select:
    query = _scoped(select(Package), actor)
    if filters.status is not None:
        query = query.where(Package.status == filters.status)
    if filters.stock_location_id is not None:
        query = query.where(Package.stock_location_id == filters.stock_location_id)
    if filters.stock_location_erp_code:
        query = query.where(
            Package.stock_location_id.in_(
                select(StockLocation.id).where(StockLocation.erp_code == filters.stock_location_erp_code)
            )
        )
    if filters.number:
        query = query.where(Package.number == filters.number)
    if filters.order_number:
        query = query.where(Package.order_id.in_(select(Order.id).where(Order.number == filters.order_number)))
    if filters.sku:
        query = query.where(
            Package.id.in_(
                select(PackageItem.package_id)
                .join(Product, Product.id == PackageItem.product_id)
                .where(Product.sku == filters.sku)
            )
        )
    if filters.search:
        query = query.where(_matches_search(filters.search))
    return query


def _matches_search(text: str):
    starts = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    return or_(
        Package.number.like(starts, escape="\\"),
        Package.order_id.in_(select(Order.id).where(Order.number.like(starts, escape="\\"))),
        Package.id.in_(
            select(PackageItem.package_id)
            .join(Product, Product.id == PackageItem.product_id)
            .where(or_(Product.sku == text, Product.barcode == text))
        ),
    )


def package_page(*, filters: PackageFilters, actor: Actor, offset: int, limit: int) -> tuple[int, list[Package]]:
    query = filtered_packages(filters=filters, actor=actor)
    count = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    rows = db.session.scalars(_with_details(query.order_by(Package.id.desc()).offset(offset).limit(limit))).unique()
    return count, list(rows)
