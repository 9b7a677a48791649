"""`run_command`: the only code that changes a package's state (DESIGN §2, §4).

Order of checks: the package (404, 403), the transition (400, 406), the state guard inside
the row lock (406), the input (400); then the effects, one transition-log row and the outbox
events, and one commit. Any error rolls everything back. Rows are locked in the order of
`locking.py`: the package first.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from flask_babel import gettext
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ...actors import Actor
from ...database import run_in_transaction
from ...errors import AppError
from ...extensions import db
from ...locking import Rank, lock_row
from ...models import Package, PackageItem, StockLocation, TransferTransition, Transition
from ...selectors.transitions import TransitionValues, runs_on, transition_table
from ...states import PackageStatus
from ..history import emit_events, log_transition, status_events
from .inputs import CommandInput, parse_input


@dataclass(frozen=True)
class CreatedPackage:
    """A package a command made (Not Found's replanned package, Reschedule's split, Manual Planning's groups):
    what a page needs to link its number in the result message, without reading the message."""

    id: int
    number: str
    stock_location_id: int
    location_name: str


@dataclass(frozen=True)
class CommandResult:
    status_code: int  # 200 with `body`, or 204
    body: dict[str, Any] | None
    message: str  # what happened, in a sentence for the pages
    # The packages the command made, in the order the message names them; the API's body is unchanged.
    created: tuple[CreatedPackage, ...] = ()


@dataclass
class CommandRun:
    """One command in progress: what handlers read, and what they made besides the package itself."""

    package: Package
    transition: TransitionValues
    actor: Actor
    inputs: Any
    input_parameters: dict[str, Any]
    created: list[Package] = field(default_factory=list)
    events: list[tuple[str, Package]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.from_status = self.package.status

    @property
    def destination(self) -> PackageStatus:
        return PackageStatus(self.transition.destination_state)

    def done(self, *sentences: str) -> CommandResult:
        return CommandResult(204, None, join_sentences(*sentences))

    def record(self) -> None:
        package = self.package
        log_transition(
            package=package,
            from_status=self.from_status,
            command=self.transition.command,
            actor=self.actor,
            transition=self.transition,
            input_parameters=self.input_parameters,
        )
        for new_package in self.created:
            log_transition(
                package=new_package,
                from_status=None,
                command=self.transition.command,
                actor=self.actor,
                transition=self.transition,
                input_parameters={"source_package": package.id},
            )
        events = [("package.created", new_package) for new_package in self.created]
        if package.status != self.from_status:
            events += status_events(package)
        emit_events(events + self.events)


def join_sentences(*sentences: str) -> str:
    """One message from whole sentences (each translated on its own), the empty ones left out."""
    return " ".join(sentence for sentence in sentences if sentence)


def package_at(number: str, location: str) -> str:
    """A package and where it is, as a result message lists the packages a command made: "1001P2 at Kadıköy"."""
    return gettext("%(number)s at %(location)s", number=number, location=location)


Handler = Callable[[CommandRun], CommandResult]
_HANDLERS: dict[str, tuple[type[CommandInput], Handler]] = {}


def handles(command: str, input_model: type[CommandInput]) -> Callable[[Handler], Handler]:
    def register(handler: Handler) -> Handler:
        _HANDLERS[command] = (input_model, handler)
        return handler

    return register


def run_command(
    *,
    package_id: int,
    actor: Actor,
    transition_id: int | None = None,
    slug: str | None = None,
    input_parameters: dict[str, Any] | None = None,
    before_commit: Callable[[CommandResult], None] | None = None,
) -> CommandResult:
    """Run one command on one package. `before_commit` lets the caller add rows to the same transaction."""
    input_parameters = dict(input_parameters or {})

    def work() -> CommandResult:
        package = lock_package(package_id)
        if not actor.may_access(package.stock_location_id):
            raise AppError.forbidden()
        transition = resolve_transition(Transition, transition_id, slug)
        if transition.source_state != package.status or not actor.may_run(transition):
            raise AppError.command_not_allowed()
        if transition.command not in _HANDLERS:  # a transition row for a command this release cannot run
            raise AppError.command_not_allowed()
        if not runs_on(transition.command, package):  # e.g. Reschedule with nothing left to plan
            raise AppError.command_not_allowed()
        run = CommandRun(
            package=package,
            transition=transition,
            actor=actor,
            inputs=parse_input(_HANDLERS[transition.command][0], input_parameters),
            input_parameters=input_parameters,
        )
        result = apply(run)
        if before_commit is not None:
            before_commit(result)
        return result

    return run_in_transaction(work)


def apply(run: CommandRun) -> CommandResult:
    """The command's effects, its transition-log row and its events, inside the caller's transaction, on a
    package the caller has locked and whose state it has checked."""
    result = _HANDLERS[run.transition.command][1](run)
    run.record()
    if not run.created:
        return result
    created = tuple(
        CreatedPackage(
            id=new.id,
            number=new.number,
            stock_location_id=new.stock_location_id,
            location_name=new.stock_location.name,
        )
        for new in run.created
    )
    return replace(result, created=created)


def lock_package(package_id: int) -> Package:
    """Lock the package row (first in the lock order), then load it and what commands read.

    Locking and loading are two statements on purpose: under READ COMMITTED the rows joined to a
    locked row come from the snapshot taken before the lock wait, so a shipment created by the
    transaction we waited for would be missing and created twice. The load after the lock sees it.
    """
    if not lock_row(Package.__table__, Rank.PACKAGE, package_id):
        raise AppError.not_found()
    return (
        db.session.scalars(
            select(Package)
            .where(Package.id == package_id)
            .execution_options(populate_existing=True)
            .options(
                # One statement: the package, its location (and carrier, for shipping commands), order,
                # shipment and items with what they point at. A package has a handful of items, so the
                # joined rows stay few.
                joinedload(Package.stock_location).joinedload(StockLocation.default_cargo_company),
                joinedload(Package.order),
                joinedload(Package.shipment),
                joinedload(Package.items).joinedload(PackageItem.order_item),
                joinedload(Package.items).joinedload(PackageItem.product),
            )
        )
        .unique()
        .one()
    )


def resolve_transition(
    model: type[Transition] | type[TransferTransition], transition_id: int | None, slug: str | None
) -> TransitionValues:
    """The transition named by id and/or slug (DESIGN §5.3: 400 neither, 406 mismatch or unknown), from
    the process's transition cache (`selectors.transitions.transition_table`)."""
    if transition_id is None and not slug:
        raise AppError.non_field(gettext("transition or slug required"))
    table = transition_table(model)
    by_id = table.by_id.get(transition_id) if transition_id is not None else None
    by_slug = table.by_slug.get(slug) if slug else None
    if by_id is not None and by_slug is not None and by_id.id != by_slug.id:
        raise AppError.command_mismatch()
    found = by_id if transition_id is not None else by_slug
    if found is None or (transition_id is not None and slug and by_slug is None):
        raise AppError.command_not_allowed()
    return found
