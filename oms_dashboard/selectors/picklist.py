"""The pick list: the SKUs of chosen packages summed, so one walk through the shelves serves many orders.

Two queries whatever the number of packages or items: the packages, and the sums per product. Both read
the same chosen ids (a subquery), always through the caller's locations.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Select, func, select

from ..actors import Actor
from ..extensions import db
from ..models import Order, Package, PackageItem, Product, StockLocation
from .packages import PackageFilters, filtered_packages

# A pick list is one walk through the shelves: past this many packages it is split into several.
PICK_LIST_MAX_PACKAGES = 500


@dataclass(frozen=True)
class PickedPackage:
    id: int
    number: str
    status: int
    order_number: str
    location_name: str


@dataclass(frozen=True)
class PickLine:
    sku: str
    name: str
    barcode: str
    image_url: str | None
    quantity: int


@dataclass(frozen=True)
class PickList:
    lines: list[PickLine]
    packages: list[PickedPackage]
    truncated: bool  # more packages matched than one pick list holds

    @property
    def units(self) -> int:
        return sum(line.quantity for line in self.lines)


def _chosen_ids(*, package_ids: Sequence[int] | None, filters: PackageFilters, actor: Actor) -> Select:
    """The chosen packages' ids, newest first: the ids given, or the list's filters, within the actor's reach."""
    query = filtered_packages(filters=filters if package_ids is None else PackageFilters(), actor=actor)
    if package_ids is not None:
        query = query.where(Package.id.in_(package_ids))
    # One more than the limit tells a full pick list from a cut one.
    return query.with_only_columns(Package.id).order_by(Package.id.desc()).limit(PICK_LIST_MAX_PACKAGES + 1)


def chosen_packages(
    *, package_ids: Sequence[int] | None, actor: Actor, filters: PackageFilters | None = None
) -> list[PickedPackage]:
    """The packages among `package_ids` (or matching `filters`) the actor may see, newest first (one query)."""
    chosen = _chosen_ids(package_ids=package_ids, filters=filters or PackageFilters(), actor=actor).subquery("chosen")
    query = (
        select(Package.id, Package.number, Package.status, Order.number, StockLocation.name)
        .join(chosen, chosen.c.id == Package.id)
        .join(Order, Order.id == Package.order_id)
        .join(StockLocation, StockLocation.id == Package.stock_location_id)
        .order_by(Package.id.desc())
    )
    return [PickedPackage(*row) for row in db.session.execute(query)]


def pick_list(*, package_ids: Sequence[int] | None, filters: PackageFilters, actor: Actor) -> PickList:
    """The active items of the chosen packages summed per product, by SKU, and the packages they come from.

    `package_ids` None: the packages of the list's filters (newest first); at most PICK_LIST_MAX_PACKAGES."""
    packages = chosen_packages(package_ids=package_ids, filters=filters, actor=actor)
    truncated = len(packages) > PICK_LIST_MAX_PACKAGES
    packages = packages[:PICK_LIST_MAX_PACKAGES]
    chosen = (
        _chosen_ids(package_ids=package_ids, filters=filters, actor=actor)
        .limit(PICK_LIST_MAX_PACKAGES)
        .subquery("chosen")
    )
    query = (
        select(Product.sku, Product.name, Product.barcode, Product.image_url, func.count(PackageItem.id))
        .select_from(PackageItem)
        .join(Product, Product.id == PackageItem.product_id)
        .where(PackageItem.package_id.in_(select(chosen.c.id)), PackageItem.is_active)
        .group_by(Product.id, Product.sku, Product.name, Product.barcode, Product.image_url)
        .order_by(Product.sku)
    )
    lines = [PickLine(*row) for row in db.session.execute(query)]
    return PickList(lines=lines, packages=packages, truncated=truncated)
