from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from ..extensions import db
from ..search_keys import folded, key_type
from .base import JSONType, TimestampMixin, utcnow
from .locations import StockLocation


class Product(TimestampMixin, db.Model):
    __tablename__ = "products"

    id: Mapped[int] = mapped_column(primary_key=True)
    sku: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(255))
    barcode: Mapped[str] = mapped_column(String(64), index=True, default="")
    image_url: Mapped[str | None] = mapped_column(String(512))
    # Free-form catalog attributes from the ERP (colour, size, …), shown on pick lists and documents.
    attributes: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict, server_default=text("'{}'"))
    # Folded (search_keys.py): a lower-case SKU or barcode finds the product's packages. The bulk
    # upsert (services/masterdata/catalog.py) writes them with `product_keys`; the ORM through these hooks.
    sku_key: Mapped[str | None] = mapped_column(key_type(64), index=True)
    barcode_key: Mapped[str | None] = mapped_column(key_type(64), index=True)

    @validates("sku")
    def _keep_sku_key(self, _name: str, sku: str) -> str:
        self.sku_key = folded(sku, 64)
        return sku

    @validates("barcode")
    def _keep_barcode_key(self, _name: str, barcode: str) -> str:
        self.barcode_key = folded(barcode, 64)
        return barcode


class Stock(db.Model):
    """Units of one product at one location; `reserved` counts its Reservation rows."""

    __tablename__ = "stocks"
    __table_args__ = (
        UniqueConstraint("stock_location_id", "product_id"),
        CheckConstraint("quantity >= 0", name="quantity_not_negative"),
        CheckConstraint("reserved >= 0", name="reserved_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    stock_location_id: Mapped[int] = mapped_column(ForeignKey("stock_locations.id"))
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), index=True)
    quantity: Mapped[int] = mapped_column(default=0)
    reserved: Mapped[int] = mapped_column(default=0)
    modified_date: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)

    stock_location: Mapped[StockLocation] = relationship()
    product: Mapped[Product] = relationship()

    @property
    def available(self) -> int:
        return self.quantity - self.reserved


class Reservation(db.Model):
    """One unit of a stock row held for one package item."""

    __tablename__ = "reservations"

    id: Mapped[int] = mapped_column(primary_key=True)
    stock_id: Mapped[int] = mapped_column(ForeignKey("stocks.id"), index=True)
    package_item_id: Mapped[int] = mapped_column(ForeignKey("package_items.id"), unique=True)
    created_date: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
