"""Packing (which creates the shipment) and the shipment commands."""

from __future__ import annotations

from collections import Counter

from ...errors import AppError
from ...extensions import db
from ...models import CargoCompany, Package, Shipment
from ...states import PackageStatus, ShipmentStatus
from .. import lookups
from ..packages import set_package_status
from ..stock import consume_reservations
from .core import CommandResult, CommandRun, handles
from .inputs import (
    ChannelPackingInput,
    NoInput,
    ShipAdvancedInput,
    ShipInput,
    ShipmentInfoInput,
    ShipmentStatusInput,
)

_SHIPMENT_STATUS_OF = {
    PackageStatus.SHIPPED: ShipmentStatus.SHIPPED,
    PackageStatus.ATTEMPTED_DELIVERY: ShipmentStatus.ATTEMPTED_DELIVERY,
    PackageStatus.DELIVERY_FAILED: ShipmentStatus.DELIVERY_FAILED,
    PackageStatus.DELIVERED: ShipmentStatus.DELIVERED,
}


def _tracking_number(company: CargoCompany, package: Package) -> str:
    # Stands in for the number a carrier integration would return.
    return f"{company.erp_code[:4].upper()}{package.id:010d}"


def _set_shipment(package: Package, *, company: CargoCompany | None, tracking_number: str | None) -> Shipment:
    shipment = package.shipment
    if shipment is None:
        shipment = Shipment(package=package, status=ShipmentStatus.CREATED)
        db.session.add(shipment)
    shipment.cargo_company = company
    shipment.tracking_number = tracking_number
    shipment.label_version = (shipment.label_version or 0) + 1
    shipment.label = _label(package, company, tracking_number, shipment.label_version)
    return shipment


def _label(package: Package, company: CargoCompany | None, tracking_number: str | None, version: int) -> dict:
    """What the shipping label prints, frozen at the time it is generated."""
    customer = package.order.customer or {}
    address = package.order.shipping_address or {}
    return {
        "version": version,
        "package_number": package.number,
        "order_number": package.order.number,
        "cargo_company": company.name if company else None,
        "tracking_number": tracking_number,
        "sender": {"name": package.stock_location.name, "city": package.stock_location.city},
        "recipient": {
            "name": " ".join(filter(None, [customer.get("first_name"), customer.get("last_name")])),
            "address": address.get("line", ""),
            "city": address.get("city", ""),
        },
        "item_count": len(package.active_items),
    }


def _pack(run: CommandRun) -> Package:
    package = run.package
    items = package.active_items
    consume_reservations(item.id for item in items)
    set_package_status(package, run.destination)
    for item in items:
        item.order_item.status = "preparing"
    return package


@handles("COMPLETE_PACKAGING", NoInput)
def complete_packaging(run: CommandRun) -> CommandResult:
    package = _pack(run)
    company = package.stock_location.default_cargo_company
    tracking = _tracking_number(company, package) if company else None
    _set_shipment(package, company=company, tracking_number=tracking)
    carrier = f" Shipment with {company.name}, tracking number {tracking}." if company else ""
    return run.done(f"Package {package.number} packed.{carrier}")


@handles("COMPLETE_PACKAGING_WITHOUT_SHIPMENT", NoInput)
def complete_packaging_without_shipment(run: CommandRun) -> CommandResult:
    package = _pack(run)
    return run.done(f"Package {package.number} packed (no shipment record).")


@handles("CHANNEL_BASED_COMPLETE_PACKAGING", ChannelPackingInput)
def channel_based_complete_packaging(run: CommandRun) -> CommandResult:
    expected = Counter(item.product.barcode for item in run.package.active_items)
    scanned = Counter(run.inputs.barcodes)
    if scanned != expected:
        problems = []
        if missing := expected - scanned:
            problems.append("not scanned: " + ", ".join(sorted(missing.elements())))
        if extra := scanned - expected:
            problems.append("not in this package: " + ", ".join(sorted(extra.elements())))
        raise AppError.field("barcodes", "Scan every item of the package once; " + "; ".join(problems) + ".")
    package = _pack(run)
    order = package.order
    if order.cargo_company_id or order.tracking_number:  # the marketplace's shipment, taken from the order
        _set_shipment(package, company=order.cargo_company, tracking_number=order.tracking_number)
    return run.done(f"Package {package.number} packed; every barcode matched.")


@handles("SHIP", ShipInput)
def ship(run: CommandRun) -> CommandResult:
    package = run.package
    if run.inputs.package_items is not None:
        listed = {item.id for item in lookups.package_items(package, run.inputs.package_items)}
        left_out = [str(item.id) for item in package.active_items if item.id not in listed]
        if left_out:
            raise AppError.field("package_items", f"Ship every item of the package; missing: {', '.join(left_out)}.")
    set_package_status(package, run.destination)
    if package.shipment:
        package.shipment.status = ShipmentStatus.SHIPPED
    return run.done(f"Package {package.number} shipped.")


@handles("SHIP_ADVANCED", ShipAdvancedInput)
def ship_advanced(run: CommandRun) -> CommandResult:
    package = run.package
    company = lookups.cargo_company(run.inputs.cargo_company)
    shipment = _set_shipment(package, company=company, tracking_number=run.inputs.tracking_number)
    shipment.status = ShipmentStatus.SHIPPED
    set_package_status(package, run.destination)
    run.events.append(("package.shipment.awb_number", package))
    return run.done(
        f"Package {package.number} shipped with {company.name}, tracking number {shipment.tracking_number}."
    )


@handles("UPDATE_SHIPMENT_STATUS", ShipmentStatusInput)
def update_shipment_status(run: CommandRun) -> CommandResult:
    inputs = run.inputs
    if inputs.delivered_status and inputs.status is not None:
        raise AppError.field("status", "Only allowed when delivered_status is false.")
    if inputs.delivered_status:
        status = PackageStatus.DELIVERED
    else:
        status = PackageStatus.from_slug(inputs.status or PackageStatus.DELIVERY_FAILED.slug)
    package = run.package
    set_package_status(package, status)
    if package.shipment:
        package.shipment.status = _SHIPMENT_STATUS_OF[status]
    return run.done(f"Package {package.number}: {status.label}.")


@handles("UPDATE_SHIPMENT_INFO", ShipmentInfoInput)
def update_shipment_info(run: CommandRun) -> CommandResult:
    if run.inputs.tracking_number is None and run.inputs.cargo_company is None:
        raise AppError.non_field("Give tracking_number, cargo_company or both.")
    package = run.package
    current = package.shipment
    company = lookups.cargo_company(run.inputs.cargo_company) if run.inputs.cargo_company is not None else None
    company = company or (current.cargo_company if current else None)
    tracking = run.inputs.tracking_number or (current.tracking_number if current else None)
    changed_tracking = current is None or tracking != current.tracking_number
    shipment = _set_shipment(package, company=company, tracking_number=tracking)
    if current is None:  # a package packed without shipment gets one now, in step with its state
        shipment.status = _SHIPMENT_STATUS_OF.get(package.state, ShipmentStatus.CREATED)
    if changed_tracking and tracking:
        run.events.append(("package.shipment.awb_number", package))
    return run.done(f"Shipment of package {package.number} updated; label regenerated.")
