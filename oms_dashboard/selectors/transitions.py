"""Which transitions (commands) a caller may run on packages in given states (DESIGN §5.2)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from sqlalchemy import select

from ..extensions import db
from ..models import TransferTransition, Transition
from ..states import Visibility


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
