"""Package states (DESIGN §3), command visibilities and package-item states."""

from __future__ import annotations

from enum import IntEnum, StrEnum

from .i18n import N_


class PackageStatus(IntEnum):
    WAITING_FOR_TRANSFER = 50
    WAITING = 100
    WAITING_REMOTE_ACTION = 150
    PREPARING = 200
    BLOCKED = 300
    READY_FOR_PACKAGING = 400
    WAITING_CARGO_LABEL = 450
    PACKED = 500
    WAITING_INVOICE = 550
    READY_FOR_PICKUP = 600
    SHIPPED = 700
    ATTEMPTED_DELIVERY = 750
    DELIVERY_FAILED = 760
    DELIVERED = 800
    CANCELLATION_WAITING = 900
    CANCELLED = 910
    OUT_OF_STOCK = 920
    WRONG_PRODUCT = 930
    NEEDS_RESCHEDULING = 940
    PACKED_FOR_REFUND = 1100

    @property
    def slug(self) -> str:
        return self.name.lower()

    @property
    def label(self) -> str:
        return _LABELS[self]

    @property
    def holds_quota(self) -> bool:
        return self in QUOTA_HOLDING_STATUSES

    @classmethod
    def from_slug(cls, slug: str) -> PackageStatus:
        return cls[slug.upper()]


# The names of seed 004's "States" page (its label column where the page has no name): every page,
# the API's `state.name` and the messages use them.
_LABELS = {
    PackageStatus.WAITING_FOR_TRANSFER: N_("Pending Transfer"),
    PackageStatus.WAITING: N_("Pending"),
    PackageStatus.WAITING_REMOTE_ACTION: N_("Waiting Remote Action"),
    PackageStatus.PREPARING: N_("In Progress"),
    PackageStatus.BLOCKED: N_("Blocked"),
    PackageStatus.READY_FOR_PACKAGING: N_("Ready to Packaging"),
    PackageStatus.WAITING_CARGO_LABEL: N_("Pending Shipping Label for Printing"),
    PackageStatus.PACKED: N_("Packaging Completed"),
    PackageStatus.WAITING_INVOICE: N_("Pending Invoice"),
    PackageStatus.READY_FOR_PICKUP: N_("Ready for Pickup"),
    PackageStatus.SHIPPED: N_("Shipped"),
    PackageStatus.ATTEMPTED_DELIVERY: N_("Delivery Attempted"),
    PackageStatus.DELIVERY_FAILED: N_("Delivery Failed"),
    PackageStatus.DELIVERED: N_("Delivered"),
    PackageStatus.CANCELLATION_WAITING: N_("Pending Cancellation"),
    PackageStatus.CANCELLED: N_("Canceled"),
    PackageStatus.OUT_OF_STOCK: N_("Product Out of Stock"),
    PackageStatus.WRONG_PRODUCT: N_("Defective Product Found"),
    PackageStatus.NEEDS_RESCHEDULING: N_("To Be Rescheduled"),
    PackageStatus.PACKED_FOR_REFUND: N_("Packed for Refund"),
}

# "status below 400 and cancellation_waiting" (seeds 000–002), with 400 and 450 still open
# work at the location: DESIGN §3's "holds quota" column.
QUOTA_HOLDING_STATUSES = frozenset(
    {
        PackageStatus.WAITING_FOR_TRANSFER,
        PackageStatus.WAITING,
        PackageStatus.WAITING_REMOTE_ACTION,
        PackageStatus.PREPARING,
        PackageStatus.BLOCKED,
        PackageStatus.READY_FOR_PACKAGING,
        PackageStatus.WAITING_CARGO_LABEL,
        PackageStatus.CANCELLATION_WAITING,
    }
)

# Work the location still has to do before the package leaves it (or is cancelled): what
# deactivating a location leaves behind.
OPEN_STATUSES = QUOTA_HOLDING_STATUSES | {
    PackageStatus.PACKED,
    PackageStatus.WAITING_INVOICE,
    PackageStatus.READY_FOR_PICKUP,
}


class Visibility(StrEnum):
    OMS_WEB = "oms_web"  # managers' and admins' pages
    INSTORE = "instore"  # store staff pages
    THIRD_PARTY = "third_party"  # API tokens


class ItemStatus(StrEnum):
    """States a package item takes when it leaves its package.

    While an item is in its package it carries the package's status slug.
    """

    OUT_OF_STOCK = "out_of_stock"
    WRONG_PRODUCT = "wrong_product"
    REPLANNED = "replanned"
    CANCELLED = "cancelled"


class DiscrepancyReason(StrEnum):
    NOT_FOUND = "not_found"
    WRONG_PRODUCT = "wrong_product"


class TransferStatus(StrEnum):
    """Transfer order states (DESIGN §3): string values, as Akinon's webhook shows `"waiting"`."""

    WAITING = "waiting"
    READY_TO_SHIPMENT = "ready_to_shipment"
    IN_TRANSIT = "in_transit"
    TRANSFERRED = "transferred"
    CANCELLATION_WAITING = "cancellation_waiting"
    CANCELLED = "cancelled"
    OUT_OF_STOCK = "out_of_stock"

    @property
    def label(self) -> str:
        return _TRANSFER_LABELS[self]

    @property
    def is_open(self) -> bool:
        """Still on its way: the package waits for it."""
        return self in (TransferStatus.WAITING, TransferStatus.READY_TO_SHIPMENT, TransferStatus.IN_TRANSIT)


_TRANSFER_LABELS = {
    TransferStatus.WAITING: N_("Waiting"),
    TransferStatus.READY_TO_SHIPMENT: N_("Ready To Shipment"),
    TransferStatus.IN_TRANSIT: N_("In Transit"),
    TransferStatus.TRANSFERRED: N_("Transferred"),
    TransferStatus.CANCELLATION_WAITING: N_("Cancellation Waiting"),
    TransferStatus.CANCELLED: N_("Cancelled"),
    TransferStatus.OUT_OF_STOCK: N_("Out of Stock"),
}


class ShipmentStatus(StrEnum):
    CREATED = "created"
    SHIPPED = "shipped"
    ATTEMPTED_DELIVERY = "attempted_delivery"
    DELIVERY_FAILED = "delivery_failed"
    DELIVERED = "delivered"
