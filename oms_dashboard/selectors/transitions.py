"""Which transitions (commands) a caller may run on packages in given states (DESIGN §5.2)."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from types import MappingProxyType
from typing import Any

from sqlalchemy import select

from ..cache import cached
from ..extensions import db
from ..i18n import N_
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


def runnable(transitions: Iterable[TransitionValues], package: Package) -> list[TransitionValues]:
    return [transition for transition in transitions if runs_on(transition.command, package)]


@dataclass(frozen=True)
class TransitionValues:
    """A transition row as the cache keeps it (package or transfer): plain values, never an ORM instance.
    `config` and `translations` are JSON kept as text, so every reader gets its own copy to change."""

    id: int
    slug: str
    label: str
    command: str
    ui_visibility: tuple[str, ...]
    source_state: Any
    destination_state: Any
    created_date: datetime
    modified_date: datetime
    config_json: str
    translations_json: str

    @property
    def config(self) -> dict[str, Any]:
        return json.loads(self.config_json)

    @property
    def translations(self) -> Any:
        return json.loads(self.translations_json)


@dataclass(frozen=True)
class TransitionTable:
    """Every transition of one model, by id, by slug and by source state (in id order)."""

    by_id: Mapping[int, TransitionValues]
    by_slug: Mapping[str, TransitionValues]
    by_state: Mapping[Any, tuple[TransitionValues, ...]]


def _load(model: type[Transition] | type[TransferTransition]) -> TransitionTable:
    rows = [
        TransitionValues(
            id=row.id,
            slug=row.slug,
            label=row.label,
            command=row.command,
            ui_visibility=tuple(row.ui_visibility or ()),
            source_state=row.source_state,
            destination_state=row.destination_state,
            created_date=row.created_date,
            modified_date=row.modified_date,
            config_json=json.dumps(row.config or {}),
            translations_json=json.dumps(row.translations),
        )
        for row in db.session.execute(select(model.__table__).order_by(model.__table__.c.id))
    ]
    by_state: dict[Any, list[TransitionValues]] = defaultdict(list)
    for row in rows:
        by_state[row.source_state].append(row)
    return TransitionTable(
        by_id=MappingProxyType({row.id: row for row in rows}),
        by_slug=MappingProxyType({row.slug: row for row in rows}),
        by_state=MappingProxyType({state: tuple(found) for state, found in by_state.items()}),
    )


def transition_table(model: type[Transition] | type[TransferTransition]) -> TransitionTable:
    """All transitions of `model`, from this process's cache (one query per process and cache generation)."""
    return cached(("transitions", model.__tablename__), lambda: _load(model))


def _by_state(
    model: type[Transition] | type[TransferTransition], states: Iterable[Any], visibility: Visibility | None
) -> dict[Any, list[TransitionValues]]:
    table = transition_table(model)
    by_state: dict[Any, list[TransitionValues]] = defaultdict(list)
    for state in set(states):
        for row in table.by_state.get(state, ()):
            if visibility is None or visibility.value in row.ui_visibility:
                by_state[state].append(row)
    return by_state


def commands_by_state(*, statuses: Iterable[int], visibility: Visibility | None) -> dict[int, list[TransitionValues]]:
    """The transitions from each state that `visibility` may run (None: every one), in id order."""
    return _by_state(Transition, statuses, visibility)


def commands_for(*, status: int, visibility: Visibility | None) -> list[TransitionValues]:
    return commands_by_state(statuses=[status], visibility=visibility)[status]


def transfer_commands_by_state(
    *, states: Iterable[str], visibility: Visibility | None
) -> dict[str, list[TransitionValues]]:
    return _by_state(TransferTransition, states, visibility)


# What the history says for rows no transition wrote: a package or transfer made by intake or by a command.
# Marked for the catalogue; pages translate a history label where they show it (templating.translated).
_CREATED_LABELS = {"ORDER_CREATED": N_("Order received"), "TRANSFER_CREATED": N_("Transfer created")}


def _label_by_command(table: TransitionTable) -> dict[str, str]:
    labels: dict[str, str] = {}
    for row in table.by_id.values():
        labels.setdefault(row.command, row.label)
    return labels


def history_label(
    model: type[Transition] | type[TransferTransition], *, transition_id: int | None, command: str
) -> str:
    """A history row's command as people read it ("Packaging Completed"), from the transition cache: no query
    per row. A row without its transition (older rows, creations) takes its command's first label."""
    table = transition_table(model)
    row = table.by_id.get(transition_id) if transition_id is not None else None
    if row is not None:
        return row.label
    if command in _CREATED_LABELS:
        return _CREATED_LABELS[command]
    by_command = cached(("transition-labels", model.__tablename__), lambda: _label_by_command(table))
    return by_command.get(command) or command.replace("_", " ").capitalize()
