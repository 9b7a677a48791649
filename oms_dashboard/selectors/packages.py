"""Reading packages, always through the caller's location scope."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import Select, and_, false, func, or_, select, union
from sqlalchemy.orm import joinedload, selectinload

from ..actors import Actor
from ..errors import AppError
from ..extensions import db
from ..models import Order, Package, PackageCount, PackageItem, Product, Shipment, StockLocation
from ..search_keys import fold, prefix_range
from .stock_at_risk import packages_at_risk


@dataclass(frozen=True)
class PackageFilters:
    status: int | None = None
    stock_location_id: int | None = None
    stock_location_erp_code: str | None = None
    number: str | None = None
    order_number: str | None = None
    sku: str | None = None
    # The pages' search box: the start of a package or order number or of the customer's name; a SKU, a
    # barcode or a tracking number; case and accents aside (search_keys.py).
    search: str | None = None
    # The package list's filters: created on these days (both included; days of `time_zone`, the zone the
    # page shows its times in), the order's sales channel, the shipment's cargo company, only overdue
    # packages (status → hours, from the configuration).
    created_from: date | None = None
    created_to: date | None = None
    time_zone: str = "UTC"
    channel: str | None = None
    cargo_company_id: int | None = None
    overdue_hours: Mapping[int, int] | None = None
    # Only packages holding a reservation on a shelf with fewer units than it has reserved (stock_at_risk.py).
    at_risk: bool = False
    # The order of the list: newest first, or "age": the longest in its status first.
    oldest_in_status_first: bool = False

    @property
    def only_location_and_status(self) -> bool:
        """True when `package_counts` can answer: no filter but the location and the status (the time zone
        only says which days `created_from`/`created_to` mean)."""
        unfiltered = replace(self, status=None, stock_location_id=None, oldest_in_status_first=False, time_zone="UTC")
        return unfiltered == PackageFilters()


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
    if filters.created_from is not None:
        query = query.where(Package.created_date >= _start_of(filters.created_from, filters.time_zone))
    if filters.created_to is not None and filters.created_to < date.max:
        query = query.where(Package.created_date < _start_of(filters.created_to + timedelta(days=1), filters.time_zone))
    if filters.channel:
        query = query.where(Package.order_id.in_(select(Order.id).where(Order.channel == filters.channel)))
    if filters.cargo_company_id is not None:
        query = query.where(
            Package.id.in_(select(Shipment.package_id).where(Shipment.cargo_company_id == filters.cargo_company_id))
        )
    if filters.overdue_hours is not None:
        query = query.where(_overdue(filters.overdue_hours, only_status=filters.status))
    if filters.at_risk:
        query = query.where(packages_at_risk())
    return query


def _start_of(day: date, zone: str) -> datetime:
    """Midnight starting `day` in `zone`, as a UTC time (what the database stores)."""
    return datetime.combine(day, time.min, tzinfo=ZoneInfo(zone)).astimezone(timezone.utc)


def _overdue(hours: Mapping[int, int], *, only_status: int | None):
    """In a status with a threshold for longer than it: one index range per status on (…, status, status_changed_date)."""
    now = datetime.now(timezone.utc)
    limits = [
        and_(Package.status == status, Package.status_changed_date < now - timedelta(hours=threshold))
        for status, threshold in hours.items()
        if only_status is None or status == only_status
    ]
    return or_(*limits) if limits else false()


def _matches_search(text: str):
    """The packages whose folded keys match: a union of index lookups, one per kind of key, so a search
    reads the few matching rows of each index and never scans the packages."""
    key = fold(text)
    if not key:
        return false()
    low, high = prefix_range(key)

    def starts(column):
        return and_(column >= low, column < high)

    matches = union(
        select(Package.id).where(starts(Package.number_key)),
        select(Package.id)
        .join(Order, Order.id == Package.order_id)
        .where(or_(starts(Order.number_key), starts(Order.customer_key), starts(Order.customer_last_name_key))),
        select(PackageItem.package_id)
        .join(Product, Product.id == PackageItem.product_id)
        .where(or_(Product.sku_key == key, Product.barcode_key == key)),
        select(Shipment.package_id).where(Shipment.tracking_key == key),
    )
    return Package.id.in_(matches)


def package_id_by_exact_key(*, number: str, location_ids: Collection[int] | None) -> Select:
    """The ids of the packages whose number or tracking number is exactly `number`, case and accents aside:
    two index lookups."""
    key = fold(number)
    query = select(Package.id).where(
        Package.id.in_(
            union(
                select(Package.id).where(Package.number_key == key),
                select(Shipment.package_id).where(Shipment.tracking_key == key),
            )
        )
    )
    if location_ids is not None:
        query = query.where(Package.stock_location_id.in_(location_ids))
    return query


def list_order(*, oldest_in_status_first: bool) -> tuple:
    """Newest first (by id), or the longest in its status first (then the older package first)."""
    if oldest_in_status_first:
        return Package.status_changed_date.asc(), Package.id.asc()
    return (Package.id.desc(),)


def page_of_ids(
    query: Select, *, offset: int, limit: int, oldest_in_status_first: bool = False, searched: bool = False
) -> Select:
    """The page's package ids, newest first: an index-only scan on (location, status, id), (status, id) or
    the primary key, which skips `offset` index entries instead of `offset` whole rows with their joins;
    by age, the same on (location, status, status_changed_date, id) or (status, status_changed_date, id).
    Join it to load the page's rows (the same statement: the query count stays fixed).

    A search (`searched`) matches few packages, found through its own indexes: they are collected first
    (OFFSET 0 keeps PostgreSQL from merging that step into the ordered walk of an index over every
    package, hoping to meet the matches early) and then sorted."""
    if searched:
        matching = (
            query.with_only_columns(Package.id.label("id"), Package.status_changed_date.label("entered"))
            .offset(0)
            .subquery("matching")
        )
        order = (matching.c.entered.asc(), matching.c.id.asc()) if oldest_in_status_first else (matching.c.id.desc(),)
        return select(matching.c.id).order_by(*order).offset(offset).limit(limit).subquery("page")
    return (
        query.with_only_columns(Package.id)
        .order_by(*list_order(oldest_in_status_first=oldest_in_status_first))
        .offset(offset)
        .limit(limit)
        .subquery("page")
    )


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
    page = page_of_ids(query, offset=offset, limit=limit, searched=bool(filters.search))
    rows = db.session.scalars(
        _with_details(select(Package).join(page, page.c.id == Package.id).order_by(Package.id.desc()))
    ).unique()
    return count, list(rows)
