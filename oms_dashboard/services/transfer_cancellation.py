"""What a package's cancellation does to its transfer orders (DESIGN §4.1).

Called by the package cancellation service inside its own transaction, with the package row
already locked: these functions lock the transfers next (the order of `locking.py`: package,
transfer orders by id, then stock rows). Each transfer that changes gets one transfer-log row
(the command is the package's: REQUEST_, CONFIRM_ or REJECT_CANCELLATION) and the events
`transfer.status.<state>` and `transfer.status.transitioned`.

Transfers already in transit are not stopped: the units are on the road. When one arrives for a
cancelled package, TRANSFER_DELIVERED puts its units into the destination's stock, unreserved.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..actors import Actor
from ..extensions import db
from ..locking import Rank, lock_row
from ..models import Package, TransferLog, TransferOrder
from ..states import TransferStatus
from .history import emit_transfer_events, log_transfer
from .stock import release_reservations

# What a cancellation request can still stop: the units have not left the source.
HOLDABLE = (TransferStatus.WAITING, TransferStatus.READY_TO_SHIPMENT)


def hold_transfers_for_cancellation(*, package: Package, actor: Actor) -> list[TransferOrder]:
    """The package awaits cancellation: its transfers not yet sent wait too (cancellation_waiting).

    Their units stay reserved at the source until the cancellation is confirmed or rejected.
    """
    transfers = _lock_transfers(package, HOLDABLE)
    _move(transfers, TransferStatus.CANCELLATION_WAITING, command="REQUEST_CANCELLATION", package=package, actor=actor)
    return transfers


def cancel_held_transfers(*, package: Package, actor: Actor) -> list[TransferOrder]:
    """The cancellation is confirmed: the held transfers are cancelled and their units freed at the source."""
    transfers = _lock_transfers(package, [TransferStatus.CANCELLATION_WAITING])
    # One call for every transfer: the stock rows are taken in the lock order (location, product).
    release_reservations(item.package_item_id for transfer in transfers for item in transfer.items)
    _move(transfers, TransferStatus.CANCELLED, command="CONFIRM_CANCELLATION", package=package, actor=actor)
    return transfers


def release_held_transfers(*, package: Package, actor: Actor) -> list[TransferOrder]:
    """The cancellation is rejected: each held transfer goes back to the state it had before (its log says)."""
    transfers = _lock_transfers(package, [TransferStatus.CANCELLATION_WAITING])
    previous = _state_before_hold([transfer.id for transfer in transfers])
    for transfer in transfers:
        _move(
            [transfer],
            previous.get(transfer.id, TransferStatus.WAITING),
            command="REJECT_CANCELLATION",
            package=package,
            actor=actor,
        )
    return transfers


def has_open_transfers(package: Package) -> bool:
    """Whether a transfer is still bringing the package units (after a rejected cancellation, a package that
    was waiting for transfers whose last one arrived meanwhile has nothing left to wait for)."""
    open_states = [state.value for state in TransferStatus if state.is_open]
    return (
        db.session.scalar(
            select(TransferOrder.id)
            .where(TransferOrder.package_id == package.id, TransferOrder.status.in_(open_states))
            .limit(1)
        )
        is not None
    )


def _lock_transfers(package: Package, states: Iterable[TransferStatus]) -> list[TransferOrder]:
    """Lock the package's transfers in `states`, by id (after the package, which the caller holds), then load them."""
    values = [state.value for state in states]
    ids = list(
        db.session.scalars(
            select(TransferOrder.id)
            .where(TransferOrder.package_id == package.id, TransferOrder.status.in_(values))
            .order_by(TransferOrder.id)
        )
    )
    for transfer_id in ids:
        lock_row(TransferOrder.__table__, Rank.TRANSFER, transfer_id)
    if not ids:
        return []
    # Loaded after the lock (see `lock_package`), and checked again: the state is the one the lock saw.
    loaded = db.session.scalars(
        select(TransferOrder)
        .where(TransferOrder.id.in_(ids))
        .order_by(TransferOrder.id)
        .execution_options(populate_existing=True)
        .options(selectinload(TransferOrder.items))
    )
    return [transfer for transfer in loaded if transfer.status in values]


def _move(
    transfers: list[TransferOrder], state: TransferStatus, *, command: str, package: Package, actor: Actor
) -> None:
    for transfer in transfers:
        from_state = transfer.status
        transfer.status = state
        for item in transfer.items:
            item.status = state
        log_transfer(
            transfer=transfer,
            from_state=from_state,
            command=command,
            actor=actor,
            input_parameters={"package": package.id},
        )
    emit_transfer_events(
        event
        for transfer in transfers
        for event in ((f"transfer.status.{state.value}", transfer), ("transfer.status.transitioned", transfer))
    )


def _state_before_hold(transfer_ids: list[int]) -> dict[int, TransferStatus]:
    """For each transfer, the state its latest move into cancellation_waiting came from."""
    if not transfer_ids:
        return {}
    rows = db.session.execute(
        select(TransferLog.transfer_order_id, TransferLog.from_state)
        .where(
            TransferLog.transfer_order_id.in_(transfer_ids),
            TransferLog.to_state == TransferStatus.CANCELLATION_WAITING.value,
        )
        .order_by(TransferLog.id)
    )
    previous = {}
    for transfer_id, from_state in rows:  # the latest wins
        if from_state in {state.value for state in HOLDABLE}:
            previous[transfer_id] = TransferStatus(from_state)
    return previous
