"""The order page: an order, its items, and every package and transfer made for it, in 3 queries."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from ..actors import Actor
from ..errors import AppError
from ..extensions import db
from ..models import Order, OrderItem, Package, PackageItem, Shipment, TransferOrder

# Longer than an order number can be stored: no such order.
MAX_ORDER_NUMBER = 64


@dataclass
class OrderPage:
    order: Order
    packages: list[Package]  # oldest first
    transfers: list[TransferOrder]  # oldest first
    # Where each order item is now: the package item holding it (active there), if any.
    holder_of_item: dict[int, PackageItem]

    def item_package(self, item: OrderItem) -> Package | None:
        holder = self.holder_of_item.get(item.id)
        return holder.package if holder else None

    def item_status(self, item: OrderItem) -> str:
        """The status slug the item has now: its package's (an item carries it), else the order item's own."""
        holder = self.holder_of_item.get(item.id)
        return holder.status if holder else item.status


def order_page(*, number: str, actor: Actor) -> OrderPage:
    """404 when there is no such order, and for store staff when none of its packages is at their locations
    (as another location's package is a 404 for them)."""
    if not number or len(number) > MAX_ORDER_NUMBER:
        raise AppError.not_found()
    order = (
        db.session.scalars(
            select(Order)
            .where(Order.number == number)
            .options(
                joinedload(Order.items).joinedload(OrderItem.product),
                joinedload(Order.pickup_location),
                joinedload(Order.cargo_company),
            )
        )
        .unique()
        .first()
    )
    if order is None:
        raise AppError.not_found()
    packages = list(
        db.session.scalars(
            select(Package)
            .where(Package.order_id == order.id)
            .options(
                joinedload(Package.stock_location),
                joinedload(Package.shipment).joinedload(Shipment.cargo_company),
                selectinload(Package.items),
            )
            .order_by(Package.id)
        ).unique()
    )
    if actor.location_ids is not None and not any(actor.may_access(p.stock_location_id) for p in packages):
        raise AppError.not_found()
    transfers = list(
        db.session.scalars(
            select(TransferOrder)
            .where(TransferOrder.order_id == order.id)
            .options(
                joinedload(TransferOrder.source),
                joinedload(TransferOrder.destination),
                joinedload(TransferOrder.package).joinedload(Package.stock_location),
            )
            .order_by(TransferOrder.id)
        )
    )
    holder_of_item = {item.order_item_id: item for package in packages for item in package.items if item.is_active}
    return OrderPage(order=order, packages=packages, transfers=transfers, holder_of_item=holder_of_item)
