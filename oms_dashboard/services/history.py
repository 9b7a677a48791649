"""The transition log and the webhook outbox, written inside the caller's transaction."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

from sqlalchemy import select

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
    db.session.flush()
    commands = transfer_commands_by_state(states={t.status for _, t in events}, visibility=Visibility.THIRD_PARTY)
    for event_type, transfer in events:
        _add_event(
            event_type, transfer_representation(transfer, commands[transfer.status]), transfer_order_id=transfer.id
        )


def _add_event(event_type: str, payload: dict[str, Any], **owner: int) -> None:
    event_uuid = uuid.uuid4().hex
    db.session.add(
        OutboxEvent(
            uuid=event_uuid,
            event_type=event_type,
            payload={"event": {"type": event_type, "uuid": event_uuid}, "payload": payload},
            **owner,
        )
    )


def emit_location_events(events: Iterable[tuple[str, StockLocation]]) -> None:
    """`stock_location.created` / `stock_location.updated` rows: the location as the API shows it now."""
    events = list(events)
    if not events:
        return
    db.session.flush()
    for event_type, location in events:
        _add_event(event_type, location_representation(location), stock_location_id=location.id)


def emit_events(events: Iterable[tuple[str, Package]]) -> None:
    """Outbox rows whose payload is the package as the API shows it to integrators now."""
    events = list(events)
    if not events:
        return
    db.session.flush()
    commands = commands_by_state(statuses={p.status for _, p in events}, visibility=Visibility.THIRD_PARTY)
    payloads: dict[int, dict[str, Any]] = {}
    for event_type, package in events:
        if package.id not in payloads:
            payloads[package.id] = package_representation(package, runnable(commands[package.status], package))
        _add_event(event_type, payloads[package.id], package_id=package.id)


def status_events(package: Package) -> list[tuple[str, Package]]:
    return [
        ("package.status.transitioned", package),
        (f"package.status.{package.state.slug}", package),
    ]


def emit_order_event(event_type: str, order: Order, packages: list[Package], changed: list[int]) -> None:
    """An order-level event (`order.cancellation_requested`): the order and each package's status now.

    Filed under the first package it changed, so it goes out in order with that package's events."""
    db.session.flush()
    _add_event(event_type, order_cancellation_representation(order, packages), package_id=changed[0])


def status_before(package_id: int, status: PackageStatus) -> PackageStatus:
    """The status the package had when it last entered `status` (from the transition log)."""
    before = db.session.scalar(
        select(TransitionLog.from_status)
        .where(TransitionLog.package_id == package_id, TransitionLog.to_status == status)
        .order_by(TransitionLog.id.desc())
        .limit(1)
    )
    return PackageStatus(before or PackageStatus.WAITING)
