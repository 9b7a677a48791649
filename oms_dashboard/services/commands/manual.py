"""MANUAL_PLANNING (DESIGN §4): a person assigns the package's items to locations; the package is cancelled."""

from __future__ import annotations

from collections import Counter

from flask_babel import gettext
from sqlalchemy import select

from ...errors import AppError
from ...extensions import db
from ...models import Stock, StockLocation
from ...states import ItemStatus
from ..packages import create_planned_package, set_package_status
from ..planning import PlannedGroup
from ..stock import StockRow, release_reservations, try_reserve
from . import core
from .inputs import ManualPlanningInput

FIELD = "assignment_groups"


@core.handles("MANUAL_PLANNING", ManualPlanningInput)
def manual_planning(run: core.CommandRun) -> core.CommandResult:
    package = run.package
    groups = run.inputs.assignment_groups
    active = {item.id: item for item in package.active_items}
    listed = [item_id for group in groups for item_id in group.package_items]
    twice = sorted(item_id for item_id, times in Counter(listed).items() if times > 1)
    unknown = sorted(set(listed) - set(active))
    left_out = sorted(set(active) - set(listed))
    if twice:
        raise AppError.field(FIELD, gettext("Items in more than one group: %(items)s.", items=_ids(twice)))
    if unknown:
        raise AppError.field(FIELD, gettext("Not items of this package: %(items)s.", items=_ids(unknown)))
    if left_out:
        raise AppError.field(
            FIELD, gettext("Assign every item of the package; missing: %(items)s.", items=_ids(left_out))
        )
    codes = {group.stock_location for group in groups}
    locations = {
        location.erp_code: location
        for location in db.session.scalars(
            select(StockLocation).where(StockLocation.erp_code.in_(codes), StockLocation.is_active)
        )
    }
    if missing_codes := sorted(codes - set(locations)):
        raise AppError.field(FIELD, gettext("Unknown stock location: %(codes)s.", codes=", ".join(missing_codes)))

    release_reservations(active)
    created = []
    for group in groups:
        location = locations[group.stock_location]
        items = [active[item_id] for item_id in group.package_items]
        planned = PlannedGroup(location, [item.order_item for item in items], _reserve_all(location, items))
        new_package = create_planned_package(order=package.order, group=planned, actor=run.actor)
        run.created.append(new_package)
        created.append(new_package)
        new_items = {item.order_item_id: item for item in new_package.items}
        for item in items:
            item.replanned_to_id = new_items[item.order_item_id].id
            item.status = ItemStatus.REPLANNED
    set_package_status(package, run.destination)
    places = "; ".join(core.package_at(new.number, new.stock_location.name) for new in created)
    return core.CommandResult(
        200,
        {"packages": [new.id for new in created]},
        gettext("Package %(number)s cancelled; new packages: %(places)s.", number=package.number, places=places),
    )


def _reserve_all(location: StockLocation, items) -> dict[int, int]:
    units = Counter(item.product_id for item in items)
    stock_ids = dict(
        db.session.execute(
            select(Stock.product_id, Stock.id).where(
                Stock.stock_location_id == location.id, Stock.product_id.in_(units)
            )
        ).all()
    )
    for product_id in sorted(units):  # the lock order of stock rows
        stock_id = stock_ids.get(product_id)
        if stock_id is None or not try_reserve(StockRow(stock_id, location.id, product_id), units[product_id]):
            sku = next(item.product.sku for item in items if item.product_id == product_id)
            raise AppError.no_plan(
                gettext(
                    "%(location)s has not got %(units)s × %(sku)s available.",
                    location=location.name,
                    units=units[product_id],
                    sku=sku,
                )
            )
    return {item.order_item_id: stock_ids[item.product_id] for item in items}


def _ids(ids: list[int]) -> str:
    return ", ".join(str(item_id) for item_id in ids)
