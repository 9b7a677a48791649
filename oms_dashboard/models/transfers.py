from __future__ import annotations

from typing import Any

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import JSONType, TimestampMixin
from .catalog import Product
from .locations import CargoCompany, StockLocation
from .orders import Order
from .packages import Package, PackageItem


class TransferOrder(TimestampMixin, db.Model):
    """Units travelling from a source location to the location packing them (DESIGN §3, §6)."""

    __tablename__ = "transfer_orders"
    # id last: a list filtered by one end and status reads its page in id order from the index.
    __table_args__ = (
        Index("ix_transfer_orders_source_status_id", "source_location_id", "status", "id"),
        Index("ix_transfer_orders_destination_status_id", "destination_location_id", "status", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(96), unique=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"))
    package_id: Mapped[int] = mapped_column(ForeignKey("packages.id"), index=True)
    source_location_id: Mapped[int] = mapped_column(ForeignKey("stock_locations.id"))
    destination_location_id: Mapped[int] = mapped_column(ForeignKey("stock_locations.id"))
    status: Mapped[str] = mapped_column(String(32))
    extra_information: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    # Recorded by TRANSFER_ORDER_ADVANCED: who carries the units and under which number.
    cargo_company_id: Mapped[int | None] = mapped_column(ForeignKey("cargo_companies.id"))
    tracking_number: Mapped[str | None] = mapped_column(String(128))

    order: Mapped[Order] = relationship()
    package: Mapped[Package] = relationship()
    source: Mapped[StockLocation] = relationship(foreign_keys=[source_location_id])
    destination: Mapped[StockLocation] = relationship(foreign_keys=[destination_location_id])
    cargo_company: Mapped[CargoCompany | None] = relationship()
    items: Mapped[list[TransferItem]] = relationship(back_populates="transfer_order", order_by="TransferItem.id")


class TransferItem(db.Model):
    """One unit of a transfer, for one package item waiting at the destination."""

    __tablename__ = "transfer_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    transfer_order_id: Mapped[int] = mapped_column(ForeignKey("transfer_orders.id"), index=True)
    package_item_id: Mapped[int] = mapped_column(ForeignKey("package_items.id"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    status: Mapped[str] = mapped_column(String(32))

    transfer_order: Mapped[TransferOrder] = relationship(back_populates="items")
    package_item: Mapped[PackageItem] = relationship()
    product: Mapped[Product] = relationship()
