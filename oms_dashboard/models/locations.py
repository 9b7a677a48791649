from __future__ import annotations

from sqlalchemy import CheckConstraint, ForeignKey, String, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import TimestampMixin


class CargoCompany(TimestampMixin, db.Model):
    __tablename__ = "cargo_companies"
    __table_args__ = (CheckConstraint("label_mode IN ('sync', 'async')", name="known_label_mode"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(128))
    erp_code: Mapped[str] = mapped_column(String(64), unique=True)
    is_active: Mapped[bool] = mapped_column(default=True)
    # sync: the label is made when the shipment is; async: the carrier sends it later (Pending Shipping Label).
    label_mode: Mapped[str] = mapped_column(String(8), default="sync", server_default="sync")
    # e.g. "https://track.example.com/?code={tracking_number}"
    tracking_url_template: Mapped[str | None] = mapped_column(String(512))


class StockLocation(TimestampMixin, db.Model):
    __tablename__ = "stock_locations"
    __table_args__ = (
        CheckConstraint("type IN ('store', 'warehouse')", name="known_type"),
        CheckConstraint("quota >= 0", name="quota_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    erp_code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(128))
    type: Mapped[str] = mapped_column(String(16), default="store")
    city: Mapped[str] = mapped_column(String(64), default="")
    # Higher number = preferred by planning.
    priority: Mapped[int] = mapped_column(default=0)
    # None = unlimited. `quota` counts the packages here in a quota-holding status (DESIGN §3).
    max_quota: Mapped[int | None]
    quota: Mapped[int] = mapped_column(default=0)
    default_cargo_company_id: Mapped[int | None] = mapped_column(ForeignKey("cargo_companies.id"))
    is_active: Mapped[bool] = mapped_column(default=True)
    # Packages planned here wait for a system outside the OMS (Waiting Remote Action).
    remote_fulfilment: Mapped[bool] = mapped_column(default=False, server_default=false())
    # Customers may collect orders here (delivery_type "pickup").
    is_pickup_location: Mapped[bool] = mapped_column(default=False, server_default=false())
    # The IANA zone its pages show times in ("Europe/Istanbul"); None: OMS_TIMEZONE (i18n.py).
    timezone: Mapped[str | None] = mapped_column(String(64))

    default_cargo_company: Mapped[CargoCompany | None] = relationship()

    @property
    def available_quota(self) -> int | None:
        """max(0, max_quota - quota): never negative, even when max_quota was lowered below the quota in use."""
        return None if self.max_quota is None else max(0, self.max_quota - self.quota)


class SalesChannel(TimestampMixin, db.Model):
    """A channel orders arrive through (`orders.channel` holds its code)."""

    __tablename__ = "sales_channels"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(128))
    # Packages of this channel wait in Pending Invoice until the invoice is sent (UPDATE_INVOICE).
    invoice_required: Mapped[bool] = mapped_column(default=False, server_default=false())
