"""What the Manual Planning form offers: every active location, with the units of each product available there."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import and_, select

from ..extensions import db
from ..models import Stock, StockLocation


@dataclass
class LocationStock:
    id: int
    name: str
    erp_code: str
    available: dict[int, int] = field(default_factory=dict)  # product id → units free to reserve

    def units(self, product_id: int) -> int:
        return self.available.get(product_id, 0)


def stock_for_manual_planning(product_ids: Iterable[int]) -> list[LocationStock]:
    """Active locations (by priority, then name) with the available units of the given products: one query.

    available = max(0, quantity − reserved), as the stock representation shows it; a location without a
    stock row for a product has none of it.
    """
    wanted = sorted(set(product_ids))
    rows = db.session.execute(
        select(
            StockLocation.id,
            StockLocation.name,
            StockLocation.erp_code,
            Stock.product_id,
            Stock.quantity,
            Stock.reserved,
        )
        .outerjoin(Stock, and_(Stock.stock_location_id == StockLocation.id, Stock.product_id.in_(wanted)))
        .where(StockLocation.is_active)
        .order_by(StockLocation.priority.desc(), StockLocation.name, StockLocation.id)
    )
    locations: dict[int, LocationStock] = {}
    for location_id, name, erp_code, product_id, quantity, reserved in rows:
        location = locations.setdefault(location_id, LocationStock(location_id, name, erp_code))
        if product_id is not None:
            location.available[product_id] = max(0, quantity - reserved)
    return list(locations.values())
