from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Date, DateTime, ForeignKey, Index, String, Text, and_
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from ..extensions import db
from ..search_keys import folded, key_type
from ..states import ItemStatus, PackageStatus
from .base import JSONType, TimestampMixin, utcnow
from .catalog import Product
from .locations import CargoCompany, StockLocation
from .orders import Order, OrderItem


class DenialReason(TimestampMixin, db.Model):
    __tablename__ = "denial_reasons"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(255), unique=True)
    is_active: Mapped[bool] = mapped_column(default=True)
    priority: Mapped[int] = mapped_column(default=0)
    remote_id: Mapped[str | None] = mapped_column(String(64))


class Package(TimestampMixin, db.Model):
    __tablename__ = "packages"
    # id last: lists filtered by location and/or status read their page in id order from the index;
    # "oldest in its status first" reads it in (status_changed_date, id) order from the next two.
    __table_args__ = (
        Index("ix_packages_location_status_id", "stock_location_id", "status", "id"),
        Index("ix_packages_status_id", "status", "id"),
        Index("ix_packages_location_status_age", "stock_location_id", "status", "status_changed_date", "id"),
        Index("ix_packages_status_age", "status", "status_changed_date", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(80), unique=True)
    # `number` folded (search_keys.py): the search box finds "1001p1" and a scanner's exact number.
    number_key: Mapped[str | None] = mapped_column(key_type(80), index=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    # active_history: a change loads the old value first, so `package_counts` can move the package out of it.
    stock_location_id: Mapped[int] = mapped_column(ForeignKey("stock_locations.id"), active_history=True)
    status: Mapped[int] = mapped_column(active_history=True)
    # When the package entered its status (at its location): its age on the lists, and their "by age" order.
    status_changed_date: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    denial_reason_id: Mapped[int | None] = mapped_column(ForeignKey("denial_reasons.id"))
    invoice_number: Mapped[str | None] = mapped_column(String(64))
    invoice_date: Mapped[date | None] = mapped_column(Date)
    invoice_url: Mapped[str | None] = mapped_column(String(512))
    # Last n used in transfer numbers "<package number>T<n>"; bumped atomically.
    transfer_sequence: Mapped[int] = mapped_column(default=0)

    order: Mapped[Order] = relationship()
    stock_location: Mapped[StockLocation] = relationship()
    denial_reason: Mapped[DenialReason | None] = relationship()
    items: Mapped[list[PackageItem]] = relationship(
        back_populates="package", order_by="PackageItem.id", foreign_keys="PackageItem.package_id"
    )
    shipment: Mapped[Shipment | None] = relationship(back_populates="package")

    @validates("number")
    def _keep_number_key(self, _name: str, number: str) -> str:
        self.number_key = folded(number, 80)
        return number

    @property
    def state(self) -> PackageStatus:
        return PackageStatus(self.status)

    @property
    def active_items(self) -> list[PackageItem]:
        return [item for item in self.items if item.is_active]


class PackageCount(db.Model):
    """How many packages are at a location in a status: the list's slider and totals without counting history.

    Kept exact by `services/package_counts.py` (every flush that adds, moves or deletes a package);
    `flask oms recount` rebuilds it from the packages table.
    """

    __tablename__ = "package_counts"

    stock_location_id: Mapped[int] = mapped_column(ForeignKey("stock_locations.id"), primary_key=True)
    status: Mapped[int] = mapped_column(primary_key=True)
    count: Mapped[int] = mapped_column(default=0)


class PackageItem(TimestampMixin, db.Model):
    """An order item's stay in a package.

    While the item is in the package (`is_active`) its status is the package's status slug;
    once it leaves, it is `replanned` or `cancelled`, or it keeps `out_of_stock` /
    `wrong_product` with `replanned_to` pointing at where it went.
    """

    __tablename__ = "package_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    package_id: Mapped[int] = mapped_column(ForeignKey("packages.id"), index=True)
    order_item_id: Mapped[int] = mapped_column(ForeignKey("order_items.id"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), index=True)
    status: Mapped[str] = mapped_column(String(32))
    replanned_to_id: Mapped[int | None] = mapped_column(ForeignKey("package_items.id"))

    package: Mapped[Package] = relationship(back_populates="items", foreign_keys=[package_id])
    order_item: Mapped[OrderItem] = relationship()
    product: Mapped[Product] = relationship()
    replanned_to: Mapped[PackageItem | None] = relationship(remote_side=[id])

    @hybrid_property
    def is_active(self) -> bool:
        return self.replanned_to_id is None and self.status != ItemStatus.CANCELLED

    @is_active.inplace.expression
    @classmethod
    def _is_active_expression(cls):
        return and_(cls.replanned_to_id.is_(None), cls.status != ItemStatus.CANCELLED.value)


class Shipment(TimestampMixin, db.Model):
    __tablename__ = "shipments"

    id: Mapped[int] = mapped_column(primary_key=True)
    package_id: Mapped[int] = mapped_column(ForeignKey("packages.id"), unique=True)
    cargo_company_id: Mapped[int | None] = mapped_column(ForeignKey("cargo_companies.id"))
    tracking_number: Mapped[str | None] = mapped_column(String(128))
    # `tracking_number` folded: a scanned tracking barcode opens the package.
    tracking_key: Mapped[str | None] = mapped_column(key_type(128), index=True)
    status: Mapped[str] = mapped_column(String(32))
    # What the shipping label prints; regenerated (version + 1) when carrier or tracking changes.
    label: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    label_version: Mapped[int] = mapped_column(default=0)
    # The carrier's own label (UPDATE_SHIPMENT_LABEL): a link to it, or the document itself (base64 ZPL / PDF).
    label_url: Mapped[str | None] = mapped_column(String(512))
    label_document: Mapped[str | None] = mapped_column(Text)
    label_format: Mapped[str | None] = mapped_column(String(8))

    package: Mapped[Package] = relationship(back_populates="shipment")
    cargo_company: Mapped[CargoCompany | None] = relationship()

    @validates("tracking_number")
    def _keep_tracking_key(self, _name: str, tracking_number: str | None) -> str | None:
        self.tracking_key = folded(tracking_number, 128)
        return tracking_number


class Discrepancy(db.Model):
    """An item reported not found or wrong at a location; planning does not send it back there
    until the ERP pushes fresh stock of that SKU there (`cleared_date`)."""

    __tablename__ = "discrepancies"
    __table_args__ = (Index("ix_discrepancies_location_product", "stock_location_id", "product_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    package_id: Mapped[int] = mapped_column(ForeignKey("packages.id"), index=True)
    package_item_id: Mapped[int] = mapped_column(ForeignKey("package_items.id"))
    order_item_id: Mapped[int] = mapped_column(ForeignKey("order_items.id"), index=True)
    stock_location_id: Mapped[int] = mapped_column(ForeignKey("stock_locations.id"))
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    reason: Mapped[str] = mapped_column(String(32))
    denial_reason_id: Mapped[int | None] = mapped_column(ForeignKey("denial_reasons.id"))
    created_date: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # Set when the ERP pushes fresh stock of the SKU at the location: planning may send items there again.
    cleared_date: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
