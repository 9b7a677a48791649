"""`run_transfer_command`: the commands of transfer orders (DESIGN §4), the same way as packages.

A transfer moves reserved units from its source to the package's location. When the last open
transfer of a package arrives, the package goes from waiting_for_transfer to waiting.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from ...actors import Actor
from ...database import run_in_transaction
from ...errors import AppError
from ...extensions import db
from ...models import Package, PackageItem, TransferOrder, TransferTransition
from ...states import DiscrepancyReason, ItemStatus, PackageStatus, TransferStatus
from ..history import emit_events, emit_transfer_events, log_transfer, log_transition, status_events
from ..packages import create_package, report_missing, set_package_status
from ..planning import plan_transfers
from ..stock import (
    add_reservations,
    consume_reservations,
    ensure_stock_row,
    receive_reserved,
    release_reservations,
)
from ..transfer_orders import create_transfer
from .core import CommandResult, resolve_transition
from .inputs import NoInput, parse_input


@dataclass
class TransferRun:
    transfer: TransferOrder
    package: Package
    transition: TransferTransition
    actor: Actor
    input_parameters: dict[str, Any]
    created_transfers: list[TransferOrder] = field(default_factory=list)
    created_packages: list[Package] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.from_state = self.transfer.status
        self.package_from_status = self.package.status

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
            input_parameters=self.input_parameters,
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
_HANDLERS: dict[str, Handler] = {}


def _handles(command: str) -> Callable[[Handler], Handler]:
    def register(handler: Handler) -> Handler:
        _HANDLERS[command] = handler
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
        transfer = db.session.scalars(
            select(TransferOrder)
            .where(TransferOrder.id == transfer_id)
            .with_for_update(of=TransferOrder)
            .execution_options(populate_existing=True)
            .options(selectinload(TransferOrder.items))
        ).first()
        if transfer is None:
            raise AppError.not_found()
        if not actor.may_see_transfer(transfer):
            raise AppError.forbidden()
        transition = resolve_transition(TransferTransition, transition_id, slug)
        if (
            transition.source_state != transfer.status
            or not actor.may_run_on_transfer(transition, transfer)
            or transition.command not in _HANDLERS
        ):
            raise AppError.command_not_allowed()
        parse_input(NoInput, input_parameters)
        run = TransferRun(transfer, _lock_package(transfer.package_id), transition, actor, input_parameters)
        message = _HANDLERS[transition.command](run)
        run.record()
        result = CommandResult(204, None, message)
        if before_commit is not None:
            before_commit(result)
        return result

    return run_in_transaction(work)


def _lock_package(package_id: int) -> Package:
    return db.session.scalars(
        select(Package)
        .where(Package.id == package_id)
        .with_for_update(of=Package)
        .execution_options(populate_existing=True)
        .options(
            joinedload(Package.stock_location),
            joinedload(Package.order),
            selectinload(Package.items).joinedload(PackageItem.order_item),
        )
    ).one()


@_handles("TRANSFER_READY_FOR_DISPATCH")
def ready_for_dispatch(run: TransferRun) -> str:
    run.move(TransferStatus(run.transition.destination_state))
    return f"Transfer {run.transfer.number} is ready for dispatch."


@_handles("TRANSFER_DISPATCH")
def dispatch(run: TransferRun) -> str:
    run.move(TransferStatus(run.transition.destination_state))
    return f"Transfer {run.transfer.number} is on its way to {run.transfer.destination.name}."


@_handles("TRANSFER_DELIVERED")
def delivered(run: TransferRun) -> str:
    transfer = run.transfer
    item_ids = [item.package_item_id for item in transfer.items]
    consume_reservations(item_ids)  # the units leave the source
    arriving = Counter(item.product_id for item in transfer.items)
    stock_at = {product: ensure_stock_row(transfer.destination_location_id, product) for product in sorted(arriving)}
    for product, units in arriving.items():
        receive_reserved(stock_at[product], units)
    add_reservations((item.package_item_id, stock_at[item.product_id]) for item in transfer.items)
    run.move(TransferStatus(run.transition.destination_state))
    return f"Transfer {transfer.number} delivered to {transfer.destination.name}." + _release_if_complete(run)


@_handles("TRANSFER_OUT_OF_STOCK")
def out_of_stock(run: TransferRun) -> str:
    """The source has not got the units: replan them (never from this source), else they wait for Reschedule."""
    transfer, package = run.transfer, run.package
    run.move(TransferStatus(run.transition.destination_state))
    moving = [item.package_item for item in transfer.items]
    release_reservations(item.id for item in moving)
    report_missing(
        package=package, items=moving, location_id=transfer.source_location_id, reason=DiscrepancyReason.NOT_FOUND
    )

    plan = plan_transfers(
        order=package.order, destination=package.stock_location, order_items=[item.order_item for item in moving]
    )
    for group in plan.groups:
        add_reservations(
            (item.id, group.stock_ids[item.order_item_id]) for item in moving if item.order_item_id in group.stock_ids
        )
        for planned in group.transfers:
            run.created_transfers.append(create_transfer(package=package, planned=planned, actor=run.actor))
    parts = [f"Transfer {transfer.number}: the source had none."]
    if run.created_transfers:
        parts.append("Now coming from " + ", ".join(t.source.name for t in run.created_transfers) + ".")
    unplanned = {order_item.id for order_item in plan.unplanned}
    if unplanned:
        parts.append(_set_aside(run, [item for item in moving if item.order_item_id in unplanned]))
    return " ".join(parts) + _release_if_complete(run)


def _set_aside(run: TransferRun, items: list[PackageItem]) -> str:
    """Items nothing can bring: the package goes out of stock when they are all it has, else they wait in their own."""
    package = run.package
    if len(items) == len(package.active_items):
        set_package_status(package, PackageStatus.OUT_OF_STOCK)
        return f"Package {package.number} is out of stock until Reschedule."
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
    return f"{len(items)} item(s) wait for stock in package {holder.number}."


def _release_if_complete(run: TransferRun) -> str:
    """waiting_for_transfer → waiting once no transfer of the package is on its way."""
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
    set_package_status(package, PackageStatus.WAITING)
    return f" Package {package.number} is complete and waiting to be packed."
