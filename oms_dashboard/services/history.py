"""The transition log and the webhook outbox, written inside the caller's transaction."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

from ..actors import Actor
from ..extensions import db
from ..models import OutboxEvent, Package, TransferLog, TransferOrder, TransferTransition, Transition, TransitionLog
from ..representations import package as package_representation
from ..representations import transfer as transfer_representation
from ..selectors.transitions import commands_by_state, transfer_commands_by_state
from ..states import Visibility


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
            payloads[package.id] = package_representation(package, commands[package.status])
        _add_event(event_type, payloads[package.id], package_id=package.id)


def status_events(package: Package) -> list[tuple[str, Package]]:
    return [
        ("package.status.transitioned", package),
        (f"package.status.{package.state.slug}", package),
    ]
