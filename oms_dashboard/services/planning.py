"""Where order items get packed: the simple location choice of the foundation.

The one planning function the rest of the code calls. The choice, in order:
1. the preferred location (the package's own), when it can serve every item;
2. else the active location with the highest priority that can serve every item;
3. else item by item, each to the highest-priority location that still has it (a split).
An item is never planned to a location where it was reported not found or wrong.

Planning reserves as it chooses, with conditional UPDATEs, so two orders racing for the
last unit cannot both get it: the loser sees its UPDATE match no row and chooses again.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import select

from ..extensions import db
from ..models import Discrepancy, OrderItem, Stock, StockLocation
from .stock import try_reserve, unreserve

_ROUNDS = 5  # re-reads after losing a race for the same units before giving up on the rest


@dataclass
class PlannedGroup:
    location: StockLocation
    order_items: list[OrderItem]
    stock_ids: dict[int, int]  # order item id -> reserved stock row


@dataclass
class Plan:
    groups: list[PlannedGroup] = field(default_factory=list)
    unplanned: list[OrderItem] = field(default_factory=list)


@dataclass
class _Offer:
    location: StockLocation
    available: dict[int, int]  # product id -> units
    stock_ids: dict[int, int]  # product id -> stock row


def plan_items(*, order_items: Sequence[OrderItem], prefer_location_id: int | None = None) -> Plan:
    remaining = list(order_items)
    groups: list[PlannedGroup] = []
    excluded = _excluded_locations([item.id for item in remaining])
    for _ in range(_ROUNDS):
        if not remaining:
            break
        offers = _offers({item.product_id for item in remaining})
        choice = _choose(remaining, offers, excluded, prefer_location_id)
        if not choice:
            break
        lost_race = False
        for location, items in choice:
            group = _reserve(location, items, offers[location.id].stock_ids)
            if group is None:
                lost_race = True
                break
            groups.append(group)
            taken = {item.id for item in items}
            remaining = [item for item in remaining if item.id not in taken]
        if not lost_race:
            break
    return Plan(groups=merge_groups(groups), unplanned=remaining)


def merge_groups(groups: Sequence[PlannedGroup]) -> list[PlannedGroup]:
    """One group per location, in first-seen order."""
    merged: dict[int, PlannedGroup] = {}
    for group in groups:
        if group.location.id in merged:
            target = merged[group.location.id]
            target.order_items.extend(group.order_items)
            target.stock_ids.update(group.stock_ids)
        else:
            merged[group.location.id] = PlannedGroup(group.location, list(group.order_items), dict(group.stock_ids))
    return list(merged.values())


def _excluded_locations(order_item_ids: list[int]) -> dict[int, set[int]]:
    excluded: dict[int, set[int]] = defaultdict(set)
    if order_item_ids:
        rows = db.session.execute(
            select(Discrepancy.order_item_id, Discrepancy.stock_location_id).where(
                Discrepancy.order_item_id.in_(order_item_ids)
            )
        )
        for order_item_id, location_id in rows:
            excluded[order_item_id].add(location_id)
    return excluded


def _offers(product_ids: set[int]) -> dict[int, _Offer]:
    rows = db.session.execute(
        select(Stock.id, Stock.product_id, Stock.quantity - Stock.reserved, StockLocation)
        .join(StockLocation, StockLocation.id == Stock.stock_location_id)
        .where(Stock.product_id.in_(product_ids), StockLocation.is_active, Stock.quantity > Stock.reserved)
    )
    offers: dict[int, _Offer] = {}
    for stock_id, product_id, available, location in rows:
        offer = offers.setdefault(location.id, _Offer(location, {}, {}))
        offer.available[product_id] = available
        offer.stock_ids[product_id] = stock_id
    return offers


def _servable(offer: _Offer, items: Sequence[OrderItem], excluded: dict[int, set[int]]) -> list[OrderItem]:
    left = dict(offer.available)
    taken = []
    for item in items:
        if offer.location.id in excluded.get(item.id, ()) or left.get(item.product_id, 0) <= 0:
            continue
        left[item.product_id] -= 1
        taken.append(item)
    return taken


def _choose(
    items: list[OrderItem], offers: dict[int, _Offer], excluded: dict[int, set[int]], prefer_location_id: int | None
) -> list[tuple[StockLocation, list[OrderItem]]]:
    ranked = sorted(offers.values(), key=lambda offer: (-offer.location.priority, offer.location.id))
    if prefer_location_id in offers:
        ranked.remove(offers[prefer_location_id])
        ranked.insert(0, offers[prefer_location_id])
    for offer in ranked:
        if len(_servable(offer, items, excluded)) == len(items):
            return [(offer.location, items)]
    choice = []
    left = items
    for offer in ranked:
        taken = _servable(offer, left, excluded)
        if taken:
            choice.append((offer.location, taken))
            taken_ids = {item.id for item in taken}
            left = [item for item in left if item.id not in taken_ids]
        if not left:
            break
    return choice


def _reserve(location: StockLocation, items: list[OrderItem], stock_ids: dict[int, int]) -> PlannedGroup | None:
    units = Counter(item.product_id for item in items)
    reserved: list[int] = []
    for product_id in sorted(units, key=stock_ids.__getitem__):  # one lock order: no deadlocks
        if not try_reserve(stock_ids[product_id], units[product_id]):
            for done in reserved:
                unreserve(stock_ids[done], units[done])
            return None
        reserved.append(product_id)
    return PlannedGroup(location, list(items), {item.id: stock_ids[item.product_id] for item in items})
