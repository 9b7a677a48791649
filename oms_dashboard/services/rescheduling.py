"""`flask oms reschedule`, and the worker every OMS_RESCHEDULE_MINUTES: retry the packages waiting for stock."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import exists, select

from ..actors import SYSTEM, Actor
from ..errors import AppError
from ..extensions import db
from ..models import Package, PackageItem, Transition
from ..states import PackageStatus
from .commands import run_command

WAITING_FOR_STOCK = (PackageStatus.OUT_OF_STOCK, PackageStatus.WRONG_PRODUCT, PackageStatus.NEEDS_RESCHEDULING)


@dataclass(frozen=True)
class RescheduleOutcome:
    package_number: str
    rescheduled: bool
    message: str


def reschedule_waiting_packages(*, actor: Actor = SYSTEM) -> list[RescheduleOutcome]:
    """REPACK every package that still holds items waiting for stock, each in its own transaction."""
    candidates = db.session.execute(
        select(Package.id, Package.number, Package.status)
        .where(
            Package.status.in_([status.value for status in WAITING_FOR_STOCK]),
            exists().where(PackageItem.package_id == Package.id, PackageItem.is_active),
        )
        .order_by(Package.id)
    ).all()
    repack = dict(
        db.session.execute(
            select(Transition.source_state, Transition.id).where(
                Transition.command == "REPACK", Transition.source_state.in_([s.value for s in WAITING_FOR_STOCK])
            )
        ).all()
    )
    outcomes = []
    for package_id, number, status in candidates:
        if status not in repack:
            continue
        try:
            result = run_command(package_id=package_id, actor=actor, transition_id=repack[status])
        except AppError as error:  # still no stock, or someone acted first: try again next time
            outcomes.append(RescheduleOutcome(number, False, error.message))
        else:
            outcomes.append(RescheduleOutcome(number, True, result.message))
    return outcomes
