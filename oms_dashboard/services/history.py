"""The transition log and the webhook outbox, written inside the caller's transaction."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from typing import Any

from sqlalchemy import insert, select

from ..actors import Actor
from ..extensions import db
from ..models import (
    Order,
    OutboxEvent,
    Package,
    StockLocation,
    TransferLog,
    TransferOrder,
    TransferTransition,
    Transition,
    TransitionLog,
)
from ..models.base import utcnow
from ..representations import order_cancellation as order_cancellation_representation
from ..representations import package as package_representation
from ..representations import stock_location as location_representation
from ..representations import transfer as transfer_representation
from ..selectors.transitions import commands_by_state, runnable, transfer_commands_by_state
from ..states import PackageStatus, Visibility


def log_transition(
    *,
    package: Package,
    from_status: int | None,
    command: str,
    actor: Actor,
    transition: Transition | None = None,
    input_parameters: dict[str, Any] | None = None,
) -> None:
    db.session.add(
        TransitionLog(
            package_id=package.id,
            transition_id=transition.id if transition else None,
            command=command,
            from_status=from_status,
            to_status=package.status,
            actor=actor.name,
            user_id=actor.user_id,
            api_token_id=actor.api_token_id,
            input_parameters=input_parameters or {},
        )
    )


def log_transfer(
    *,
    transfer: TransferOrder,
    from_state: str | None,
    command: str,
    actor: Actor,
    transition: TransferTransition | None = None,
    input_parameters: dict[str, Any] | None = None,
) -> None:
    db.session.add(
        TransferLog(
            transfer_order_id=transfer.id,
            transition_id=transition.id if transition else None,
            command=command,
            from_state=from_state,
            to_state=transfer.status,
            actor=actor.name,
            user_id=actor.user_id,
            api_token_id=actor.api_token_id,
            input_parameters=input_parameters or {},
        )
    )


def emit_transfer_events(events: Iterable[tuple[str, TransferOrder]]) -> None:
    """Outbox rows whose payload is the transfer order as the API shows it to integrators now."""
    events = list(events)
    if not events:
        return
    _flush_for_representation()
    commands = transfer_commands_by_state(states={t.status for _, t in events}, visibility=Visibility.THIRD_PARTY)
    _insert_events(
        (event_type, transfer, lambda t: transfer_representation(t, commands[t.status]), "transfer_order_id")
        for event_type, transfer in events
    )


def emit_location_events(events: Iterable[tuple[str, StockLocation]]) -> None:
    """`stock_location.created` / `stock_location.updated` rows: the location as the API shows it now."""
    events = list(events)
    if not events:
        return
    _flush_for_representation()
    _insert_events(
        (event_type, location, location_representation, "stock_location_id") for event_type, location in events
    )


def emit_events(events: Iterable[tuple[str, Package]]) -> None:
    """Outbox rows whose payload is the package as the API shows it to integrators now."""
    events = list(events)
    if not events:
        return
    _flush_for_representation()
    commands = commands_by_state(statuses={p.status for _, p in events}, visibility=Visibility.THIRD_PARTY)
    _insert_events(
        (event_type, package, lambda p: package_representation(p, runnable(commands[p.status], p)), "package_id")
        for event_type, package in events
    )


def status_events(package: Package) -> list[tuple[str, Package]]:
    return [
        ("package.status.transitioned", package),
        (f"package.status.{package.state.slug}", package),
    ]


def emit_order_event(event_type: str, order: Order, packages: list[Package], changed: list[int]) -> None:
    """An order-level event (`order.cancellation_requested`): the order and each package's status now.

    Filed under the first package it changed, so it goes out in order with that package's events."""
    _flush_for_representation()
    row = _event_row(event_type, order_cancellation_representation(order, packages), package_id=changed[0])
    db.session.execute(insert(OutboxEvent.__table__), row)


def _flush_for_representation() -> None:
    """Write the command's changes before they are shown: new rows get their ids and defaults, and changed
    rows their `modified_date` (set by `onupdate` when flushed), which the representations include."""
    db.session.flush()


def _insert_events(events: Iterable[tuple[str, Any, Callable[[Any], dict[str, Any]], str]]) -> None:
    """One INSERT for all of the events (event type, subject, how to show it, the subject's column).

    Each subject is shown once: its later events point at the first one's payload instead of copying it.
    Core, not the ORM: nothing reads these rows back in the transaction, so no ids, no RETURNING, no
    identity map. An executemany rather than one multi-VALUES statement: it is compiled once for any
    number of rows (cached), and psycopg sends all the rows in one round trip (pipeline mode)."""
    rows: list[dict[str, Any]] = []
    holder_of: dict[tuple[str, int], str] = {}  # (owner column, subject id) -> uuid of the event holding its payload
    for event_type, subject, show, owner_column in events:
        key = (owner_column, subject.id)
        holder = holder_of.get(key)
        if holder is None:
            row = _event_row(event_type, show(subject), **{owner_column: subject.id})
            holder_of[key] = row["uuid"]
        else:
            row = _event_row(event_type, None, payload_event_uuid=holder, **{owner_column: subject.id})
        rows.append(row)
    db.session.execute(insert(OutboxEvent.__table__), rows)


def _event_row(event_type: str, resource_payload: dict[str, Any] | None, **columns: Any) -> dict[str, Any]:
    # Every row names every column: the rows of one executemany must all have the same keys.
    return {
        "uuid": uuid.uuid4().hex,
        "event_type": event_type,
        "package_id": None,
        "transfer_order_id": None,
        "stock_location_id": None,
        "resource_payload": resource_payload,
        "payload_event_uuid": None,
        "created_date": utcnow(),
    } | columns


def status_before(package_id: int, status: PackageStatus) -> PackageStatus:
    """The status the package had when it last entered `status` (from the transition log)."""
    before = db.session.scalar(
        select(TransitionLog.from_status)
        .where(TransitionLog.package_id == package_id, TransitionLog.to_status == status)
        .order_by(TransitionLog.id.desc())
        .limit(1)
    )
    return PackageStatus(before or PackageStatus.WAITING)
