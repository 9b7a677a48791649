"""Reading packages, always through the caller's location scope."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, replace

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from ..actors import Actor
from ..errors import AppError
from ..extensions import db
from ..models import Order, Package, PackageCount, PackageItem, Product, Shipment, StockLocation


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

    @property
    def only_location_and_status(self) -> bool:
        """True when `package_counts` can answer: no filter but the location and the status."""
        return replace(self, status=None, stock_location_id=None) == PackageFilters()


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


def page_of_ids(query: Select, *, offset: int, limit: int) -> Select:
    """The page's package ids, newest first: an index-only scan on (location, status, id), (status, id) or
    the primary key, which skips `offset` index entries instead of `offset` whole rows with their joins.
    Join it to load the page's rows (the same statement: the query count stays fixed)."""
    return query.with_only_columns(Package.id).order_by(Package.id.desc()).offset(offset).limit(limit).subquery("page")


def status_counts(*, location_ids: Collection[int] | None = None) -> dict[int, int]:
    """Packages in each status at these locations (None: everywhere), from `package_counts`: one query over
    at most locations x statuses rows, however many packages history holds. Statuses with none are left out."""
    total = func.sum(PackageCount.count)
    query = select(PackageCount.status, total).group_by(PackageCount.status).having(total != 0)
    if location_ids is not None:
        query = query.where(PackageCount.stock_location_id.in_(location_ids))
    return {status: int(number) for status, number in db.session.execute(query)}


def status_counts_matching(*, filters: PackageFilters, actor: Actor) -> dict[int, int]:
    """Packages in each status matching every filter but the status: from the counts table when only the
    location filters, else (a search, a number, a SKU) counted from the packages themselves."""
    if filters.only_location_and_status:
        return status_counts(location_ids=_visible_location_ids(filters, actor))
    query = filtered_packages(filters=replace(filters, status=None), actor=actor)
    return dict(
        db.session.execute(query.with_only_columns(Package.status, func.count()).group_by(Package.status)).all()
    )


def _visible_location_ids(filters: PackageFilters, actor: Actor) -> Collection[int] | None:
    if filters.stock_location_id is None:
        return actor.location_ids
    return [filters.stock_location_id] if actor.may_access(filters.stock_location_id) else []


def package_page(*, filters: PackageFilters, actor: Actor, offset: int, limit: int) -> tuple[int, list[Package]]:
    """The count (from the counts table when it can answer) and one page of packages, newest first."""
    query = filtered_packages(filters=filters, actor=actor)
    if filters.only_location_and_status:
        counts = status_counts_matching(filters=filters, actor=actor)
        count = counts.get(filters.status, 0) if filters.status is not None else sum(counts.values())
    else:
        count = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    page = page_of_ids(query, offset=offset, limit=limit)
    rows = db.session.scalars(
        _with_details(select(Package).join(page, page.c.id == Package.id).order_by(Package.id.desc()))
    ).unique()
    return count, list(rows)
