"""All models, importable from one place (Alembic's autogenerate sees them through here)."""

from .accounts import (
    ApiToken,
    IdempotencyRecord,
    LoginFailure,
    Role,
    User,
    api_token_locations,
    user_locations,
)
from .catalog import Product, Reservation, Stock
from .locations import CargoCompany, SalesChannel, StockLocation
from .orders import Order, OrderItem
from .packages import DenialReason, Discrepancy, Package, PackageCount, PackageItem, Shipment
from .planning import DistributionScenario
from .transfers import TransferItem, TransferOrder
from .workflow import (
    OutboxEvent,
    TransferLog,
    TransferTransition,
    Transition,
    TransitionLog,
    WebhookAttempt,
    WebhookDelivery,
    WebhookSubscription,
)

__all__ = [
    "ApiToken",
    "CargoCompany",
    "DenialReason",
    "Discrepancy",
    "DistributionScenario",
    "IdempotencyRecord",
    "LoginFailure",
    "Order",
    "OrderItem",
    "OutboxEvent",
    "Package",
    "PackageCount",
    "PackageItem",
    "Product",
    "Reservation",
    "Role",
    "SalesChannel",
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
    "WebhookAttempt",
    "WebhookDelivery",
    "WebhookSubscription",
    "api_token_locations",
    "user_locations",
]
