"""Package lifecycle primitives used by the command service and by order intake.

Every status change goes through `set_package_status`, which keeps the quota invariant of
DESIGN §3: a location's quota counts its packages in a quota-holding status.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..actors import Actor
from ..database import next_in_sequence
from ..extensions import db
from ..locking import Rank, ledger
from ..models import Discrepancy, Order, OrderItem, Package, PackageItem, StockLocation
from ..models.base import utcnow
from ..states import DiscrepancyReason, PackageStatus
from .planning import PlannedGroup
from .stock import add_reservations, change_quota, write_off
from .transfer_orders import create_transfer


def set_package_status(package: Package, status: PackageStatus, *, location: StockLocation | None = None) -> None:
    """Move the package to `status` (and `location`); its active items follow."""
    old_status = package.state
    old_location_id = package.stock_location_id
    new_location = location or package.stock_location
    if new_location.id == old_location_id:
        delta = int(status.holds_quota) - int(old_status.holds_quota)
        if delta:
            change_quota(old_location_id, delta)
    else:
        if old_status.holds_quota:
            change_quota(old_location_id, -1)
        if status.holds_quota:
            change_quota(new_location.id, +1)
        package.stock_location = new_location
    if status != old_status or new_location.id != old_location_id:
        # The age the lists show restarts: a new status, or the same one at a location that just got the package.
        package.status_changed_date = utcnow()
    package.status = status
    for item in package.items:
        if item.is_active:
            item.status = status.slug


def next_package_number(order: Order) -> str:
    """`<order number>P<n>`; the counter is bumped in the database so concurrent commands never collide."""
    return f"{order.number}P{next_in_sequence(Order.package_sequence, order.id, Rank.ORDER)}"


def create_package(
    *, order: Order, location: StockLocation, status: PackageStatus, order_items: Sequence[OrderItem]
) -> Package:
    package = Package(number=next_package_number(order), order=order, stock_location=location, status=status)
    package.items = [
        PackageItem(order_item=order_item, product_id=order_item.product_id, status=status.slug)
        for order_item in order_items
    ]
    db.session.add(package)
    db.session.flush()
    ledger().own((Rank.PACKAGE, package.id))
    if status.holds_quota:
        change_quota(location.id, +1)
    return package


def ready_status(location: StockLocation) -> PackageStatus:
    """Where a package whose items are all at its location starts: Pending, or Waiting Remote Action at a
    location the ERP runs itself (a 3PL or dropship partner, `remote_fulfilment`)."""
    return PackageStatus.WAITING_REMOTE_ACTION if location.remote_fulfilment else PackageStatus.WAITING


def create_planned_package(*, order: Order, group: PlannedGroup, actor: Actor) -> Package:
    """A package for a planned group, holding the stock the planner reserved.

    It waits for its transfer orders when some items come from other locations.
    """
    status = PackageStatus.WAITING_FOR_TRANSFER if group.transfers else ready_status(group.location)
    package = create_package(order=order, location=group.location, status=status, order_items=group.order_items)
    add_reservations(
        (item.id, group.stock_ids[item.order_item_id])
        for item in package.items
        if item.order_item_id in group.stock_ids
    )
    for planned in group.transfers:
        create_transfer(package=package, planned=planned, actor=actor)
    return package


def report_missing(
    *,
    package: Package,
    items: Sequence[PackageItem],
    location_id: int,
    reason: DiscrepancyReason,
    denial_reason_id: int | None = None,
) -> None:
    """Items not found (or wrong) at a location: a discrepancy record, which keeps planning from
    sending them back there, and the units written off that location's stock."""
    for item in sorted(items, key=lambda item: item.product_id):  # the lock order of stock rows
        db.session.add(
            Discrepancy(
                package_id=package.id,
                package_item_id=item.id,
                order_item_id=item.order_item_id,
                stock_location_id=location_id,
                product_id=item.product_id,
                reason=reason,
                denial_reason_id=denial_reason_id,
            )
        )
        write_off(location_id, item.product_id, 1)
    db.session.flush()  # planning reads the discrepancies
