"""JSON shapes of DESIGN §5.1–5.2, shared by the API and the webhook outbox payloads."""

from __future__ import annotations

from datetime import date, datetime, timezone
from typing import Any

from .models import (
    CargoCompany,
    DenialReason,
    Package,
    PackageItem,
    Shipment,
    StockLocation,
    TransferOrder,
    TransferTransition,
    Transition,
)
from .states import ItemStatus, PackageStatus, TransferStatus

_ITEM_ONLY_LABELS = {ItemStatus.REPLANNED.value: "Replanned"}


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
        "translations": row.translations,
        "command": row.command,
        "source_state": row.source_state,
        "destination_state": row.destination_state,
    }


def cargo_company(row: CargoCompany | None) -> dict[str, Any] | None:
    if row is None:
        return None
    return {"id": row.id, "name": row.name, "erp_code": row.erp_code}


def shipment(row: Shipment | None) -> dict[str, Any] | None:
    if row is None:
        return None
    return {
        "id": row.id,
        "cargo_company": cargo_company(row.cargo_company),
        "tracking_number": row.tracking_number,
        "status": row.status,
        "label_version": row.label_version,
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
    }


def denial_reason(row: DenialReason) -> dict[str, Any]:
    return {"id": row.id, "title": row.title, "is_active": row.is_active, "priority": row.priority}
