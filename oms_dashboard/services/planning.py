"""Where order items get packed: the active distribution scenario (DESIGN §6).

The one planning function the rest of the code calls. In order:
1. `prefer_location_id` (a package's own location, for items it keeps): there if it can serve
   every item.
2. The scenario's rules, in order: the first rule that can serve every item wins.
3. When none can, each rule in turn plans what it can of what is left (a rule without split
   makes one package at the location that can serve the most); what no rule can serve is
   returned unplanned, for an out-of-stock package that Reschedule retries.

A rule chooses among the active locations it selects that meet its conditions (SELECT_BY_QUOTA,
SAME_CITY), ranked by its order_by keys. Only a location with some of the order's SKUs available can
serve an item, so planning reads just those (plain rows, a fixed number of statements however many
locations there are); a transfer rule whose best destination has none of them is the one case that
reads every active location (`_World.read_all`). An item is never planned to (or transferred from) a
location that reported it not found or wrong. Planning reserves as it chooses, with conditional
UPDATEs in the lock order, so two orders racing for the last unit cannot both get it: the loser
sees the change and chooses again. The last quota slot is claimed at commit (see `stock.py`): the
loser of that race runs its whole transaction again and then sees the location full.
"""

from __future__ import annotations

import unicodedata
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import NamedTuple

from sqlalchemy import select

from ..extensions import db
from ..models import Discrepancy, DistributionScenario, Order, OrderItem, Stock, StockLocation
from ..scenarios import DEFAULT_SCENARIO, Rule, ScenarioDefinition
from ..text import field_text
from .stock import StockRow, hold_to_max_quota, pending_quota, try_reserve, unreserve

_ROUNDS = 5  # re-reads after losing a race, per rule, before the rule gives up


@dataclass
class PlannedTransfer:
    source: StockLocation
    order_items: list[OrderItem]
    stock_ids: dict[int, int]  # order item id -> reserved stock row at the source


@dataclass
class PlannedGroup:
    """One package: its location, all its items, where each is reserved."""

    location: StockLocation
    order_items: list[OrderItem]
    stock_ids: dict[int, int]  # order item id -> reserved stock row here (items not transferred)
    transfers: list[PlannedTransfer] = field(default_factory=list)


@dataclass
class Plan:
    groups: list[PlannedGroup] = field(default_factory=list)
    unplanned: list[OrderItem] = field(default_factory=list)


def active_scenario() -> ScenarioDefinition:
    definition = db.session.scalars(
        select(DistributionScenario.definition).where(DistributionScenario.is_active)
    ).first()
    return ScenarioDefinition.model_validate(definition) if definition is not None else DEFAULT_SCENARIO


def plan_items(*, order: Order, order_items: Sequence[OrderItem], prefer_location_id: int | None = None) -> Plan:
    remaining = list(order_items)
    if not remaining:
        return Plan()
    world = _World(order, remaining)
    preferred = world.locations.get(prefer_location_id) if prefer_location_id is not None else None
    if preferred is not None and len(world.servable(preferred.id, remaining)) == len(remaining):
        groups = _claim_groups(world, None, [_Choice(preferred, remaining)])
        if groups:
            return Plan(groups=groups)
    groups: list[PlannedGroup] = []
    for whole in (True, False):
        for rule in world.scenario.rules:
            planned = _apply(world, rule, remaining, whole=whole)
            if planned:
                groups += planned
                taken = {item.id for group in planned for item in group.order_items}
                remaining = [item for item in remaining if item.id not in taken]
            if not remaining or (whole and planned):
                break
        if not remaining:
            break
    return Plan(groups=merge_groups(groups), unplanned=remaining)


def plan_for_order(*, order: Order, order_items: Sequence[OrderItem], prefer_location_id: int | None = None) -> Plan:
    """Plan by the distribution scenario; a store-pickup order's items all go to its pickup location,
    reserved there or brought in by transfer."""
    if order.delivery_type == "pickup" and order.pickup_location is not None:
        return plan_transfers(order=order, destination=order.pickup_location, order_items=order_items)
    return plan_items(order=order, order_items=order_items, prefer_location_id=prefer_location_id)


def plan_transfers(*, order: Order, destination: StockLocation, order_items: Sequence[OrderItem]) -> Plan:
    """Bring items to a fixed location: reserved there when it has them, else transferred in."""
    world = _World(order, list(order_items), include_location_ids={destination.id})
    groups: list[PlannedGroup] = []
    for _ in range(_ROUNDS):
        choice = _transfer_choice(world, world.locations[destination.id], list(order_items))
        if not choice.count:
            break
        claimed = _claim_groups(world, None, [choice])
        if claimed is not None:
            groups = claimed
            break
        world.refresh()
    planned = {item.id for group in groups for item in group.order_items}
    return Plan(groups=groups, unplanned=[item for item in order_items if item.id not in planned])


def merge_groups(groups: Sequence[PlannedGroup]) -> list[PlannedGroup]:
    """One group per location, in first-seen order."""
    merged: dict[int, PlannedGroup] = {}
    for group in groups:
        target = merged.get(group.location.id)
        if target is None:
            merged[group.location.id] = PlannedGroup(
                group.location, list(group.order_items), dict(group.stock_ids), list(group.transfers)
            )
        else:
            target.order_items.extend(group.order_items)
            target.stock_ids.update(group.stock_ids)
            target.transfers.extend(group.transfers)
    return list(merged.values())


# --- what the planner knows -------------------------------------------------------------------


@lru_cache(maxsize=4096)  # a few hundred cities: each spelling is normalised once per process, not per order
def city_key(city: str) -> str:
    """İstanbul, ISTANBUL and istanbul are one city."""
    text = unicodedata.normalize("NFKD", (city or "").replace("ı", "i").replace("İ", "I"))
    return "".join(char for char in text if not unicodedata.combining(char)).casefold().strip()


class _Place(NamedTuple):
    """A stock location as planning reads it: plain values, its city already normalised."""

    id: int
    erp_code: str
    type: str
    city: str  # city_key of the stored city
    priority: int
    quota: int
    max_quota: int | None
    is_active: bool


_PLACE_COLUMNS = (
    StockLocation.id,
    StockLocation.erp_code,
    StockLocation.type,
    StockLocation.city,
    StockLocation.priority,
    StockLocation.quota,
    StockLocation.max_quota,
    StockLocation.is_active,
)


def _place(row: Sequence) -> _Place:
    location_id, erp_code, kind, city, *rest = row
    return _Place(location_id, erp_code, kind, city_key(city or ""), *rest)


class _World:
    """Locations, stock and exclusions as read for one planning; re-read after a lost race.

    `locations` holds the active locations with some of the items' SKUs available (plus
    `include_location_ids`, active or not): no other location can reserve or send an item.
    """

    def __init__(self, order: Order, items: list[OrderItem], include_location_ids: set[int] | None = None):
        self.order = order
        self.scenario = active_scenario()
        self.city = city_key(field_text(order.shipping_address, "city"))  # old rows may hold anything
        self.product_ids = {item.product_id for item in items}
        self.include_location_ids = include_location_ids or set()
        self.excluded: dict[int, set[int]] = defaultdict(set)
        for order_item_id, location_id in db.session.execute(
            select(Discrepancy.order_item_id, Discrepancy.stock_location_id).where(
                Discrepancy.order_item_id.in_([item.id for item in items]), Discrepancy.cleared_date.is_(None)
            )
        ):
            self.excluded[order_item_id].add(location_id)
        self.refresh()

    def refresh(self) -> None:
        """One statement: the units available of the items' SKUs, with the locations that hold them."""
        self.available: dict[int, dict[int, int]] = defaultdict(dict)  # location -> product -> units
        self.stock_ids: dict[int, dict[int, int]] = defaultdict(dict)
        self.locations: dict[int, _Place] = {}
        reachable = StockLocation.is_active
        if self.include_location_ids:
            reachable = reachable | StockLocation.id.in_(self.include_location_ids)
        for stock_id, product_id, units, *place in db.session.execute(
            select(Stock.id, Stock.product_id, Stock.quantity - Stock.reserved, *_PLACE_COLUMNS)
            .join(StockLocation, StockLocation.id == Stock.stock_location_id)
            .where(Stock.product_id.in_(self.product_ids), Stock.quantity > Stock.reserved, reachable)
        ):
            location_id = place[0]
            self.available[location_id][product_id] = units
            self.stock_ids[location_id][product_id] = stock_id
            if location_id not in self.locations:
                self.locations[location_id] = _place(place)
        self.read_all_locations = False
        if self.include_location_ids:
            self._read_places(StockLocation.id.in_(self.include_location_ids))

    def read_all(self) -> None:
        """Every active location, for a rule that may choose one without any of the items."""
        if not self.read_all_locations:
            self.read_all_locations = True
            self._read_places(StockLocation.is_active)

    def _read_places(self, where) -> None:
        for place in db.session.execute(select(*_PLACE_COLUMNS).where(where)):
            if place.id not in self.locations:
                self.locations[place.id] = _place(place)

    def stock_row(self, location_id: int, product_id: int) -> StockRow:
        return StockRow(self.stock_ids[location_id][product_id], location_id, product_id)

    def servable(
        self, location_id: int, items: Sequence[OrderItem], left: dict[int, int] | None = None
    ) -> list[OrderItem]:
        """The items this location can reserve now (`left` is consumed when given)."""
        if left is None:
            if location_id not in self.available:
                return []
            left = dict(self.available[location_id])
        taken = []
        for item in items:
            if location_id in self.excluded.get(item.id, ()) or left.get(item.product_id, 0) <= 0:
                continue
            left[item.product_id] -= 1
            taken.append(item)
        return taken


@dataclass
class _Choice:
    location: _Place
    items: list[OrderItem]  # reserved at the location
    transfers: list[tuple[_Place, list[OrderItem]]] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.items) + sum(len(items) for _, items in self.transfers)


# --- rules ------------------------------------------------------------------------------------


def _candidates(world: _World, rule: Rule) -> list[_Place]:
    selection = rule.locations
    by_quota = "SELECT_BY_QUOTA" in rule.conditions
    # An order without a delivery city is in no city: SAME_CITY matches nothing for it.
    if "SAME_CITY" in rule.conditions and not world.city:
        return []
    city = world.city if "SAME_CITY" in rule.conditions else None
    chosen = []
    for location in world.locations.values():
        if not location.is_active:
            continue
        if selection.erp_codes and location.erp_code not in selection.erp_codes:
            continue
        if selection.types and location.type not in selection.types:
            continue
        if location.erp_code in selection.except_erp_codes:
            continue
        if by_quota and not _has_quota(location):
            continue
        if city is not None and location.city != city:
            continue
        chosen.append(location)
    return chosen


def _has_quota(location: _Place) -> bool:
    """Room for one more package, counting the ones this transaction already placed there."""
    return location.max_quota is None or location.quota + pending_quota(location.id) < location.max_quota


def _rank_key(world: _World, rule: Rule, items: Sequence[OrderItem]) -> Callable[[_Place], tuple]:
    """The rule's order_by as a sort key: the first-ranked location has the smallest."""
    needed = Counter(item.product_id for item in items).items()

    def key(location: _Place) -> tuple:
        parts = []
        for order_key in rule.order_by:
            if order_key == "priority":
                parts.append(-location.priority)
            elif order_key == "stock":
                stock = world.available.get(location.id, {})
                parts.append(-sum(min(units, stock.get(product, 0)) for product, units in needed))
            else:  # density: fewer open packages (the quota counts them) first
                parts.append(location.quota)
        return (*parts, location.id)

    return key


def _apply(world: _World, rule: Rule, items: list[OrderItem], *, whole: bool) -> list[PlannedGroup]:
    for _ in range(_ROUNDS):
        choices = _choose(world, rule, items, whole=whole)
        if not choices:
            return []
        groups = _claim_groups(world, rule, choices)
        if groups is not None:
            return groups
        world.refresh()  # another order took a unit or a quota slot first: look again
    return []


def _choose(world: _World, rule: Rule, items: list[OrderItem], *, whole: bool) -> list[_Choice]:
    candidates = _candidates(world, rule)
    rank = _rank_key(world, rule, items)
    if rule.allow_split:
        choices, left = [], items
        for location in sorted(candidates, key=rank):
            taken = world.servable(location.id, left)
            if taken:
                choices.append(_Choice(location, taken))
                taken_ids = {item.id for item in taken}
                left = [item for item in left if item.id not in taken_ids]
            if not left:
                break
        return [] if whole and left else choices
    # One package: the first-ranked of the locations that can serve the most items. Only those are
    # ranked, so a rule costs one pass over the candidates, not a sort of them all.
    served = {location.id: len(world.servable(location.id, items)) for location in candidates}
    most = max(served.values(), default=0)
    best = min((location for location in candidates if served[location.id] == most), key=rank, default=None)
    if rule.transferable:
        # The packing location is the one that already has the most; the rest is transferred in.
        if not most:
            if not any(world.servable(place.id, items) for place in world.locations.values() if place.is_active):
                return []  # no location could send anything: no transfer, and no need to read them all
            # None has any: the rule's first-ranked location, which may be one planning did not read yet.
            world.read_all()
            best = min(_candidates(world, rule), key=rank, default=None)
        if best is None:
            return []
        choice = _transfer_choice(world, best, items)
        if (whole and choice.count < len(items)) or not choice.count:
            return []
        return [choice]
    if not most or (whole and most < len(items)):
        return []
    return [_Choice(best, world.servable(best.id, items))]


def _transfer_choice(world: _World, destination: _Place, items: list[OrderItem]) -> _Choice:
    local = world.servable(destination.id, items)
    local_ids = {item.id for item in local}
    sources = sorted(
        (loc for loc in world.locations.values() if loc.is_active and loc.id != destination.id),
        key=lambda location: (-location.priority, location.id),
    )
    left_at = {location.id: dict(world.available.get(location.id, {})) for location in sources}
    by_source: dict[int, list[OrderItem]] = defaultdict(list)
    for item in items:
        if item.id in local_ids:
            continue
        for source in sources:
            if world.servable(source.id, [item], left_at[source.id]):
                by_source[source.id].append(item)
                break
    return _Choice(destination, local, [(world.locations[source_id], moved) for source_id, moved in by_source.items()])


# --- reserving --------------------------------------------------------------------------------


def _claim_groups(world: _World, rule: Rule | None, choices: list[_Choice]) -> list[PlannedGroup] | None:
    """Reserve every unit of the choices, stock row by stock row in the lock order, or nothing.

    Choices planned on free quota (SELECT_BY_QUOTA) claim it at commit: `hold_to_max_quota` makes
    the quota increase conditional there, and a transaction that finds the slot gone runs again.
    """
    units: Counter[StockRow] = Counter()
    for choice in choices:
        for location, items in [(choice.location, choice.items), *choice.transfers]:
            for item in items:
                units[world.stock_row(location.id, item.product_id)] += 1
    taken: list[StockRow] = []
    for row in sorted(units, key=lambda row: (row.location_id, row.product_id)):
        if not try_reserve(row, units[row]):
            for done in taken:  # lost a race: give back what this attempt took
                unreserve(done, units[done])
            return None
        taken.append(row)
    if rule is not None and "SELECT_BY_QUOTA" in rule.conditions:
        for choice in choices:
            hold_to_max_quota(choice.location.id)

    def stock_ids(location: _Place, items: list[OrderItem]) -> dict[int, int]:
        return {item.id: world.stock_row(location.id, item.product_id).id for item in items}

    chosen = _stock_locations(
        {choice.location.id for choice in choices} | {source.id for choice in choices for source, _ in choice.transfers}
    )
    return [
        PlannedGroup(
            chosen[choice.location.id],
            choice.items + [item for _, moved in choice.transfers for item in moved],
            stock_ids(choice.location, choice.items),
            [PlannedTransfer(chosen[source.id], moved, stock_ids(source, moved)) for source, moved in choice.transfers],
        )
        for choice in choices
    ]


def _stock_locations(location_ids: Iterable[int]) -> dict[int, StockLocation]:
    """The chosen locations as the models packages and transfers are made with, in one statement."""
    return {
        location.id: location
        for location in db.session.scalars(select(StockLocation).where(StockLocation.id.in_(list(location_ids))))
    }
