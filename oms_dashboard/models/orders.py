from __future__ import annotations

from typing import Any

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from ..extensions import db
from ..search_keys import CUSTOMER_KEY_LENGTH, customer_keys, folded, key_type
from .base import JSONType, TimestampMixin
from .catalog import Product
from .locations import CargoCompany, StockLocation


class Order(TimestampMixin, db.Model):
    __tablename__ = "orders"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(64), unique=True)
    channel: Mapped[str] = mapped_column(String(64), default="")
    customer: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    # Folded (search_keys.py) for the package list's search: the number, "first last" and the last name.
    number_key: Mapped[str | None] = mapped_column(key_type(64), index=True)
    customer_key: Mapped[str | None] = mapped_column(key_type(CUSTOMER_KEY_LENGTH), index=True)
    customer_last_name_key: Mapped[str | None] = mapped_column(key_type(CUSTOMER_KEY_LENGTH), index=True)
    shipping_address: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    notes: Mapped[str | None] = mapped_column(Text)
    # Marketplace orders arrive with their carrier and tracking number (CHANNEL_BASED_COMPLETE_PACKAGING).
    cargo_company_id: Mapped[int | None] = mapped_column(ForeignKey("cargo_companies.id"))
    tracking_number: Mapped[str | None] = mapped_column(String(128))
    # "shipping" (to the address) or "pickup" (the customer collects it at `pickup_location`, DESIGN §4.1).
    delivery_type: Mapped[str] = mapped_column(String(16), default="shipping", server_default="shipping")
    pickup_location_id: Mapped[int | None] = mapped_column(ForeignKey("stock_locations.id"))
    # What the customer shows at the counter; SELF_SERVICE_DELIVERY may check it.
    pickup_code: Mapped[str | None] = mapped_column(String(32))
    # SHA-256 of the intake body: the same number sent again with another body is a conflict (409).
    intake_fingerprint: Mapped[str | None] = mapped_column(String(64))
    # Last n used in package numbers "<order number>P<n>"; bumped atomically.
    package_sequence: Mapped[int] = mapped_column(default=0)

    cargo_company: Mapped[CargoCompany | None] = relationship()
    pickup_location: Mapped[StockLocation | None] = relationship()
    items: Mapped[list[OrderItem]] = relationship(back_populates="order", order_by="OrderItem.id")

    @validates("number")
    def _keep_number_key(self, _name: str, number: str) -> str:
        self.number_key = folded(number, 64)
        return number

    @validates("customer")
    def _keep_customer_keys(self, _name: str, customer: dict[str, Any]) -> dict[str, Any]:
        self.customer_key, self.customer_last_name_key = customer_keys(customer)
        return customer


class OrderItem(TimestampMixin, db.Model):
    """One unit of one product; active in at most one package at a time."""

    __tablename__ = "order_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    status: Mapped[str] = mapped_column(String(32), default="waiting")

    order: Mapped[Order] = relationship(back_populates="items")
    product: Mapped[Product] = relationship()
