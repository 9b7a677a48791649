"""One command on many packages (the package list's bulk actions), each package through the command service.

Every package runs in its own transaction (`run_command`), so one refusal does not undo the others, and
each gets its own line in the result. The caller names a command (and, when one command leads to several
places, such as the delivery outcomes, where it leads); each package runs the transition its own status
offers for it, as the package page would.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from flask_babel import gettext
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from ..actors import Actor
from ..errors import NOT_FOUND, AppError
from ..extensions import db
from ..i18n import N_
from ..models import Package
from ..selectors.transitions import commands_by_state, runs_on
from ..states import PackageStatus
from .commands import run_command

# How the summary names what happened, by where the command leads ("3 packed, 1 refused"): a count and a word,
# translated where the summary is made (the page's language).
DONE_WORDS = {
    PackageStatus.PREPARING: N_("%(num)d started"),
    PackageStatus.READY_FOR_PACKAGING: N_("%(num)d ready for packaging"),
    PackageStatus.PACKED: N_("%(num)d packed"),
    PackageStatus.READY_FOR_PICKUP: N_("%(num)d ready for pickup"),
    PackageStatus.SHIPPED: N_("%(num)d shipped"),
    PackageStatus.ATTEMPTED_DELIVERY: N_("%(num)d delivery attempted"),
    PackageStatus.DELIVERY_FAILED: N_("%(num)d delivery failed"),
    PackageStatus.DELIVERED: N_("%(num)d delivered"),
    PackageStatus.BLOCKED: N_("%(num)d blocked"),
    PackageStatus.CANCELLED: N_("%(num)d cancelled"),
    PackageStatus.PACKED_FOR_REFUND: N_("%(num)d packed for refund"),
    PackageStatus.WAITING: N_("%(num)d rescheduled"),
}
DONE = N_("%(num)d done")
REFUSED = N_("%(num)d refused")
NOT_FOUND_COUNT = N_("%(num)d not found")
NOT_OFFERED = N_("%(label)s is not available for a package in %(status)s.")
NO_LONGER_OFFERED = N_("%(label)s was no longer available: the package changed meanwhile.")


class Outcome(StrEnum):
    DONE = "done"
    REFUSED = "refused"
    NOT_FOUND = "not_found"


@dataclass(frozen=True)
class PackageOutcome:
    package_id: int
    number: str | None  # None when the package was not found (or is not the caller's to see)
    outcome: Outcome
    message: str


@dataclass(frozen=True)
class BulkRun:
    label: str  # the command as the list's toolbar named it
    done_word: str  # a DONE_WORDS message: "%(num)d packed"
    outcomes: tuple[PackageOutcome, ...]

    def count(self, outcome: Outcome) -> int:
        return sum(1 for each in self.outcomes if each.outcome == outcome)

    @property
    def summary(self) -> str:
        """ "3 packed, 1 refused, 1 not found": the parts that happened, in that order, in the page's language."""
        parts = [(self.count(Outcome.DONE), self.done_word)]
        parts += [(self.count(Outcome.REFUSED), REFUSED), (self.count(Outcome.NOT_FOUND), NOT_FOUND_COUNT)]
        return ", ".join(gettext(word, num=number) for number, word in parts if number) or gettext("Nothing to do")


def run_bulk_command(
    *, package_ids: Sequence[int], command: str, destination: int | None, label: str, actor: Actor
) -> BulkRun:
    """Run `command` (the transition leading to `destination`, when given) on each package, in the given order.

    A package the actor may not see is reported as not found and never run; one whose status does not offer
    the command is refused without running; the command service decides the rest (and may refuse too)."""
    packages = _visible_packages(package_ids, actor)
    offered = commands_by_state(statuses={package.status for package in packages.values()}, visibility=actor.visibility)
    plan: list[tuple[int, str | None, int | None, str | None]] = []  # id, number, transition to run, refusal
    for package_id in package_ids:
        package = packages.get(package_id)
        if package is None:
            plan.append((package_id, None, None, None))
            continue
        transition = next(
            (
                row
                for row in offered[package.status]
                if row.command == command
                and (destination is None or row.destination_state == destination)
                and runs_on(row.command, package)
            ),
            None,
        )
        refusal = None if transition else _not_offered(label, PackageStatus(package.status))
        plan.append((package_id, package.number, transition.id if transition else None, refusal))
    # Plain values only from here: every command commits, which expires what the session loaded.
    outcomes = [_run_one(*step, label=label, actor=actor) for step in plan]
    return BulkRun(
        label=label,
        done_word=DONE_WORDS.get(destination, DONE) if destination is not None else DONE,
        outcomes=tuple(outcomes),
    )


def _not_offered(label: str, status: PackageStatus) -> str:
    return gettext(NOT_OFFERED, label=gettext(label), status=gettext(status.label))


def _run_one(
    package_id: int, number: str | None, transition_id: int | None, refusal: str | None, *, label: str, actor: Actor
) -> PackageOutcome:
    if number is None:
        return PackageOutcome(package_id, None, Outcome.NOT_FOUND, gettext(NOT_FOUND))
    if transition_id is None:
        return PackageOutcome(package_id, number, Outcome.REFUSED, refusal or "")
    try:
        result = run_command(package_id=package_id, actor=actor, transition_id=transition_id)
    except AppError as failure:
        if failure.status_code == 404:
            return PackageOutcome(package_id, None, Outcome.NOT_FOUND, gettext(NOT_FOUND))
        if failure.status_code == 406:  # another person (or the ERP) changed the package between the page and this run
            reason = gettext(NO_LONGER_OFFERED, label=gettext(label))
        else:
            reason = failure.message
        return PackageOutcome(package_id, number, Outcome.REFUSED, reason)
    return PackageOutcome(package_id, number, Outcome.DONE, result.message)


def _visible_packages(package_ids: Sequence[int], actor: Actor) -> dict[int, Package]:
    """The packages among `package_ids` the actor may see, with what `runs_on` reads (two queries)."""
    query = (
        select(Package)
        .where(Package.id.in_(package_ids))
        .options(joinedload(Package.order), joinedload(Package.shipment), selectinload(Package.items))
    )
    if actor.location_ids is not None:
        query = query.where(Package.stock_location_id.in_(actor.location_ids))
    return {package.id: package for package in db.session.scalars(query).unique()}
