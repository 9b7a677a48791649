"""What the package list and package detail pages show, each in a fixed number of queries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from ..actors import Actor
from ..extensions import db
from ..models import (
    CargoCompany,
    DenialReason,
    Order,
    OutboxEvent,
    Package,
    PackageItem,
    StockLocation,
    TransferOrder,
    Transition,
    TransitionLog,
)
from ..states import Visibility
from .packages import PackageFilters, filtered_packages, get_package, page_of_ids, status_counts_matching
from .transfers import transfers_of_package
from .transitions import commands_for, history_label, runnable
from .webhooks import EventDelivery, package_events


@dataclass(frozen=True)
class PackageRow:
    id: int
    number: str
    status: int
    created_date: datetime
    order_number: str
    customer: dict[str, Any]
    location_name: str
    item_count: int


@dataclass
class PackageListPage:
    rows: list[PackageRow]
    total: int  # packages matching the filters, status included
    status_counts: dict[int, int]  # for the slider: every status, with the other filters
    page: int
    page_size: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.page_size))


def package_list_page(*, filters: PackageFilters, actor: Actor, page: int, page_size: int) -> PackageListPage:
    """Two queries: the slider counts (which also give the total), and the page of rows.

    Neither grows with history: the counts come from `package_counts` unless a search is typed, and
    the rows are found by id in the index first, then joined (`page_of_ids`)."""
    counts = status_counts_matching(filters=filters, actor=actor)
    total = counts.get(filters.status, 0) if filters.status is not None else sum(counts.values())
    active_items = (
        select(func.count())
        .where(PackageItem.package_id == Package.id, PackageItem.is_active)
        .correlate(Package)
        .scalar_subquery()
    )
    ids = page_of_ids(filtered_packages(filters=filters, actor=actor), offset=(page - 1) * page_size, limit=page_size)
    query = (
        select(
            Package.id,
            Package.number,
            Package.status,
            Package.created_date,
            Order.number,
            Order.customer,
            StockLocation.name,
            active_items,
        )
        .select_from(ids)
        .join(Package, Package.id == ids.c.id)
        .join(Order, Order.id == Package.order_id)
        .join(StockLocation, StockLocation.id == Package.stock_location_id)
        .order_by(Package.id.desc())
    )
    rows = [PackageRow(*row) for row in db.session.execute(query)]
    return PackageListPage(rows=rows, total=total, status_counts=counts, page=page, page_size=page_size)


def package_id_by_number(*, number: str, actor: Actor) -> int | None:
    """The package a scanner's exact number names, if the actor may see it."""
    query = select(Package.id).where(Package.number == number)
    if actor.location_ids is not None:
        query = query.where(Package.stock_location_id.in_(actor.location_ids))
    return db.session.scalar(query)


@dataclass
class PackageDetail:
    package: Package
    commands: list[Transition]
    other_packages: list[Package]
    history: list[TransitionLog]
    # Each event with where it was delivered; None for store staff, who see no event names (DESIGN §7).
    events: list[tuple[OutboxEvent, list[EventDelivery]]] | None
    transfers: list[TransferOrder]
    # Managers and admins also see the command codes in the history; store staff only their labels.
    internal_codes: bool = False

    def command(self, name: str) -> Transition | None:
        return next((transition for transition in self.commands if transition.command == name), None)

    def label(self, entry: TransitionLog) -> str:
        """A history row's command as people read it, from the transition cache (no query per row)."""
        return history_label(Transition, transition_id=entry.transition_id, command=entry.command)


def package_detail(*, package_id: int, actor: Actor) -> PackageDetail:
    """Everything the detail page shows in 6 queries, whatever the number of items."""
    package = get_package(package_id=package_id, actor=actor, hide_other_locations=True)
    other_packages = list(
        db.session.scalars(
            select(Package)
            .options(joinedload(Package.stock_location))
            .where(Package.order_id == package.order_id, Package.id != package.id)
            .order_by(Package.id)
        )
    )
    history = list(
        db.session.scalars(
            select(TransitionLog).where(TransitionLog.package_id == package.id).order_by(TransitionLog.id)
        )
    )
    # Managers and admins see the webhook events and their deliveries (one query); store staff neither.
    events = None if actor.visibility is Visibility.INSTORE else package_events(package.id)
    return PackageDetail(
        package=package,
        commands=runnable(commands_for(status=package.status, visibility=actor.visibility), package),
        other_packages=other_packages,
        history=history,
        events=events,
        # Only a package that ever had a transfer pays for this query.
        transfers=transfers_of_package(package.id) if package.transfer_sequence else [],
        internal_codes=actor.visibility is not Visibility.INSTORE,
    )


def active_denial_reasons() -> list[DenialReason]:
    return list(
        db.session.scalars(
            select(DenialReason).where(DenialReason.is_active).order_by(DenialReason.priority, DenialReason.id)
        )
    )


def active_cargo_companies() -> list[CargoCompany]:
    return list(db.session.scalars(select(CargoCompany).where(CargoCompany.is_active).order_by(CargoCompany.name)))
