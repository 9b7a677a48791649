"""JSON shapes of DESIGN §5.1–5.2, shared by the API and the webhook outbox payloads."""

from __future__ import annotations

from datetime import date, datetime, timezone
from typing import Any

from .i18n import N_, label_translations
from .models import (
    CargoCompany,
    DenialReason,
    Order,
    Package,
    PackageItem,
    Product,
    Shipment,
    Stock,
    StockLocation,
    TransferOrder,
    TransferTransition,
    Transition,
    WebhookDelivery,
    WebhookSubscription,
)
from .retry_schedule import RetryCountdownConfig
from .states import ItemStatus, PackageStatus, TransferStatus

# An item that left its package keeps a state of its own. `out_of_stock`, `wrong_product` and `cancelled` are
# package states too and read as the package's (Product Out of Stock, Defective Product Found, Canceled);
# only `replanned` has no package state.
_ITEM_ONLY_LABELS = {ItemStatus.REPLANNED.value: N_("Replanned")}


def timestamp(value: datetime | None) -> str | None:
    if value is None:
        return None
    if value.tzinfo is None:  # SQLite hands back naive datetimes; they are stored in UTC
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def day(value: date | None) -> str | None:
    return value.isoformat() if value else None


def state(status: int) -> dict[str, Any]:
    package_status = PackageStatus(status)
    return {"enum_value": package_status.value, "name": package_status.label, "slug": package_status.slug}


def item_state(slug: str) -> dict[str, Any]:
    if slug in _ITEM_ONLY_LABELS:
        return {"enum_value": None, "name": _ITEM_ONLY_LABELS[slug], "slug": slug}
    return state(PackageStatus.from_slug(slug))


def transition(row: Transition | TransferTransition) -> dict[str, Any]:
    return {
        "id": row.id,
        "label": row.label,
        "ui_visibility": list(row.ui_visibility or []),
        "slug": row.slug,
        "created_date": timestamp(row.created_date),
        "modified_date": timestamp(row.modified_date),
        # Set by the installation, else the catalogues' translations of the label (i18n.py).
        "translations": row.translations or label_translations(row.label),
        "command": row.command,
        "source_state": row.source_state,
        "destination_state": row.destination_state,
    }


def cargo_company(row: CargoCompany | None) -> dict[str, Any] | None:
    if row is None:
        return None
    return {"id": row.id, "name": row.name, "erp_code": row.erp_code}


def cargo_company_details(row: CargoCompany) -> dict[str, Any]:
    """A carrier as the cargo-company list shows it (commands and packages name it by the short form)."""
    return cargo_company(row) | {
        "label_mode": row.label_mode,
        "tracking_url_template": row.tracking_url_template,
        "is_active": row.is_active,
    }


def product(row: Product) -> dict[str, Any]:
    return {
        "id": row.id,
        "sku": row.sku,
        "name": row.name,
        "barcode": row.barcode,
        "image_url": row.image_url,
        "attributes": row.attributes or {},
    }


def stock(row: Stock) -> dict[str, Any]:
    """A stock row; `available` is never negative (an ERP push may set quantity below what is reserved)."""
    return {
        "stock_location": row.stock_location.erp_code,
        "sku": row.product.sku,
        "quantity": row.quantity,
        "reserved": row.reserved,
        "available": max(0, row.quantity - row.reserved),
    }


def shipment(row: Shipment | None) -> dict[str, Any] | None:
    if row is None:
        return None
    return {
        "id": row.id,
        "cargo_company": cargo_company(row.cargo_company),
        "tracking_number": row.tracking_number,
        "status": row.status,
        "label_version": row.label_version,
        "label_url": row.label_url,
        "label_format": row.label_format,
        "created_date": timestamp(row.created_date),
        "modified_date": timestamp(row.modified_date),
    }


def package_item(row: PackageItem) -> dict[str, Any]:
    return {
        "id": row.id,
        "order_item": row.order_item_id,
        "sku": row.product.sku,
        "product_name": row.product.name,
        "barcode": row.product.barcode,
        "state": item_state(row.status),
        "replanned_to": row.replanned_to_id,
    }


def package(row: Package, commands: list[Transition]) -> dict[str, Any]:
    return {
        "id": row.id,
        "number": row.number,
        "state": state(row.status),
        "stock_location": location_reference(row.stock_location),
        "order": {"id": row.order.id, "number": row.order.number, "channel": row.order.channel},
        "shipment": shipment(row.shipment),
        "packageitem_set": [package_item(item) for item in row.items],
        "commands": [transition(command) for command in commands],
        "invoice_number": row.invoice_number,
        "invoice_date": day(row.invoice_date),
        "invoice_url": row.invoice_url,
        "created_date": timestamp(row.created_date),
        "modified_date": timestamp(row.modified_date),
    }


def location_reference(row: StockLocation) -> dict[str, Any]:
    return {"id": row.id, "name": row.name, "erp_code": row.erp_code}


def order_cancellation(order: Order, packages: list[Package]) -> dict[str, Any]:
    """An order after a cancellation request: each package with its status now (API answer and event payload)."""
    return {
        "order": {"id": order.id, "number": order.number, "channel": order.channel},
        "packages": [
            {
                "id": package.id,
                "number": package.number,
                "state": state(package.status),
                "stock_location": location_reference(package.stock_location),
            }
            for package in packages
        ],
    }


def transfer_state(value: str) -> dict[str, Any]:
    return {"enum_value": value, "name": TransferStatus(value).label, "slug": value}


def transfer(row: TransferOrder, commands: list[TransferTransition]) -> dict[str, Any]:
    return {
        "id": row.id,
        "number": row.number,
        "state": transfer_state(row.status),
        "order": {"id": row.order.id, "number": row.order.number},
        "package": {"id": row.package.id, "number": row.package.number},
        "source": location_reference(row.source),
        "destination": location_reference(row.destination),
        "transferitem_set": [
            {
                "id": item.id,
                "package_item": item.package_item_id,
                "sku": item.product.sku,
                "product_name": item.product.name,
                "barcode": item.product.barcode,
                "state": transfer_state(item.status),
            }
            for item in row.items
        ],
        "commands": [transition(command) for command in commands],
        # Recorded by Transfer Order Advanced: who carries the units, under which number.
        "cargo_company": cargo_company(row.cargo_company),
        "tracking_number": row.tracking_number,
        "extra_information": row.extra_information or {},
        "created_date": timestamp(row.created_date),
        "modified_date": timestamp(row.modified_date),
    }


def stock_location(row: StockLocation) -> dict[str, Any]:
    return {
        "id": row.id,
        "name": row.name,
        "erp_code": row.erp_code,
        "type": row.type,
        "priority": row.priority,
        "max_quota": row.max_quota,
        "quota": row.quota,
        "available_quota": row.available_quota,
        "is_active": row.is_active,
        "city": row.city,
        "default_cargo_company": cargo_company(row.default_cargo_company),
        "remote_fulfilment": row.remote_fulfilment,
        "is_pickup_location": row.is_pickup_location,
        "timezone": row.timezone,
    }


def denial_reason(row: DenialReason) -> dict[str, Any]:
    return {"id": row.id, "title": row.title, "is_active": row.is_active, "priority": row.priority}


def webhook_subscription(subscription: WebhookSubscription) -> dict[str, Any]:
    """A subscription without its secret (write-only)."""
    return {
        "id": subscription.id,
        "event_type": subscription.event_type,
        "target_url": subscription.target_url,
        "is_active": subscription.is_active,
        # As the worker reads it: the stored settings with the defaults of those not stored.
        "retry_countdown_config": RetryCountdownConfig.model_validate(
            subscription.retry_countdown_config or {}
        ).model_dump(exclude_none=True),
        "created_date": timestamp(subscription.created_date),
        "modified_date": timestamp(subscription.modified_date),
    }


def webhook_delivery(delivery: WebhookDelivery) -> dict[str, Any]:
    return {
        "id": delivery.id,
        "event": {"type": delivery.event.event_type, "uuid": delivery.event.uuid},
        "status": delivery.status,
        "attempts": delivery.attempts,
        "last_status_code": delivery.last_status_code,
        "last_error": delivery.last_error,
        "last_duration_ms": delivery.last_duration_ms,
        "next_attempt_date": timestamp(delivery.next_attempt_date),
        "delivered_date": timestamp(delivery.delivered_date),
        "created_date": timestamp(delivery.created_date),
    }
