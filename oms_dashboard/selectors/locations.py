"""Package counts per location and status, for the movement cards and the location detail."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import func, or_, select

from ..actors import Actor
from ..errors import AppError
from ..extensions import db
from ..models import Package, StockLocation
from ..states import PackageStatus

# The four counts of a card on the Package Location Movements screen (seed 004), in its words.
CARD_STATUSES = [
    (PackageStatus.WAITING, "Waiting"),
    (PackageStatus.PREPARING, "Preparing"),
    (PackageStatus.WAITING_FOR_TRANSFER, "Waiting Transfer Operations"),
    (PackageStatus.READY_FOR_PACKAGING, "Ready to Package"),
]


@dataclass
class LocationCounts:
    location: StockLocation
    counts: dict[int, int] = field(default_factory=dict)

    def count(self, status: PackageStatus) -> int:
        return self.counts.get(status.value, 0)


def _visible_locations(actor: Actor):
    query = select(StockLocation)
    if actor.location_ids is not None:
        query = query.where(StockLocation.id.in_(actor.location_ids))
    return query


def location_cards(*, actor: Actor, search: str = "") -> list[LocationCounts]:
    """Every location the actor sees (filtered by name or erp code) with its card counts: two queries."""
    query = _visible_locations(actor)
    if search:
        pattern = f"%{search.replace('%', '').replace('_', '')}%"
        query = query.where(or_(StockLocation.name.ilike(pattern), StockLocation.erp_code.ilike(pattern)))
    locations = list(db.session.scalars(query.order_by(StockLocation.name, StockLocation.id)))
    if not locations:
        return []
    counts: dict[int, dict[int, int]] = defaultdict(dict)
    rows = db.session.execute(
        select(Package.stock_location_id, Package.status, func.count())
        .where(
            Package.status.in_([status.value for status, _ in CARD_STATUSES]),
            Package.stock_location_id.in_(query.with_only_columns(StockLocation.id).order_by(None)),
        )
        .group_by(Package.stock_location_id, Package.status)
    )
    for location_id, status, number in rows:
        counts[location_id][status] = number
    return [LocationCounts(location, counts[location.id]) for location in locations]


def visible_location(*, location_id: int, actor: Actor) -> StockLocation:
    """The location, or 404 when it does not exist or the actor may not see it."""
    location = db.session.get(StockLocation, location_id)
    if location is None or not actor.may_access(location.id):
        raise AppError.not_found()
    return location


def location_counts(*, location_id: int, actor: Actor) -> LocationCounts:
    """One location with its count in every status."""
    location = visible_location(location_id=location_id, actor=actor)
    rows = db.session.execute(
        select(Package.status, func.count()).where(Package.stock_location_id == location_id).group_by(Package.status)
    )
    return LocationCounts(location, dict(rows.all()))
