from __future__ import annotations

from typing import Any

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .base import JSONType, TimestampMixin


class DistributionScenario(TimestampMixin, db.Model):
    """A scenario file as loaded (`oms load-scenario`); the active one plans every order."""

    __tablename__ = "distribution_scenarios"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(128), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    # A ScenarioDefinition (oms_dashboard.scenarios) as JSON.
    definition: Mapped[dict[str, Any]] = mapped_column(JSONType)
    is_active: Mapped[bool] = mapped_column(default=False)
