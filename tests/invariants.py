"""What must hold after every commit (DESIGN §3), checked straight from the tables."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import func, select

from oms_dashboard.extensions import db
from oms_dashboard.models import (
    OrderItem,
    Package,
    PackageCount,
    PackageItem,
    Reservation,
    Shipment,
    Stock,
    StockLocation,
    TransferItem,
    TransferOrder,
    TransitionLog,
)
from oms_dashboard.states import (
    QUOTA_HOLDING_STATUSES,
    ItemStatus,
    PackageStatus,
    ShipmentStatus,
    TransferStatus,
)

HOLDING = [status.value for status in QUOTA_HOLDING_STATUSES]
OPEN_TRANSFERS = [state.value for state in TransferStatus if state.is_open]
# Planned and not yet touched by anyone: every unit is held (here, or at the source of its transfer).
AWAITING_TRANSFERS = {
    PackageStatus.WAITING_FOR_TRANSFER,
    PackageStatus.CANCELLATION_WAITING,
    PackageStatus.CANCELLED,
}
FULLY_RESERVED = [PackageStatus.WAITING_FOR_TRANSFER.value, PackageStatus.WAITING.value]
# The shipment's status once the package has left the location (DESIGN §4 SHIP, UPDATE_SHIPMENT_STATUS).
SHIPMENT_STATUS_OF = {
    PackageStatus.SHIPPED: ShipmentStatus.SHIPPED,
    PackageStatus.ATTEMPTED_DELIVERY: ShipmentStatus.ATTEMPTED_DELIVERY,
    PackageStatus.DELIVERY_FAILED: ShipmentStatus.DELIVERY_FAILED,
    PackageStatus.DELIVERED: ShipmentStatus.DELIVERED,
}


def assert_invariants() -> None:
    db.session.rollback()
    _quota_counts_holding_packages()
    _package_counts_equal_the_packages()
    _reserved_counts_reservations()
    _reservations_belong_to_open_packages()
    _every_order_item_in_exactly_one_package()
    _active_items_follow_their_package()
    _packages_waiting_for_transfer_have_one()
    _open_packages_have_items_and_waiting_ones_hold_their_units()
    _open_transfers_bring_the_package_its_own_items()
    _history_ends_at_the_current_status()
    _shipments_follow_their_package()
    _items_that_left_say_why_and_where_they_went()


def _quota_counts_holding_packages() -> None:
    holding = dict(
        db.session.execute(
            select(Package.stock_location_id, func.count())
            .where(Package.status.in_(HOLDING))
            .group_by(Package.stock_location_id)
        ).all()
    )
    for location_id, erp_code, quota in db.session.execute(
        select(StockLocation.id, StockLocation.erp_code, StockLocation.quota)
    ):
        assert quota == holding.get(location_id, 0), (
            f"quota of {erp_code} is {quota}, holding packages {holding.get(location_id, 0)}"
        )


def _package_counts_equal_the_packages() -> None:
    """The list counts (`package_counts`) are the GROUP BY of the packages they stand for."""
    counted = {
        (location_id, status): number
        for location_id, status, number in db.session.execute(
            select(Package.stock_location_id, Package.status, func.count()).group_by(
                Package.stock_location_id, Package.status
            )
        )
    }
    stored = {
        (location_id, status): number
        for location_id, status, number in db.session.execute(
            select(PackageCount.stock_location_id, PackageCount.status, PackageCount.count)
        )
    }
    assert all(number >= 0 for number in stored.values()), f"negative package counts: {stored}"
    stored = {pair: number for pair, number in stored.items() if number}
    assert stored == counted, f"package_counts {stored}, packages {counted}"


def _reserved_counts_reservations() -> None:
    counted = dict(db.session.execute(select(Reservation.stock_id, func.count()).group_by(Reservation.stock_id)).all())
    for stock_id, quantity, reserved in db.session.execute(select(Stock.id, Stock.quantity, Stock.reserved)):
        assert reserved == counted.get(stock_id, 0), (
            f"stock {stock_id}: reserved {reserved}, reservations {counted.get(stock_id, 0)}"
        )
        assert 0 <= reserved and 0 <= quantity


def _reservations_belong_to_open_packages() -> None:
    """A reservation is at the package's location, or at the source of the open transfer bringing the unit."""
    in_transfer = dict(
        db.session.execute(
            select(TransferItem.package_item_id, TransferOrder.source_location_id)
            .join(TransferOrder, TransferOrder.id == TransferItem.transfer_order_id)
            .join(Package, Package.id == TransferOrder.package_id)
            # held for a cancellation: still reserved at the source; a cancelled package's units are no one's
            .where(
                TransferOrder.status.in_([*OPEN_TRANSFERS, TransferStatus.CANCELLATION_WAITING.value]),
                Package.status != PackageStatus.CANCELLED,
            )
        ).all()
    )
    rows = db.session.execute(
        select(PackageItem, Package.status, Package.stock_location_id, Stock.stock_location_id, Stock.product_id)
        .join(Reservation, Reservation.package_item_id == PackageItem.id)
        .join(Package, Package.id == PackageItem.package_id)
        .join(Stock, Stock.id == Reservation.stock_id)
    ).all()
    for item, status, package_location, stock_location, product_id in rows:
        assert item.is_active, f"reservation for item {item.id}, which left its package"
        assert status in HOLDING, f"reservation in a package in {PackageStatus(status).slug}"
        assert product_id == item.product_id
        assert stock_location == in_transfer.get(item.id, package_location), f"reservation of item {item.id} misplaced"
    for item_id in in_transfer:  # every unit on its way is held at its source
        assert any(row[0].id == item_id for row in rows), f"item {item_id} in an open transfer has no reservation"


def _packages_waiting_for_transfer_have_one() -> None:
    waiting = set(db.session.scalars(select(Package.id).where(Package.status == PackageStatus.WAITING_FOR_TRANSFER)))
    with_open = set(
        db.session.scalars(select(TransferOrder.package_id).where(TransferOrder.status.in_(OPEN_TRANSFERS)))
    )
    assert waiting <= with_open, f"packages waiting for transfers that are not coming: {sorted(waiting - with_open)}"
    for transfer_id, package_status in db.session.execute(
        select(TransferOrder.id, Package.status)
        .join(Package, Package.id == TransferOrder.package_id)
        .where(TransferOrder.status.in_(OPEN_TRANSFERS))
    ):
        # A cancelled package's transfer already on the road arrives all the same (its units become stock).
        assert package_status in AWAITING_TRANSFERS, f"open transfer {transfer_id} for a package not waiting"
    held = db.session.execute(
        select(TransferOrder.id, Package.status)
        .join(Package, Package.id == TransferOrder.package_id)
        .where(TransferOrder.status == TransferStatus.CANCELLATION_WAITING)
    )
    for transfer_id, package_status in held:
        assert package_status == PackageStatus.CANCELLATION_WAITING, f"transfer {transfer_id} held for nothing"


def _every_order_item_in_exactly_one_package() -> None:
    """No item is lost or doubled: each is in one package, unless it was cancelled."""
    active = Counter(db.session.scalars(select(PackageItem.order_item_id).where(PackageItem.is_active)))
    cancelled = set(
        db.session.scalars(select(PackageItem.order_item_id).where(PackageItem.status == ItemStatus.CANCELLED.value))
    )
    for order_item_id in db.session.scalars(select(OrderItem.id)):
        expected = {0, 1} if order_item_id in cancelled else {1}
        assert active[order_item_id] in expected, (
            f"order item {order_item_id} is active in {active[order_item_id]} packages"
        )


def _active_items_follow_their_package() -> None:
    reported_missing = {ItemStatus.OUT_OF_STOCK.value, ItemStatus.WRONG_PRODUCT.value}
    for item_status, package_status in db.session.execute(
        select(PackageItem.status, Package.status)
        .join(Package, Package.id == PackageItem.package_id)
        .where(PackageItem.is_active)
    ):
        package_slug = PackageStatus(package_status).slug
        assert item_status == package_slug or (
            package_status in (PackageStatus.OUT_OF_STOCK, PackageStatus.WRONG_PRODUCT)
            and item_status in reported_missing
        ), f"active item in {item_status}, package in {package_slug}"


def _open_packages_have_items_and_waiting_ones_hold_their_units() -> None:
    """A package that holds quota has something to pack; one still waiting has every unit reserved (DESIGN §6)."""
    active = Counter(
        db.session.scalars(
            select(PackageItem.package_id)
            .join(Package, Package.id == PackageItem.package_id)
            .where(PackageItem.is_active, Package.status.in_(HOLDING))
        )
    )
    for package_id, status in db.session.execute(select(Package.id, Package.status).where(Package.status.in_(HOLDING))):
        assert active[package_id] > 0, f"package {package_id} in {PackageStatus(status).slug} has no items"
    unreserved = db.session.execute(
        select(PackageItem.id, Package.id, Package.status)
        .join(Package, Package.id == PackageItem.package_id)
        .outerjoin(Reservation, Reservation.package_item_id == PackageItem.id)
        .where(PackageItem.is_active, Package.status.in_(FULLY_RESERVED), Reservation.id.is_(None))
    ).all()
    assert not unreserved, "items of waiting packages without a reservation: " + ", ".join(
        f"item {item_id} of package {package_id} ({PackageStatus(status).slug})"
        for item_id, package_id, status in unreserved
    )


def _open_transfers_bring_the_package_its_own_items() -> None:
    """An open transfer goes to its package's location and carries active items of that package."""
    for transfer_id, destination, package_location in db.session.execute(
        select(TransferOrder.id, TransferOrder.destination_location_id, Package.stock_location_id)
        .join(Package, Package.id == TransferOrder.package_id)
        .where(TransferOrder.status.in_(OPEN_TRANSFERS))
    ):
        assert destination == package_location, f"open transfer {transfer_id} goes elsewhere than its package"
    rows = db.session.execute(
        select(TransferOrder.id, TransferOrder.package_id, TransferItem.product_id, PackageItem)
        .join(TransferItem, TransferItem.transfer_order_id == TransferOrder.id)
        .join(PackageItem, PackageItem.id == TransferItem.package_item_id)
        .join(Package, Package.id == TransferOrder.package_id)
        # a cancelled package's transfer already on the road carries items that are no one's any more
        .where(TransferOrder.status.in_(OPEN_TRANSFERS), Package.status != PackageStatus.CANCELLED)
    ).all()
    for transfer_id, package_id, product_id, item in rows:
        assert item.package_id == package_id and item.is_active and item.product_id == product_id, (
            f"open transfer {transfer_id} carries item {item.id}, which is not an active item of its package"
        )
    for transfer_id, transfer_state, item_id, item_state in db.session.execute(
        select(TransferOrder.id, TransferOrder.status, TransferItem.id, TransferItem.status).join(
            TransferItem, TransferItem.transfer_order_id == TransferOrder.id
        )
    ):
        assert item_state == transfer_state, (
            f"transfer {transfer_id} is {transfer_state}, its item {item_id} {item_state}"
        )
    carried = Counter(item.id for _, _, _, item in rows)
    assert all(times == 1 for times in carried.values()), f"items on two open transfers: {carried}"


def _history_ends_at_the_current_status() -> None:
    """Every package's transition log starts with its creation and ends at its status (UNBLOCK reads it, §4)."""
    bounds = {
        package_id: (low, high)
        for package_id, low, high in db.session.execute(
            select(TransitionLog.package_id, func.min(TransitionLog.id), func.max(TransitionLog.id)).group_by(
                TransitionLog.package_id
            )
        )
    }
    ends = {
        log.id: log
        for log in db.session.scalars(
            select(TransitionLog).where(TransitionLog.id.in_([id_ for pair in bounds.values() for id_ in pair]))
        )
    }
    for package_id, status in db.session.execute(select(Package.id, Package.status)):
        assert package_id in bounds, f"package {package_id} has no transition log"
        low, high = bounds[package_id]
        assert ends[low].from_status is None, f"package {package_id}'s history does not start with its creation"
        assert ends[high].to_status == status, (
            f"package {package_id} is {PackageStatus(status).slug}, its last log row says "
            f"{PackageStatus(ends[high].to_status).slug}"
        )


def _shipments_follow_their_package() -> None:
    """Once the package has left the location, its shipment's status follows the package's (§4)."""
    for package_id, status, shipment_status in db.session.execute(
        select(Package.id, Package.status, Shipment.status)
        .join(Shipment, Shipment.package_id == Package.id)
        .where(Package.status.in_([state.value for state in SHIPMENT_STATUS_OF]))
    ):
        state = PackageStatus(status)
        assert shipment_status == SHIPMENT_STATUS_OF[state], (
            f"package {package_id} is {state.slug}, its shipment {shipment_status}"
        )


def _items_that_left_say_why_and_where_they_went() -> None:
    """An item that left its package is out_of_stock / wrong_product / replanned / cancelled (DESIGN §3), and
    `replanned_to` is the same unit (order item) in its next package."""
    left = {ItemStatus.OUT_OF_STOCK.value, ItemStatus.WRONG_PRODUCT.value, ItemStatus.REPLANNED.value}
    next_item = PackageItem.__table__.alias("next_item")
    for item_id, status, order_item_id, next_order_item_id in db.session.execute(
        select(PackageItem.id, PackageItem.status, PackageItem.order_item_id, next_item.c.order_item_id)
        .join(next_item, next_item.c.id == PackageItem.replanned_to_id)
        .where(PackageItem.replanned_to_id.is_not(None))
    ):
        assert status in left, f"item {item_id} left its package as {status}"
        assert next_order_item_id == order_item_id, f"item {item_id} was replanned to another order item's item"
