"""Product Not Found & Wrong Product (seed 000), its Advanced variant, and REPACK ("Reschedule").

Items reported missing get a discrepancy record at the location, which keeps planning from
sending them back there; the units are written off the location's stock.
"""

from __future__ import annotations

from collections.abc import Sequence

from flask_babel import gettext, ngettext

from ...errors import AppError
from ...models import Package, PackageItem
from ...states import DiscrepancyReason, ItemStatus, PackageStatus
from .. import lookups
from ..packages import create_package, create_planned_package, ready_status, report_missing, set_package_status
from ..planning import PlannedGroup, merge_groups, plan_for_order
from ..stock import add_reservations, release_reservations
from ..transfer_orders import create_transfer
from .core import CommandResult, CommandRun, handles, join_sentences, package_at
from .inputs import NoInput, OutOfStockInput

NOTHING_PLANNED = {
    "package__id": None,
    "package__number": "",
    "package__stock_location__id": None,
    "package__stock_location__name": "",
}


@handles("DETECTED_OUT_OF_STOCK_ITEM", OutOfStockInput)
def detected_out_of_stock_item(run: CommandRun) -> CommandResult:
    return _out_of_stock(run, advanced=False)


@handles("DETECTED_OUT_OF_STOCK_ITEM_ADVANCED", OutOfStockInput)
def detected_out_of_stock_item_advanced(run: CommandRun) -> CommandResult:
    return _out_of_stock(run, advanced=True)


def _out_of_stock(run: CommandRun, *, advanced: bool) -> CommandResult:
    package = run.package
    missing = lookups.package_items(package, run.inputs.package_items)
    denial_reason = lookups.denial_reason(run.inputs.denial_reason) if run.inputs.denial_reason else None
    reason = _reason(run)
    missing_ids = {item.id for item in missing}
    remaining = [item for item in package.active_items if item.id not in missing_ids]
    # Advanced keeps the package and the rest of its items; with nothing left to keep it is the standard command.
    keep_package = advanced and bool(remaining)

    release_reservations(item.id for item in (missing if keep_package else package.active_items))
    report_missing(
        package=package,
        items=missing,
        location_id=package.stock_location_id,
        reason=reason,
        denial_reason_id=denial_reason.id if denial_reason else None,
    )
    if not keep_package:
        wrong = reason is DiscrepancyReason.WRONG_PRODUCT
        set_package_status(package, PackageStatus.WRONG_PRODUCT if wrong else PackageStatus.OUT_OF_STOCK)
    for item in missing:
        item.status = ItemStatus.WRONG_PRODUCT if reason is DiscrepancyReason.WRONG_PRODUCT else ItemStatus.OUT_OF_STOCK

    missing_plan = plan_for_order(order=package.order, order_items=[item.order_item for item in missing])
    groups = missing_plan.groups
    if not keep_package:
        stay_plan = plan_for_order(
            order=package.order,
            order_items=[item.order_item for item in remaining],
            prefer_location_id=package.stock_location_id,
        )
        groups = merge_groups(stay_plan.groups + groups)
    for group in groups:
        _hand_over(
            run, package.items, create_planned_package(order=package.order, group=group, actor=run.actor), missing_ids
        )
    if keep_package and missing_plan.unplanned:
        # They cannot stay in a package that goes on without them: they wait in their own, for REPACK.
        holder = create_package(
            order=package.order,
            location=package.stock_location,
            status=PackageStatus.OUT_OF_STOCK,
            order_items=missing_plan.unplanned,
        )
        _hand_over(run, package.items, holder, missing_ids)

    planned = [new for new in run.created if new.state is not PackageStatus.OUT_OF_STOCK]
    same_location = package if keep_package else _at(planned, package.stock_location_id)
    if reason is DiscrepancyReason.WRONG_PRODUCT:
        reported = ngettext(
            "%(num)d item marked wrong / defective.", "%(num)d items marked wrong / defective.", len(missing)
        )
    else:
        reported = ngettext("%(num)d item marked not found.", "%(num)d items marked not found.", len(missing))
    return CommandResult(
        200,
        _response_body(same_location, planned),
        join_sentences(reported, _where_they_went(run, package, keep_package)),
    )


def _reason(run: CommandRun) -> DiscrepancyReason:
    """Seed 000's one command takes `reason`; the Defective Product Found transition (→ 930) implies it."""
    if run.destination is not PackageStatus.WRONG_PRODUCT:
        return DiscrepancyReason(run.inputs.reason)
    if run.input_parameters.get("reason", DiscrepancyReason.WRONG_PRODUCT.value) != DiscrepancyReason.WRONG_PRODUCT:
        raise AppError.field(
            "reason", gettext("This transition records a defective product; leave reason out or send wrong_product.")
        )
    return DiscrepancyReason.WRONG_PRODUCT


@handles("REPACK", NoInput)
def repack(run: CommandRun) -> CommandResult:
    package = run.package
    waiting = package.active_items  # never empty: `runs_on` keeps Reschedule for packages with items to plan
    plan = plan_for_order(order=package.order, order_items=[item.order_item for item in waiting])
    if plan.unplanned:
        raise AppError.no_plan()  # the transaction rolls back the reservations made so far
    first, *others = plan.groups
    for group in others:
        _hand_over(run, waiting, create_planned_package(order=package.order, group=group, actor=run.actor), set())
    # The package takes the first group; it waits for its transfers when some items come from elsewhere.
    status = PackageStatus.WAITING_FOR_TRANSFER if first.transfers else ready_status(first.location)
    set_package_status(package, status, location=first.location)
    _reserve_in_place(package, first)
    for planned in first.transfers:
        create_transfer(package=package, planned=planned, actor=run.actor)
    places = [package_at(package.number, first.location.name)] + [
        package_at(new.number, new.stock_location.name) for new in run.created
    ]
    return run.done(gettext("Rescheduled: %(places)s.", places="; ".join(places)))


def _hand_over(
    run: CommandRun, source_items: Sequence[PackageItem], new_package: Package, missing_ids: set[int]
) -> None:
    """Source items now in `new_package` leave their package.

    Items reported missing keep out_of_stock / wrong_product (what happened here); the others become `replanned`.
    """
    run.created.append(new_package)
    new_items = {item.order_item_id: item for item in new_package.items}
    for item in source_items:
        if item.is_active and item.order_item_id in new_items:
            item.replanned_to_id = new_items[item.order_item_id].id
            if item.id not in missing_ids:
                item.status = ItemStatus.REPLANNED


def _reserve_in_place(package: Package, group: PlannedGroup) -> None:
    """Reservations at the package's (new) location for the group's items that are there."""
    by_order_item = {item.order_item_id: item for item in package.active_items}
    add_reservations((by_order_item[order_item_id].id, stock_id) for order_item_id, stock_id in group.stock_ids.items())


def _at(packages: Sequence[Package], location_id: int) -> Package | None:
    return next((package for package in packages if package.stock_location_id == location_id), None)


def _response_body(same_location: Package | None, planned: Sequence[Package]) -> dict:
    """The three bodies of seed 000."""
    chosen = same_location or (planned[0] if planned else None)
    if chosen is None:
        return dict(NOTHING_PLANNED)
    return {
        "package__id": chosen.id,
        "package__number": chosen.number,
        "package__stock_location__id": chosen.stock_location.id,
        "package__stock_location__name": chosen.stock_location.name,
        "is_same_location": same_location is not None,
    }


def _where_they_went(run: CommandRun, package: Package, keep_package: bool) -> str:
    parts = []
    for new in run.created:
        if new.state is not PackageStatus.OUT_OF_STOCK:
            parts.append(
                ngettext(
                    "%(num)d item replanned to %(location)s as package %(number)s.",
                    "%(num)d items replanned to %(location)s as package %(number)s.",
                    len(new.items),
                    location=new.stock_location.name,
                    number=new.number,
                )
            )
        else:
            parts.append(_waiting_for_stock(len(new.items), new.number))
    waiting_here = len(package.active_items) if not keep_package else 0
    if waiting_here:
        parts.append(_waiting_for_stock(waiting_here, package.number))
    if keep_package:
        parts.append(
            ngettext(
                "Package %(number)s keeps %(num)d item.",
                "Package %(number)s keeps %(num)d items.",
                len(package.active_items),
                number=package.number,
            )
        )
    return join_sentences(*parts) or gettext("Nothing could be replanned.")


def _waiting_for_stock(count: int, number: str) -> str:
    return ngettext(
        "%(num)d item waits for stock in package %(number)s.",
        "%(num)d items wait for stock in package %(number)s.",
        count,
        number=number,
    )
