"""Package counts per location and status, for the movement cards and the location detail."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from enum import StrEnum

from sqlalchemy import case, func, literal, or_, select

from ..actors import Actor
from ..errors import AppError
from ..extensions import db
from ..i18n import N_
from ..models import PackageCount, StockLocation, TransitionLog
from ..states import PackageStatus
from .packages import status_counts

# The four counts of a card on the Package Location Movements screen (seed 004), in its words.
CARD_STATUSES = [
    (PackageStatus.WAITING, N_("Waiting")),
    (PackageStatus.PREPARING, N_("Preparing")),
    (PackageStatus.WAITING_FOR_TRANSFER, N_("Waiting Transfer Operations")),
    (PackageStatus.READY_FOR_PACKAGING, N_("Ready to Package")),
]
# What a person must act on first: packages nobody has finished picking.
ATTENTION_STATUSES = (PackageStatus.WAITING, PackageStatus.PREPARING)
CARDS_PER_PAGE = 48
# Log ids are taken when a row is inserted but become visible when its transaction commits, so a
# smaller id can appear after a larger one. The version sums the newest ids, which notices such a
# late commit as long as fewer than this many log rows were written after it.
LATE_COMMIT_WINDOW = 512


class CardSort(StrEnum):
    ATTENTION = "attention"  # most waiting + preparing first
    NAME = "name"
    QUOTA = "quota"  # the largest share of max_quota in use first; unlimited last

    @property
    def label(self) -> str:
        return {"attention": N_("Needs attention"), "name": N_("Name"), "quota": N_("Quota use")}[self.value]


@dataclass
class LocationCounts:
    location: StockLocation
    counts: dict[int, int] = field(default_factory=dict)

    def count(self, status: PackageStatus) -> int:
        return self.counts.get(status.value, 0)


@dataclass(frozen=True)
class LocationCard:
    """What one card shows: plain values, so rendering it is string formatting."""

    id: int
    erp_code: str
    name: str
    type: str
    city: str
    is_active: bool
    quota: int
    max_quota: int | None
    counts: tuple[int, ...]  # in CARD_STATUSES order


@dataclass(frozen=True)
class CardPage:
    cards: list[LocationCard]
    page: int
    pages: int
    total: int


def _visible_locations(actor: Actor, search: str = ""):
    query = select(StockLocation.id)
    if actor.location_ids is not None:
        query = query.where(StockLocation.id.in_(actor.location_ids))
    if search:
        pattern = f"%{search.replace('%', '').replace('_', '')}%"
        query = query.where(or_(StockLocation.name.ilike(pattern), StockLocation.erp_code.ilike(pattern)))
    return query


def _card_counts(visible):
    """One row per visible location with packages in a card status: its four counts, read from the
    package_counts table (a row per location and status), so the cost does not grow with packages."""
    return (
        select(
            PackageCount.stock_location_id.label("location_id"),
            *(
                func.sum(PackageCount.count).filter(PackageCount.status == status.value).label(status.slug)
                for status, _ in CARD_STATUSES
            ),
        )
        .where(
            PackageCount.status.in_([status.value for status, _ in CARD_STATUSES]),
            PackageCount.stock_location_id.in_(visible),
        )
        .group_by(PackageCount.stock_location_id)
        .subquery("card_counts")
    )


def location_cards(*, actor: Actor, search: str = "", sort: CardSort = CardSort.ATTENTION, page: int = 1) -> CardPage:
    """One page of the locations the actor sees (filtered by name or erp code), sorted, with their
    card counts: one query, whatever the number of locations."""
    visible = _visible_locations(actor, search)
    counts = _card_counts(visible)
    count_of = {status: func.coalesce(getattr(counts.c, status.slug), 0) for status, _ in CARD_STATUSES}
    attention = sum((count_of[status] for status in ATTENTION_STATUSES), literal(0))
    quota_use = case((StockLocation.max_quota > 0, StockLocation.quota * 1.0 / StockLocation.max_quota))
    order = {
        CardSort.ATTENTION: [attention.desc(), sum(count_of.values(), literal(0)).desc()],
        CardSort.NAME: [],
        CardSort.QUOTA: [quota_use.desc().nulls_last(), StockLocation.quota.desc()],
    }[sort]
    query = (
        select(
            StockLocation.id,
            StockLocation.erp_code,
            StockLocation.name,
            StockLocation.type,
            StockLocation.city,
            StockLocation.is_active,
            StockLocation.quota,
            StockLocation.max_quota,
            *count_of.values(),
            func.count().over().label("total"),
        )
        .outerjoin(counts, counts.c.location_id == StockLocation.id)
        .where(StockLocation.id.in_(visible))
        .order_by(*order, StockLocation.name, StockLocation.id)
        .limit(CARDS_PER_PAGE)
    )
    rows = db.session.execute(query.offset((page - 1) * CARDS_PER_PAGE)).all()
    if not rows and page > 1:  # past the last page (fewer locations since the link was made): show the last
        total = db.session.scalar(select(func.count()).select_from(visible.subquery()))
        page = max(1, -(-total // CARDS_PER_PAGE))
        rows = db.session.execute(query.offset((page - 1) * CARDS_PER_PAGE)).all()
    total = rows[0].total if rows else 0
    cards = [LocationCard(*row[:8], counts=tuple(row[8:12])) for row in rows]
    return CardPage(cards=cards, page=page, pages=max(1, -(-total // CARDS_PER_PAGE)), total=total)


def cards_version(*, actor: Actor) -> str:
    """A short token that changes whenever a card could: one query over two indexes and the locations.

    Every change of a package's status or location (and so of its location's quota) writes a
    transition-log row in the same transaction; a location's own fields bump its modified_date,
    and adding a location bumps the count. Transfers change a card only through their package."""
    newest_logs = select(TransitionLog.id).order_by(TransitionLog.id.desc()).limit(LATE_COMMIT_WINDOW).subquery()
    row = db.session.execute(
        select(
            # A late commit joins the newest ids and pushes out the smallest: their sum changes.
            select(func.sum(newest_logs.c.id)).scalar_subquery(),
            select(func.count()).select_from(StockLocation).scalar_subquery(),
            select(func.max(StockLocation.modified_date)).scalar_subquery(),
        )
    ).one()
    # Whom it is for too: a user whose locations changed gets the cards anew.
    seen = sorted(actor.location_ids) if actor.location_ids is not None else "all"
    return hashlib.blake2s(repr((tuple(row), seen)).encode(), digest_size=8).hexdigest()


def visible_location(*, location_id: int, actor: Actor) -> StockLocation:
    """The location, or 404 when it does not exist or the actor may not see it."""
    location = db.session.get(StockLocation, location_id)
    if location is None or not actor.may_access(location.id):
        raise AppError.not_found()
    return location


def location_counts(*, location_id: int, actor: Actor) -> LocationCounts:
    """One location with its count in every status (from the package_counts table)."""
    location = visible_location(location_id=location_id, actor=actor)
    return LocationCounts(location, status_counts(location_ids=[location_id]))
