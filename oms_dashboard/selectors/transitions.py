"""Which transitions (commands) a caller may run on packages in given states (DESIGN §5.2)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from sqlalchemy import select

from ..extensions import db
from ..models import Package, TransferTransition, Transition
from ..states import PackageStatus, Visibility

# Commands a transition offers by state alone but only some packages can run (DESIGN §5.2: `commands`
# lists what the caller may run now). The command service refuses the others with the same 406.
NEEDS_WAITING_ITEMS = frozenset({"REPACK", "MANUAL_PLANNING", "CANCEL_PACKAGE"})
PICKUP_ONLY = frozenset({"READY_FOR_PICKUP", "SELF_SERVICE_DELIVERY"})
SHIPPING_ONLY = frozenset(
    {"SHIP", "SHIP_ADVANCED", "SHIP_WITHOUT_SHIPMENT_INTEGRATION", "SHIPMENT_ORDER", "UPDATE_SHIPMENT_LABEL"}
)


def runs_on(command: str, package: Package) -> bool:
    """Whether `command` can run on this package beyond its state: items left to plan, the order's delivery type,
    a packed package not yet booked with a carrier for Shipment Order."""
    if command in NEEDS_WAITING_ITEMS:
        return bool(package.active_items)
    is_pickup = package.order.delivery_type == "pickup"
    if command in PICKUP_ONLY:
        return is_pickup
    if command in SHIPPING_ONLY:
        if is_pickup:
            return False
        if command == "SHIPMENT_ORDER" and package.status == PackageStatus.PACKED:
            return package.shipment is None or package.shipment.cargo_company_id is None
    return True


def runnable(transitions: Iterable[Transition], package: Package) -> list[Transition]:
    return [transition for transition in transitions if runs_on(transition.command, package)]


def commands_by_state(*, statuses: Iterable[int], visibility: Visibility | None) -> dict[int, list[Transition]]:
    """One query for any number of states; `visibility` None means every transition."""
    wanted = set(statuses)
    by_state: dict[int, list[Transition]] = defaultdict(list)
    if not wanted:
        return by_state
    rows = db.session.scalars(select(Transition).where(Transition.source_state.in_(wanted)).order_by(Transition.id))
    for row in rows:
        # ui_visibility is a JSON list: filtered here, the same on SQLite and PostgreSQL.
        if visibility is None or visibility.value in (row.ui_visibility or []):
            by_state[row.source_state].append(row)
    return by_state


def commands_for(*, status: int, visibility: Visibility | None) -> list[Transition]:
    return commands_by_state(statuses=[status], visibility=visibility)[status]


def transfer_commands_by_state(
    *, states: Iterable[str], visibility: Visibility | None
) -> dict[str, list[TransferTransition]]:
    wanted = set(states)
    by_state: dict[str, list[TransferTransition]] = defaultdict(list)
    if not wanted:
        return by_state
    rows = db.session.scalars(
        select(TransferTransition).where(TransferTransition.source_state.in_(wanted)).order_by(TransferTransition.id)
    )
    for row in rows:
        if visibility is None or visibility.value in (row.ui_visibility or []):
            by_state[row.source_state].append(row)
    return by_state
