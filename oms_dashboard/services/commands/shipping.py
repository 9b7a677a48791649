"""Packing (which creates the shipment) and the shipment commands.

Where packing lands (DESIGN §4.1): Pending Shipping Label (450) when the carrier sends its label later
(`label_mode: async`), else Pending Invoice (550) when the order's sales channel requires an invoice
before shipping and none is recorded, else Packaging Completed (500). Store-pickup orders get no
shipment: the customer collects them (Ready for Pickup, then Handed to the Customer).
"""

from __future__ import annotations

import base64
import binascii
from collections import Counter

from flask_babel import gettext
from sqlalchemy import select

from ...errors import AppError
from ...extensions import db
from ...models import CargoCompany, Package, SalesChannel, Shipment
from ...states import PackageStatus, ShipmentStatus
from ...text import address_line, field_text, person_name
from .. import lookups
from ..packages import set_package_status
from ..stock import consume_reservations
from .core import CommandResult, CommandRun, handles
from .inputs import (
    ChannelPackingInput,
    NoInput,
    PickupInput,
    ShipAdvancedInput,
    ShipInput,
    ShipmentInfoInput,
    ShipmentLabelInput,
    ShipmentOrderInput,
    ShipmentStatusInput,
    ShipWithoutIntegrationInput,
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
    order = package.order
    return {
        "version": version,
        "package_number": package.number,
        "order_number": package.order.number,
        "cargo_company": company.name if company else None,
        "tracking_number": tracking_number,
        "sender": {"name": package.stock_location.name, "city": package.stock_location.city},
        "recipient": {
            # Old orders may hold numbers or objects here: the label prints them as text.
            "name": person_name(order.customer),
            "address": address_line(order.shipping_address),
            "city": field_text(order.shipping_address, "city"),
        },
        "item_count": len(package.active_items),
    }


def _is_pickup(package: Package) -> bool:
    return package.order.delivery_type == "pickup"


def _invoice_required(package: Package) -> bool:
    channel = package.order.channel
    return bool(channel) and bool(
        db.session.scalar(select(SalesChannel.invoice_required).where(SalesChannel.code == channel))
    )


def _packed_status(package: Package, *, awaiting_label: bool = False) -> PackageStatus:
    """Where a package goes once packed (or once its label arrives): see the module's docstring."""
    if awaiting_label:
        return PackageStatus.WAITING_CARGO_LABEL
    if package.invoice_number is None and _invoice_required(package):
        return PackageStatus.WAITING_INVOICE
    return PackageStatus.PACKED


def _pack(run: CommandRun, *, awaiting_label: bool = False) -> Package:
    package = run.package
    items = package.active_items
    consume_reservations(item.id for item in items)
    set_package_status(package, _packed_status(package, awaiting_label=awaiting_label))
    for item in items:
        item.order_item.status = "preparing"
    return package


def _where_packed(package: Package) -> str:
    """The sentence saying what a packed package still waits for, or ""."""
    if package.state is PackageStatus.WAITING_CARGO_LABEL:
        return gettext("It waits for the carrier's shipping label.")
    if package.state is PackageStatus.WAITING_INVOICE:
        return gettext("It waits for its invoice before it can ship.")
    return ""


@handles("COMPLETE_PACKAGING", NoInput)
def complete_packaging(run: CommandRun) -> CommandResult:
    if _is_pickup(run.package):  # the customer collects it: no carrier
        package = _pack(run)
        return run.done(gettext("Package %(number)s packed for pickup.", number=package.number), _where_packed(package))
    company = run.package.stock_location.default_cargo_company
    awaiting_label = company is not None and company.label_mode == "async"
    package = _pack(run, awaiting_label=awaiting_label)
    tracking = _tracking_number(company, package) if company and not awaiting_label else None
    _set_shipment(package, company=company, tracking_number=tracking)
    carrier = ""
    if company and tracking:
        carrier = gettext(
            "Shipment with %(carrier)s, tracking number %(tracking)s.", carrier=company.name, tracking=tracking
        )
    elif company:
        carrier = gettext("Shipment booked with %(carrier)s.", carrier=company.name)
    return run.done(gettext("Package %(number)s packed.", number=package.number), carrier, _where_packed(package))


@handles("COMPLETE_PACKAGING_WITHOUT_SHIPMENT", NoInput)
def complete_packaging_without_shipment(run: CommandRun) -> CommandResult:
    package = _pack(run)
    return run.done(
        gettext("Package %(number)s packed (no shipment record).", number=package.number), _where_packed(package)
    )


@handles("CHANNEL_BASED_COMPLETE_PACKAGING", ChannelPackingInput)
def channel_based_complete_packaging(run: CommandRun) -> CommandResult:
    expected = Counter(item.product.barcode for item in run.package.active_items)
    scanned = Counter(run.inputs.barcodes)
    if scanned != expected:
        missing = ", ".join(sorted((expected - scanned).elements()))
        extra = ", ".join(sorted((scanned - expected).elements()))
        if missing and extra:
            message = gettext(
                "Scan every item of the package once; not scanned: %(missing)s; not in this package: %(extra)s.",
                missing=missing,
                extra=extra,
            )
        elif missing:
            message = gettext("Scan every item of the package once; not scanned: %(missing)s.", missing=missing)
        else:
            message = gettext("Scan every item of the package once; not in this package: %(extra)s.", extra=extra)
        raise AppError.field("barcodes", message)
    package = _pack(run)
    order = package.order
    marketplace_shipment = order.cargo_company_id or order.tracking_number
    if marketplace_shipment and not _is_pickup(package):  # the marketplace's shipment, taken from the order
        _set_shipment(package, company=order.cargo_company, tracking_number=order.tracking_number)
    return run.done(
        gettext("Package %(number)s packed; every barcode matched.", number=package.number), _where_packed(package)
    )


@handles("SHIP", ShipInput)
def ship(run: CommandRun) -> CommandResult:
    package = run.package
    if run.inputs.package_items is not None:
        listed = {item.id for item in lookups.package_items(package, run.inputs.package_items)}
        left_out = [str(item.id) for item in package.active_items if item.id not in listed]
        if left_out:
            raise AppError.field(
                "package_items",
                gettext("Ship every item of the package; missing: %(items)s.", items=", ".join(left_out)),
            )
    set_package_status(package, run.destination)
    if package.shipment:
        package.shipment.status = ShipmentStatus.SHIPPED
    return run.done(gettext("Package %(number)s shipped.", number=package.number))


@handles("SHIP_ADVANCED", ShipAdvancedInput)
def ship_advanced(run: CommandRun) -> CommandResult:
    package = run.package
    company = lookups.cargo_company(run.inputs.cargo_company)
    shipment = _set_shipment(package, company=company, tracking_number=run.inputs.tracking_number)
    shipment.status = ShipmentStatus.SHIPPED
    set_package_status(package, run.destination)
    run.events.append(("package.shipment.awb_number", package))
    return run.done(
        gettext(
            "Package %(number)s shipped with %(carrier)s, tracking number %(tracking)s.",
            number=package.number,
            carrier=company.name,
            tracking=shipment.tracking_number,
        )
    )


@handles("SHIP_WITHOUT_SHIPMENT_INTEGRATION", ShipWithoutIntegrationInput)
def ship_without_shipment_integration(run: CommandRun) -> CommandResult:
    """Handed to a carrier by hand: no carrier is contacted, what is given is recorded."""
    package, inputs = run.package, run.inputs
    shipment = package.shipment
    if inputs.cargo_company is not None or inputs.tracking_number is not None:
        shipment = _record_carrier(run, cargo_company=inputs.cargo_company, tracking_number=inputs.tracking_number)
    if shipment is not None:
        shipment.status = ShipmentStatus.SHIPPED
    set_package_status(package, run.destination)
    return run.done(gettext("Package %(number)s shipped (no carrier integration contacted).", number=package.number))


@handles("SHIPMENT_ORDER", ShipmentOrderInput)
def shipment_order(run: CommandRun) -> CommandResult:
    """Book the shipment with the carrier's integration; the package waits for the label it sends back."""
    package = run.package
    if run.inputs.cargo_company is not None:
        company = lookups.cargo_company(run.inputs.cargo_company)
    else:
        company = package.stock_location.default_cargo_company
        if company is None:
            raise AppError.field(
                "cargo_company",
                gettext("%(location)s has no default cargo company: pick one.", location=package.stock_location.name),
            )
    shipment = _set_shipment(package, company=company, tracking_number=None)
    shipment.status = ShipmentStatus.CREATED
    shipment.label_url = shipment.label_document = shipment.label_format = None
    set_package_status(package, run.destination)
    return run.done(
        gettext(
            "Shipment of package %(number)s ordered from %(carrier)s; waiting for its label.",
            number=package.number,
            carrier=company.name,
        )
    )


@handles("UPDATE_SHIPMENT_LABEL", ShipmentLabelInput)
def update_shipment_label(run: CommandRun) -> CommandResult:
    """The carrier's label: stored, shown by Show Shipping Label; a package waiting for it is packed."""
    package, inputs = run.package, run.inputs
    document = _label_document(inputs.label) if inputs.label is not None else None
    waiting = package.state is PackageStatus.WAITING_CARGO_LABEL
    if waiting and inputs.label_url is None and document is None:
        raise AppError.field("label_url", gettext("Send the carrier's label: label_url or label (base64)."))
    if not any(
        value is not None for value in (inputs.label_url, document, inputs.tracking_number, inputs.cargo_company)
    ):
        raise AppError.non_field(gettext("Give label_url, label, tracking_number or cargo_company."))
    shipment = _record_carrier(run, cargo_company=inputs.cargo_company, tracking_number=inputs.tracking_number)
    if inputs.label_url is not None:
        shipment.label_url = inputs.label_url
    if document is not None:
        stored, decoded = document
        shipment.label_document = stored
        shipment.label_format = inputs.label_format or ("pdf" if decoded.startswith(b"%PDF") else "zpl")
    if waiting:
        set_package_status(package, _packed_status(package))
    return run.done(
        gettext("Shipping label of package %(number)s received.", number=package.number), _where_packed(package)
    )


def _label_document(text: str) -> tuple[str, bytes]:
    compact = "".join(text.split())
    try:
        return compact, base64.b64decode(compact, validate=True)
    except (binascii.Error, ValueError):
        raise AppError.field("label", gettext("Not valid base64.")) from None


@handles("UPDATE_SHIPMENT_STATUS", ShipmentStatusInput)
def update_shipment_status(run: CommandRun) -> CommandResult:
    """The transition names the outcome; `delivered_status` / `status`, when sent, must say the same."""
    inputs, status = run.inputs, run.destination
    if inputs.delivered_status is not None and inputs.delivered_status != (status is PackageStatus.DELIVERED):
        raise AppError.field("delivered_status", _records(status))
    if inputs.status is not None and inputs.status != status.slug:
        raise AppError.field("status", _records(status))
    package = run.package
    set_package_status(package, status)
    if package.shipment:
        package.shipment.status = _SHIPMENT_STATUS_OF[status]
    return run.done(gettext("Package %(number)s: %(status)s.", number=package.number, status=gettext(status.label)))


def _records(status: PackageStatus) -> str:
    return gettext("This transition records %(status)s; pick the one you mean.", status=gettext(status.label))


@handles("UPDATE_SHIPMENT_INFO", ShipmentInfoInput)
def update_shipment_info(run: CommandRun) -> CommandResult:
    if run.inputs.tracking_number is None and run.inputs.cargo_company is None:
        raise AppError.non_field(gettext("Give tracking_number, cargo_company or both."))
    _record_carrier(run, cargo_company=run.inputs.cargo_company, tracking_number=run.inputs.tracking_number)
    return run.done(gettext("Shipment of package %(number)s updated; label regenerated.", number=run.package.number))


def _record_carrier(run: CommandRun, *, cargo_company: int | str | None, tracking_number: str | None) -> Shipment:
    """The shipment with the carrier and tracking number given (what is not given is kept), its label regenerated;
    a new tracking number is announced (`package.shipment.awb_number`). A package packed without a shipment gets
    one now, in step with its state."""
    package = run.package
    current = package.shipment
    company = lookups.cargo_company(cargo_company) if cargo_company is not None else None
    company = company or (current.cargo_company if current else None)
    tracking = tracking_number or (current.tracking_number if current else None)
    if tracking and (current is None or tracking != current.tracking_number):
        run.events.append(("package.shipment.awb_number", package))
    shipment = _set_shipment(package, company=company, tracking_number=tracking)
    if current is None:
        shipment.status = _SHIPMENT_STATUS_OF.get(package.state, ShipmentStatus.CREATED)
    return shipment


@handles("READY_FOR_PICKUP", NoInput)
def ready_for_pickup(run: CommandRun) -> CommandResult:
    package = run.package
    set_package_status(package, run.destination)  # package.status.ready_for_pickup tells the customer
    return run.done(
        gettext(
            "Package %(number)s is ready for pickup at %(location)s.",
            number=package.number,
            location=package.stock_location.name,
        )
    )


@handles("SELF_SERVICE_DELIVERY", PickupInput)
def self_service_delivery(run: CommandRun) -> CommandResult:
    package = run.package
    expected = package.order.pickup_code
    given = run.inputs.pickup_code
    if given is not None and expected is not None and given.strip().casefold() != expected.strip().casefold():
        raise AppError.field("pickup_code", gettext("That is not this order's pickup code."))
    set_package_status(package, run.destination)
    return run.done(gettext("Package %(number)s handed to the customer.", number=package.number))
