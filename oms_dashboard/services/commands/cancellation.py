"""Cancellation (DESIGN §4.1): the ERP or a manager asks, the store confirms or rejects.

A package that can still be stopped waits in Pending Cancellation: its quota, reservations and transfers
stay held, because the store may already have it in hand. Confirming releases them and cancels the items;
rejecting puts the package (and its transfers) back where they were. A package that waits for stock
(out of stock, defective product found, to be rescheduled) has nothing in hand anywhere: an order
cancellation cancels it at once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask_babel import gettext, ngettext
from sqlalchemy import select

from ...actors import Actor
from ...database import run_in_transaction
from ...errors import AppError
from ...extensions import db
from ...models import Order, Package, Transition
from ...states import ItemStatus, PackageStatus
from ..history import emit_order_event, status_before
from ..packages import ready_status, set_package_status
from ..stock import release_reservations
from ..transfer_cancellation import (
    cancel_held_transfers,
    has_open_transfers,
    hold_transfers_for_cancellation,
    release_held_transfers,
)
from .core import CommandResult, CommandRun, apply, handles, lock_package
from .inputs import NoInput

REQUEST = "REQUEST_CANCELLATION"
CANCEL_AT_ONCE = "CANCEL_PACKAGE"


@handles(REQUEST, NoInput)
def request_cancellation(run: CommandRun) -> CommandResult:
    package = run.package
    set_package_status(package, run.destination)
    held = hold_transfers_for_cancellation(package=package, actor=run.actor)
    return run.done(
        gettext(
            "Cancellation of package %(number)s requested: the store confirms or rejects it.", number=package.number
        ),
        ngettext("%(num)d transfer held.", "%(num)d transfers held.", len(held)) if held else "",
    )


@handles("CONFIRM_CANCELLATION", NoInput)
@handles(CANCEL_AT_ONCE, NoInput)
def confirm_cancellation(run: CommandRun) -> CommandResult:
    package = run.package
    items = package.active_items
    release_reservations(item.id for item in items)
    cancel_held_transfers(package=package, actor=run.actor)
    set_package_status(package, run.destination)  # the items take the package's status: cancelled
    for item in items:
        item.order_item.status = ItemStatus.CANCELLED.value
    return run.done(gettext("Package %(number)s cancelled.", number=package.number))


@handles("REJECT_CANCELLATION", NoInput)
def reject_cancellation(run: CommandRun) -> CommandResult:
    package = run.package
    previous = status_before(package.id, PackageStatus.CANCELLATION_WAITING)
    release_held_transfers(package=package, actor=run.actor)
    if previous is PackageStatus.WAITING_FOR_TRANSFER and not has_open_transfers(package):
        previous = ready_status(package.stock_location)  # they arrived while the cancellation was pending
    set_package_status(package, previous)
    return run.done(
        gettext(
            "Cancellation of package %(number)s rejected: it is %(status)s again.",
            number=package.number,
            status=gettext(previous.label),
        )
    )


@dataclass(frozen=True)
class OrderCancellation:
    order: Order
    packages: list[Package]  # every package of the order, in its status after the request
    changed: list[int]  # ids of the packages the request moved


def request_order_cancellation(
    *,
    number: str,
    actor: Actor,
    reason: str | None = None,
    before_commit: Callable[[OrderCancellation], None] | None = None,
) -> OrderCancellation:
    """`POST orders/{number}/cancel/`: every package not yet packed goes to Pending Cancellation (or is cancelled
    at once when it only waits for stock); 406 `commands_100_1` when none can be any more. All or nothing."""

    def work() -> OrderCancellation:
        order = db.session.scalars(select(Order).where(Order.number == number)).first()
        if order is None:
            raise AppError.not_found()
        package_ids = list(
            db.session.scalars(select(Package.id).where(Package.order_id == order.id).order_by(Package.id))
        )
        by_source = {
            (row.command, row.source_state): row
            for row in db.session.scalars(select(Transition).where(Transition.command.in_([REQUEST, CANCEL_AT_ONCE])))
        }
        packages = [lock_package(package_id) for package_id in package_ids]  # all first: the lock order
        changed = []
        for package in packages:
            transition = by_source.get((REQUEST, package.status)) or by_source.get((CANCEL_AT_ONCE, package.status))
            if transition is None or (transition.command == CANCEL_AT_ONCE and not package.active_items):
                continue
            if not actor.may_access(package.stock_location_id):
                raise AppError.forbidden()
            _run(package, transition, actor, {"reason": reason} if reason else {})
            changed.append(package.id)
        if not changed:
            raise AppError.command_not_allowed()
        emit_order_event("order.cancellation_requested", order, packages, changed)
        result = OrderCancellation(order, packages, changed)
        if before_commit is not None:
            before_commit(result)
        return result

    return run_in_transaction(work)


def _run(package: Package, transition: Transition, actor: Actor, logged: dict) -> None:
    """The same handler, log row and events as the package's own command endpoint."""
    apply(CommandRun(package=package, transition=transition, actor=actor, inputs=NoInput(), input_parameters=logged))
