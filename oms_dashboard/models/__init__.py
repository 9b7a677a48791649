"""All models, importable from one place (Alembic's autogenerate sees them through here)."""

from .accounts import (
    ApiToken,
    IdempotencyRecord,
    Role,
    User,
    api_token_locations,
    user_locations,
)
from .catalog import Product, Reservation, Stock
from .locations import LOCATION_TYPES, CargoCompany, StockLocation
from .orders import Order, OrderItem
from .packages import DenialReason, Discrepancy, Package, PackageItem, Shipment
from .planning import DistributionScenario
from .transfers import TransferItem, TransferOrder
from .workflow import OutboxEvent, TransferLog, TransferTransition, Transition, TransitionLog

__all__ = [
    "LOCATION_TYPES",
    "ApiToken",
    "CargoCompany",
    "DenialReason",
    "Discrepancy",
    "DistributionScenario",
    "IdempotencyRecord",
    "Order",
    "OrderItem",
    "OutboxEvent",
    "Package",
    "PackageItem",
    "Product",
    "Reservation",
    "Role",
    "Shipment",
    "Stock",
    "StockLocation",
    "TransferItem",
    "TransferLog",
    "TransferOrder",
    "TransferTransition",
    "Transition",
    "TransitionLog",
    "User",
    "api_token_locations",
    "user_locations",
]
