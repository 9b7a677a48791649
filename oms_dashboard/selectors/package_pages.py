"""What the package list and package detail pages show, each in a fixed number of queries."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from flask_babel import gettext
from sqlalchemy import String, cast, func, literal, select, union_all
from sqlalchemy.orm import joinedload

from ..actors import Actor
from ..cache import cached
from ..extensions import db
from ..models import (
    CargoCompany,
    DenialReason,
    Order,
    OutboxEvent,
    Package,
    PackageItem,
    SalesChannel,
    StockLocation,
    TransferOrder,
    Transition,
    TransitionLog,
)
from ..states import Visibility
from .packages import (
    PackageFilters,
    filtered_packages,
    get_package,
    list_order,
    package_id_by_exact_key,
    page_of_ids,
    status_counts_matching,
)
from .stock_at_risk import StockAtRisk, package_is_at_risk, stock_at_risk_of
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
    status_changed_date: datetime
    age: timedelta  # in its status, at the time the page was made
    overdue: bool  # older than the configured threshold of its status
    at_risk: bool = False  # holds a reservation on a shelf with fewer units than it has reserved

    @property
    def age_label(self) -> str:
        return short_duration(self.age)


def short_duration(age: timedelta) -> str:
    """A glanceable age: "12 min", "3 h", "2 d" (whole units, rounded down)."""
    minutes = int(age.total_seconds() // 60)
    if minutes < 60:
        return f"{minutes} min"
    if minutes < 24 * 60:
        return f"{minutes // 60} h"
    return f"{minutes // (24 * 60)} d"


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


def package_list_page(
    *,
    filters: PackageFilters,
    actor: Actor,
    page: int,
    page_size: int,
    overdue_hours: Mapping[int, int] | None = None,
) -> PackageListPage:
    """Two queries: the slider counts (which also give the total), and the page of rows, newest first or
    the longest in its status first. Each row has its age in its status and whether that is longer than
    `overdue_hours` allows its status.

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
    order = list_order(oldest_in_status_first=filters.oldest_in_status_first)
    ids = page_of_ids(
        filtered_packages(filters=filters, actor=actor),
        offset=(page - 1) * page_size,
        limit=page_size,
        oldest_in_status_first=filters.oldest_in_status_first,
        # like a search, the packages at risk are few and found through their own index (open statuses)
        searched=bool(filters.search) or filters.at_risk,
    )
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
            Package.status_changed_date,
            package_is_at_risk(),
        )
        .select_from(ids)
        .join(Package, Package.id == ids.c.id)
        .join(Order, Order.id == Package.order_id)
        .join(StockLocation, StockLocation.id == Package.stock_location_id)
        .order_by(*order)
    )
    now = datetime.now(timezone.utc)
    thresholds = overdue_hours or {}
    rows = []
    for *columns, entered, at_risk in db.session.execute(query):
        age = max(now - _aware(entered), timedelta(0))
        limit = thresholds.get(columns[2])
        overdue = limit is not None and age > timedelta(hours=limit)
        rows.append(PackageRow(*columns, entered, age, overdue, bool(at_risk)))
    return PackageListPage(rows=rows, total=total, status_counts=counts, page=page, page_size=page_size)


def _aware(moment: datetime) -> datetime:
    """SQLite gives back the UTC times it stores without their zone."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=timezone.utc)


def package_id_by_number(*, number: str, actor: Actor) -> int | None:
    """The package a scanner's code names exactly, if the actor may see it: its package number or its
    shipment's tracking number, case and accents aside. None when nothing, or more than one package,
    matches (a tracking number an order's packages share): then the list shows them."""
    found = db.session.scalars(package_id_by_exact_key(number=number, location_ids=actor.location_ids).limit(2)).all()
    return found[0] if len(found) == 1 else None


@dataclass(frozen=True)
class FilterChoices:
    channels: tuple[tuple[str, str], ...]  # (code, name)
    cargo_companies: tuple[tuple[int, str], ...]  # (id, name)


def package_filter_choices() -> FilterChoices:
    """The sales channels and the active cargo companies the list's filter offers: kept per process (a write
    to either table bumps the cache generation, migration 0011), else one query."""
    return cached("package_filter_choices", _load_filter_choices)


def _load_filter_choices() -> FilterChoices:
    query = union_all(
        select(literal("channel"), SalesChannel.code, SalesChannel.name),
        select(literal("carrier"), cast(CargoCompany.id, String), CargoCompany.name).where(CargoCompany.is_active),
    )
    channels, carriers = [], []
    for kind, key, name in db.session.execute(query):
        if kind == "carrier":
            carriers.append((int(key), name))
        else:
            channels.append((key, name))
    return FilterChoices(
        channels=tuple(sorted(channels, key=lambda choice: choice[1].casefold())),
        cargo_companies=tuple(sorted(carriers, key=lambda choice: choice[1].casefold())),
    )


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
    # The over-reserved shelves this package holds reservations on (selectors/stock_at_risk.py).
    stock_at_risk: list[StockAtRisk] = field(default_factory=list)

    def command(self, name: str) -> Transition | None:
        return next((transition for transition in self.commands if transition.command == name), None)

    def label(self, entry: TransitionLog) -> str:
        """A history row's command as people read it, from the transition cache (no query per row), in the page's
        language (a label an installation made up is shown as written)."""
        return gettext(history_label(Transition, transition_id=entry.transition_id, command=entry.command))


def package_detail(*, package_id: int, actor: Actor) -> PackageDetail:
    """Everything the detail page shows in 7 queries, whatever the number of items."""
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
        stock_at_risk=stock_at_risk_of(package_id=package.id),
    )


def active_denial_reasons() -> list[DenialReason]:
    return list(
        db.session.scalars(
            select(DenialReason).where(DenialReason.is_active).order_by(DenialReason.priority, DenialReason.id)
        )
    )


def active_cargo_companies() -> list[CargoCompany]:
    return list(db.session.scalars(select(CargoCompany).where(CargoCompany.is_active).order_by(CargoCompany.name)))
