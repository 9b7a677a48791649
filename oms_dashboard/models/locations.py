from __future__ import annotations

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import TimestampMixin

LOCATION_TYPES = ("store", "warehouse")


class CargoCompany(TimestampMixin, db.Model):
    __tablename__ = "cargo_companies"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(128))
    erp_code: Mapped[str] = mapped_column(String(64), unique=True)
    is_active: Mapped[bool] = mapped_column(default=True)


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

    default_cargo_company: Mapped[CargoCompany | None] = relationship()

    @property
    def available_quota(self) -> int | None:
        return None if self.max_quota is None else self.max_quota - self.quota
