"""Commands that change a package's state and its reservations, nothing more."""

from __future__ import annotations

from flask_babel import gettext
from sqlalchemy import delete

from ...extensions import db
from ...models import Discrepancy
from ...states import PackageStatus
from .. import lookups
from ..history import status_before
from ..packages import set_package_status
from ..stock import release_reservations
from .core import CommandResult, CommandRun, handles
from .inputs import InvoiceInput, NoInput, RefuseInput


def _moved(run: CommandRun) -> str:
    return gettext(
        "Package %(number)s: %(before)s → %(after)s.",
        number=run.package.number,
        before=gettext(PackageStatus(run.from_status).label),
        after=gettext(run.package.state.label),
    )


@handles("PKG_STATE_TRANSITION", NoInput)
@handles("BLOCK", NoInput)  # reservations and quota stay as they are; UNBLOCK reads the state before it
def state_transition(run: CommandRun) -> CommandResult:
    set_package_status(run.package, run.destination)
    return run.done(_moved(run))


@handles("PKG_DEALLOCATE_RESERVATIONS", NoInput)
def deallocate_reservations(run: CommandRun) -> CommandResult:
    release_reservations(item.id for item in run.package.active_items)
    set_package_status(run.package, run.destination)
    return run.done(_moved(run), gettext("Its reservations were released."))


@handles("REFUSE_WITH_DENIAL_REASON", RefuseInput)
def refuse(run: CommandRun) -> CommandResult:
    reason = lookups.denial_reason(run.inputs.denial_reason)
    package = run.package
    release_reservations(item.id for item in package.active_items)
    package.denial_reason = reason
    set_package_status(package, run.destination)
    run.events.append(("package.refused", package))
    return run.done(
        gettext(
            "Package %(number)s refused (%(reason)s); it needs rescheduling.",
            number=package.number,
            reason=gettext(reason.title),
        )
    )


@handles("PACKED_FOR_REFUND", NoInput)
def packed_for_refund(run: CommandRun) -> CommandResult:
    package = run.package
    if package.state is PackageStatus.WAITING:  # seed 002: only from waiting
        release_reservations(item.id for item in package.active_items)
        db.session.execute(delete(Discrepancy).where(Discrepancy.package_id == package.id))
    set_package_status(package, run.destination)
    return run.done(_moved(run))


@handles("UNBLOCK", NoInput)
def unblock(run: CommandRun) -> CommandResult:
    set_package_status(run.package, status_before(run.package.id, PackageStatus.BLOCKED))
    return run.done(_moved(run))


@handles("UPDATE_INVOICE", InvoiceInput)
def update_invoice(run: CommandRun) -> CommandResult:
    package = run.package
    package.invoice_number = run.inputs.invoice_number
    package.invoice_date = run.inputs.invoice_date
    package.invoice_url = run.inputs.invoice_url
    waiting = package.state is PackageStatus.WAITING_INVOICE
    set_package_status(package, run.destination)  # Pending Invoice → Packaging Completed; else the same state
    return run.done(
        gettext(
            "Invoice %(invoice)s recorded on package %(number)s.", invoice=package.invoice_number, number=package.number
        ),
        gettext("It can ship now.") if waiting else "",
    )
