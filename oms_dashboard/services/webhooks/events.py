"""The event types a subscription may name (DESIGN §8), and `*` for all of them."""

from __future__ import annotations

from ...states import PackageStatus, TransferStatus

ALL_EVENTS = "*"

PACKAGE_EVENTS: tuple[str, ...] = (
    "package.created",
    "package.status.transitioned",
    *(f"package.status.{status.slug}" for status in PackageStatus),
    "package.refused",
    "package.shipment.awb_number",
)
# `transfer.created` as DESIGN §8 names it; the services announce a new transfer as
# `transfer.status.created` and every transfer command also as `transfer.status.transitioned`.
TRANSFER_EVENTS: tuple[str, ...] = (
    "transfer.created",
    "transfer.status.created",
    "transfer.status.transitioned",
    *(f"transfer.status.{status.value}" for status in TransferStatus),
)
LOCATION_EVENTS: tuple[str, ...] = ("stock_location.created", "stock_location.updated")
ORDER_EVENTS: tuple[str, ...] = ("order.cancellation_requested",)

EVENT_TYPES: tuple[str, ...] = PACKAGE_EVENTS + TRANSFER_EVENTS + LOCATION_EVENTS + ORDER_EVENTS
_KNOWN = frozenset(EVENT_TYPES)


def is_known_event_type(name: str) -> bool:
    """Whether a subscription may name `name`: a known event type or `*` (every event)."""
    return name == ALL_EVENTS or name in _KNOWN


def matches(subscription_event_type: str, event_type: str) -> bool:
    """Whether a subscription to `subscription_event_type` receives an event of `event_type`."""
    return subscription_event_type in (ALL_EVENTS, event_type)
