"""What must hold after every commit (DESIGN §3), checked straight from the tables."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import func, select

from oms_dashboard.extensions import db
from oms_dashboard.models import (
    OrderItem,
    Package,
    PackageItem,
    Reservation,
    Stock,
    StockLocation,
    TransferItem,
    TransferOrder,
)
from oms_dashboard.states import QUOTA_HOLDING_STATUSES, ItemStatus, PackageStatus, TransferStatus

HOLDING = [status.value for status in QUOTA_HOLDING_STATUSES]
OPEN_TRANSFERS = [state.value for state in TransferStatus if state.is_open]


def assert_invariants() -> None:
    db.session.rollback()
    _quota_counts_holding_packages()
    _reserved_counts_reservations()
    _reservations_belong_to_open_packages()
    _every_order_item_in_exactly_one_package()
    _active_items_follow_their_package()
    _packages_waiting_for_transfer_have_one()


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
            .where(TransferOrder.status.in_(OPEN_TRANSFERS))
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
        assert package_status == PackageStatus.WAITING_FOR_TRANSFER, (
            f"open transfer {transfer_id} for a package not waiting"
        )


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
            package_status == PackageStatus.OUT_OF_STOCK and item_status in reported_missing
        ), f"active item in {item_status}, package in {package_slug}"
