"""`run_transfer_command`: the commands of transfer orders (DESIGN §4), the same way as packages.

A transfer moves reserved units from its source to the package's location. When the last open
transfer of a package arrives, the package goes from waiting_for_transfer to waiting.

Order of checks, as for packages: the transfer (404, 403), the transition (400, 406), the state and
the caller's end of the transfer inside the row locks (406), the input (400, naming the field);
then the effects, one transfer-log row and the outbox events, in one transaction. Rows are locked
in the order of `locking.py`: the package, the transfer, then stock rows (location, product).
A transfer in cancellation_waiting has no transitions: every command on it is refused (406).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext, ngettext
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ...actors import Actor
from ...database import run_in_transaction
from ...errors import AppError
from ...extensions import db
from ...locking import Rank, lock_row
from ...models import Package, PackageItem, Reservation, Stock, TransferItem, TransferOrder, TransferTransition
from ...selectors.transitions import TransitionValues
from ...states import DiscrepancyReason, ItemStatus, PackageStatus, TransferStatus
from .. import lookups
from ..history import emit_events, emit_transfer_events, log_transfer, log_transition, status_events
from ..packages import create_package, ready_status, report_missing, set_package_status
from ..planning import plan_transfers
from ..stock import (
    StockRow,
    add_reservations,
    consume_reservations,
    receive_reserved,
    release_reservations,
    unreserve,
    write_off,
)
from ..transfer_orders import create_transfer
from .core import CommandResult, join_sentences, lock_package, resolve_transition
from .inputs import CommandInput, NoInput, TransferAdvancedInput, TransferItemsNotFoundInput, parse_input


@dataclass
class TransferRun:
    transfer: TransferOrder
    package: Package
    transition: TransitionValues  # the cached transfer transition
    actor: Actor
    inputs: Any
    input_parameters: dict[str, Any]
    created_transfers: list[TransferOrder] = field(default_factory=list)
    created_packages: list[Package] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.from_state = self.transfer.status
        self.package_from_status = self.package.status
        # What the log row keeps: the input as sent, and what a handler resolved it to.
        self.log_parameters: dict[str, Any] = dict(self.input_parameters)

    def move(self, state: TransferStatus) -> None:
        self.transfer.status = state
        for item in self.transfer.items:
            item.status = state

    def record(self) -> None:
        log_transfer(
            transfer=self.transfer,
            from_state=self.from_state,
            command=self.transition.command,
            actor=self.actor,
            transition=self.transition,
            input_parameters=self.log_parameters,
        )
        emit_transfer_events(
            [
                (f"transfer.status.{self.transfer.status}", self.transfer),
                ("transfer.status.transitioned", self.transfer),
            ]
        )
        package_events = [("package.created", created) for created in self.created_packages]
        for created in self.created_packages:
            log_transition(package=created, from_status=None, command=self.transition.command, actor=self.actor)
        if self.package.status != self.package_from_status:
            log_transition(
                package=self.package,
                from_status=self.package_from_status,
                command=self.transition.command,
                actor=self.actor,
                input_parameters={"transfer": self.transfer.id},
            )
            package_events += status_events(self.package)
        emit_events(package_events)


Handler = Callable[[TransferRun], str]
_HANDLERS: dict[str, tuple[type[CommandInput], Handler]] = {}


def handles(command: str, input_model: type[CommandInput]) -> Callable[[Handler], Handler]:
    """Register a transfer command's handler and the model its `input_parameters` must fit."""

    def register(handler: Handler) -> Handler:
        _HANDLERS[command] = (input_model, handler)
        return handler

    return register


def run_transfer_command(
    *,
    transfer_id: int,
    actor: Actor,
    transition_id: int | None = None,
    slug: str | None = None,
    input_parameters: dict[str, Any] | None = None,
    before_commit: Callable[[CommandResult], None] | None = None,
) -> CommandResult:
    input_parameters = dict(input_parameters or {})

    def work() -> CommandResult:
        # The lock order: the transfer's package first, then the transfer (its package never changes).
        package_id = db.session.scalar(select(TransferOrder.package_id).where(TransferOrder.id == transfer_id))
        if package_id is None:
            raise AppError.not_found()
        package = lock_package(package_id)
        lock_row(TransferOrder.__table__, Rank.TRANSFER, transfer_id)
        transfer = db.session.scalars(
            select(TransferOrder)
            .where(TransferOrder.id == transfer_id)
            .execution_options(populate_existing=True)
            .options(selectinload(TransferOrder.items))
        ).one()
        if not actor.may_see_transfer(transfer):
            raise AppError.forbidden()
        transition = resolve_transition(TransferTransition, transition_id, slug)
        if (
            transition.source_state != transfer.status
            or not actor.may_run_on_transfer(transition, transfer)
            or transition.command not in _HANDLERS
        ):
            raise AppError.command_not_allowed()
        input_model, handler = _HANDLERS[transition.command]
        inputs = parse_input(input_model, input_parameters)
        run = TransferRun(transfer, package, transition, actor, inputs, input_parameters)
        message = handler(run)
        run.record()
        result = CommandResult(204, None, message)
        if before_commit is not None:
            before_commit(result)
        return result

    return run_in_transaction(work)


@handles("TRANSFER_READY_FOR_DISPATCH", NoInput)
def ready_for_dispatch(run: TransferRun) -> str:
    run.move(TransferStatus(run.transition.destination_state))
    return gettext("Transfer %(number)s is ready for dispatch.", number=run.transfer.number)


@handles("TRANSFER_DISPATCH", NoInput)
def dispatch(run: TransferRun) -> str:
    run.move(TransferStatus(run.transition.destination_state))
    return gettext(
        "Transfer %(number)s is on its way to %(location)s.",
        number=run.transfer.number,
        location=run.transfer.destination.name,
    )


@handles("TRANSFER_DELIVERED", NoInput)
def delivered(run: TransferRun) -> str:
    """The units leave the source and arrive at the destination, reserved there for the package.

    Units whose package was cancelled while they were on the road (or whose items left it) arrive as
    ordinary stock: on hand, not reserved.
    """
    transfer, package = run.transfer, run.package
    awaited = [
        item for item in transfer.items if package.state is not PackageStatus.CANCELLED and item.package_item.is_active
    ]
    # Stock rows are locked location by location, the lower id first.
    if transfer.destination_location_id < transfer.source_location_id:
        stock_at = _receive(transfer, awaited)
        _leave_source(transfer)
    else:
        _leave_source(transfer)
        stock_at = _receive(transfer, awaited)
    add_reservations((item.package_item_id, stock_at[item.product_id]) for item in awaited)
    run.move(TransferStatus(run.transition.destination_state))
    delivered_to = gettext(
        "Transfer %(number)s delivered to %(location)s.", number=transfer.number, location=transfer.destination.name
    )
    spare = len(transfer.items) - len(awaited)
    spare_units = (
        ngettext(
            "%(num)d unit no longer needed by package %(number)s is now ordinary stock there.",
            "%(num)d units no longer needed by package %(number)s are now ordinary stock there.",
            spare,
            number=package.number,
        )
        if spare
        else ""
    )
    return join_sentences(delivered_to, spare_units, _release_if_complete(run))


def _leave_source(transfer: TransferOrder) -> None:
    """The units are gone from the source: their reservations are consumed; a unit whose reservation was
    already released (its package was cancelled on the way) still leaves the shelf."""
    item_ids = [item.package_item_id for item in transfer.items]
    reserved = set(
        db.session.scalars(
            select(Reservation.package_item_id)
            .join(Stock, Stock.id == Reservation.stock_id)
            .where(Reservation.package_item_id.in_(item_ids), Stock.stock_location_id == transfer.source_location_id)
        )
    )
    unreserved = Counter(item.product_id for item in transfer.items if item.package_item_id not in reserved)
    for product_id, units in sorted(unreserved.items()):  # the lock order of stock rows
        write_off(transfer.source_location_id, product_id, units)
    consume_reservations(sorted(reserved))


def _receive(transfer: TransferOrder, awaited: list[TransferItem]) -> dict[int, int]:
    """Count the transfer's units in at the destination, the awaited ones reserved; product id → stock row id."""
    arriving = Counter(item.product_id for item in transfer.items)
    awaited_units = Counter(item.product_id for item in awaited)
    stock_at = {}
    for product, units in sorted(arriving.items()):
        stock_at[product] = receive_reserved(transfer.destination_location_id, product, units)
        if spare := units - awaited_units[product]:
            unreserve(StockRow(stock_at[product], transfer.destination_location_id, product), spare)
    return stock_at


@handles("TRANSFER_OUT_OF_STOCK", NoInput)
def out_of_stock(run: TransferRun) -> str:
    """The source has not got the units: replan them (never from this source), else they wait for Reschedule."""
    transfer = run.transfer
    run.move(TransferStatus(run.transition.destination_state))
    moving = [item.package_item for item in transfer.items]
    _report_at_source(run, moving, DiscrepancyReason.NOT_FOUND)
    head = gettext("Transfer %(number)s: the source had none.", number=transfer.number)
    return join_sentences(head, *_bring_elsewhere(run, moving), _release_if_complete(run))


@handles("TRANSFER_ORDER_ADVANCED", TransferAdvancedInput)
def order_advanced(run: TransferRun) -> str:
    """Ready for dispatch, with the carrier and tracking number the source ships it under; nobody is contacted."""
    transfer = run.transfer
    company = lookups.cargo_company(run.inputs.cargo_company)
    transfer.cargo_company = company
    transfer.tracking_number = run.inputs.tracking_number
    run.move(TransferStatus(run.transition.destination_state))
    return gettext(
        "Transfer %(number)s is ready for dispatch with %(carrier)s, tracking number %(tracking)s.",
        number=transfer.number,
        carrier=company.name,
        tracking=transfer.tracking_number,
    )


@handles("TRANSFER_ITEMS_NOT_FOUND", TransferItemsNotFoundInput)
def items_not_found(run: TransferRun) -> str:
    """Some units are not at the source (or are the wrong product): only they are sought elsewhere (never
    here); the others stay on the transfer. With every item listed it is TRANSFER_OUT_OF_STOCK."""
    transfer, inputs = run.transfer, run.inputs
    listed = _transfer_items(transfer, inputs.transfer_items)
    denial_reason = lookups.denial_reason(inputs.denial_reason) if inputs.denial_reason else None
    reason = DiscrepancyReason(inputs.reason)
    moving = [item.package_item for item in listed]
    run.log_parameters["package_items"] = [item.id for item in moving]
    every = len(listed) == len(transfer.items)
    if every:
        run.move(TransferStatus.OUT_OF_STOCK)
    else:
        # The listed units leave the transfer; the discrepancy records and this command's log row keep them.
        for item in listed:
            db.session.delete(item)
        db.session.flush()
        db.session.expire(transfer, ["items"])
    _report_at_source(run, moving, reason, denial_reason_id=denial_reason.id if denial_reason else None)
    names = {"number": transfer.number, "location": transfer.source.name}
    wrong = reason is DiscrepancyReason.WRONG_PRODUCT
    if every and wrong:
        head = gettext("Transfer %(number)s: every item wrong / defective at %(location)s.", **names)
    elif every:
        head = gettext("Transfer %(number)s: every item not found at %(location)s.", **names)
    elif wrong:
        head = ngettext(
            "Transfer %(number)s: %(num)d item wrong / defective at %(location)s; the rest still come.",
            "Transfer %(number)s: %(num)d items wrong / defective at %(location)s; the rest still come.",
            len(listed),
            **names,
        )
    else:
        head = ngettext(
            "Transfer %(number)s: %(num)d item not found at %(location)s; the rest still come.",
            "Transfer %(number)s: %(num)d items not found at %(location)s; the rest still come.",
            len(listed),
            **names,
        )
    return join_sentences(head, *_bring_elsewhere(run, moving), _release_if_complete(run))


@handles("TRANSFER_CANCEL", NoInput)
def cancel(run: TransferRun) -> str:
    """The transfer will not be sent: its units are free again at the source (no discrepancy, no write-off,
    the source may serve them again); the items are sought again, else they wait for Reschedule."""
    transfer = run.transfer
    run.move(TransferStatus(run.transition.destination_state))
    release_reservations(item.package_item_id for item in transfer.items)
    moving = [item.package_item for item in transfer.items if item.package_item.is_active]
    head = gettext(
        "Transfer %(number)s cancelled; its units are free again at %(location)s.",
        number=transfer.number,
        location=transfer.source.name,
    )
    return join_sentences(head, *_bring_elsewhere(run, moving), _release_if_complete(run))


def _transfer_items(transfer: TransferOrder, item_ids: list[int]) -> list[TransferItem]:
    """The transfer's items with these ids, in the given order, each once; else a 400 naming the field."""
    carried = {item.id: item for item in transfer.items}
    wanted = list(dict.fromkeys(item_ids))
    unknown = [item_id for item_id in wanted if item_id not in carried]
    if unknown:
        listed = ", ".join(str(item_id) for item_id in unknown)
        raise AppError.field("transfer_items", gettext("Not items of this transfer: %(items)s.", items=listed))
    return [carried[item_id] for item_id in wanted]


def _report_at_source(
    run: TransferRun, items: list[PackageItem], reason: DiscrepancyReason, *, denial_reason_id: int | None = None
) -> None:
    """The units are not at the source: their reservations there go, a discrepancy keeps planning from sending
    them back there, and they are written off its stock until the ERP's next push."""
    release_reservations(item.id for item in items)
    report_missing(
        package=run.package,
        items=items,
        location_id=run.transfer.source_location_id,
        reason=reason,
        denial_reason_id=denial_reason_id,
    )


def _bring_elsewhere(run: TransferRun, moving: list[PackageItem]) -> list[str]:
    """Seek `moving` again for the package: the destination's own stock, or new transfers from other sources;
    what nothing can bring waits for Reschedule. Returns sentences for the message."""
    if not moving:
        return []
    package = run.package
    plan = plan_transfers(
        order=package.order, destination=package.stock_location, order_items=[item.order_item for item in moving]
    )
    local = 0
    for group in plan.groups:
        reserved_here = [
            (item.id, group.stock_ids[item.order_item_id]) for item in moving if item.order_item_id in group.stock_ids
        ]
        local += len(reserved_here)
        add_reservations(reserved_here)
        for planned in group.transfers:
            run.created_transfers.append(create_transfer(package=package, planned=planned, actor=run.actor))
    parts = []
    if local:
        parts.append(
            ngettext(
                "%(num)d item taken from %(location)s's own stock.",
                "%(num)d items taken from %(location)s's own stock.",
                local,
                location=package.stock_location.name,
            )
        )
    if run.created_transfers:
        sources = ", ".join(t.source.name for t in run.created_transfers)
        parts.append(gettext("Now coming from %(locations)s.", locations=sources))
    unplanned = {order_item.id for order_item in plan.unplanned}
    if unplanned:
        parts.append(_set_aside(run, [item for item in moving if item.order_item_id in unplanned]))
    return parts


def _set_aside(run: TransferRun, items: list[PackageItem]) -> str:
    """Items nothing can bring: the package goes out of stock when they are all it has, else they wait in their own."""
    package = run.package
    if len(items) == len(package.active_items):
        set_package_status(package, PackageStatus.OUT_OF_STOCK)
        return gettext("Package %(number)s is out of stock until Reschedule.", number=package.number)
    holder = create_package(
        order=package.order,
        location=package.stock_location,
        status=PackageStatus.OUT_OF_STOCK,
        order_items=[item.order_item for item in items],
    )
    run.created_packages.append(holder)
    new_items = {item.order_item_id: item for item in holder.items}
    for item in items:
        item.replanned_to_id = new_items[item.order_item_id].id
        item.status = ItemStatus.OUT_OF_STOCK
    return ngettext(
        "%(num)d item waits for stock in package %(number)s.",
        "%(num)d items wait for stock in package %(number)s.",
        len(items),
        number=holder.number,
    )


def _release_if_complete(run: TransferRun) -> str:
    """waiting_for_transfer → waiting once no transfer of the package is on its way; the sentence saying so, or ""."""
    package = run.package
    if package.state is not PackageStatus.WAITING_FOR_TRANSFER:
        return ""
    still_open = db.session.scalar(
        select(TransferOrder.id)
        .where(
            TransferOrder.package_id == package.id,
            TransferOrder.status.in_([state.value for state in TransferStatus if state.is_open]),
        )
        .limit(1)
    )
    if still_open is not None:
        return ""
    set_package_status(package, ready_status(package.stock_location))
    return gettext("Package %(number)s is complete and waiting to be packed.", number=package.number)
