"""What the package document and the shipping label print, for one package or a batch of them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext
from sqlalchemy import Select, select
from sqlalchemy.orm import joinedload, selectinload

from ..actors import Actor
from ..errors import AppError
from ..extensions import db
from ..i18n import N_
from ..models import Package, PackageItem, Shipment
from ..text import address_line, as_text, field_text, person_name

NO_LABEL_MESSAGE = N_("This package has no shipping label yet: it gets one when it is packed.")


@dataclass(frozen=True)
class Party:
    name: str
    address: str
    city: str
    phone: str


@dataclass(frozen=True)
class LabelContent:
    """A shipping label's fields, as text. The label frozen when the shipment was made gives the carrier,
    numbers, names and addresses; the phones are not in it, so they come from the location and the order."""

    package_id: int
    package_number: str
    order_number: str
    carrier: str
    tracking_number: str
    sender: Party
    recipient: Party
    pieces: int
    version: int


@dataclass(frozen=True)
class SkippedPackage:
    """A package of a batch that is not printed: `number` is None when the user may not know it exists."""

    package_id: int
    number: str | None
    reason: str


@dataclass(frozen=True)
class PrintBatch:
    packages: list[Package]
    skipped: list[SkippedPackage]


def _printable(query: Select) -> Select:
    """A package with everything the document and label print: two queries however many packages."""
    return query.options(
        joinedload(Package.stock_location),
        joinedload(Package.order),
        joinedload(Package.shipment).joinedload(Shipment.cargo_company),
        selectinload(Package.items).joinedload(PackageItem.product),
    )


def has_label(package: Package) -> bool:
    return package.shipment is not None and bool(package.shipment.label)


def printable_package(*, package_id: int, actor: Actor, needs_label: bool) -> Package:
    """One package to print; another location's package is a 404 (it must not be seen to exist)."""
    package = db.session.scalars(_printable(select(Package).where(Package.id == package_id))).first()
    if package is None or not actor.may_access(package.stock_location_id):
        raise AppError.not_found()
    if needs_label and not has_label(package):
        raise AppError(404, {"detail": gettext(NO_LABEL_MESSAGE)})
    return package


def printable_packages(*, package_ids: Sequence[int], actor: Actor, needs_label: bool) -> PrintBatch:
    """The packages of `package_ids` the actor may print, in the order asked, and the others with the reason."""
    query = _printable(select(Package).where(Package.id.in_(package_ids)))
    found = {package.id: package for package in db.session.scalars(query).unique()}
    packages: list[Package] = []
    skipped: list[SkippedPackage] = []
    for package_id in package_ids:
        package = found.get(package_id)
        if package is None or not actor.may_access(package.stock_location_id):
            skipped.append(SkippedPackage(package_id, None, gettext("not found, or not at your location")))
        elif needs_label and not has_label(package):
            skipped.append(
                SkippedPackage(package_id, package.number, gettext("no shipping label yet (it gets one when packed)"))
            )
        else:
            packages.append(package)
    return PrintBatch(packages, skipped)


def _frozen(record: Any, key: str) -> str:
    return field_text(record, key) if isinstance(record, Mapping) else ""


def label_content(package: Package) -> LabelContent:
    """The label of a package that has one (see `has_label`)."""
    shipment = package.shipment
    label: Mapping[str, Any] = shipment.label if shipment and isinstance(shipment.label, Mapping) else {}
    sender, recipient = label.get("sender"), label.get("recipient")
    order = package.order
    location = package.stock_location
    return LabelContent(
        package_id=package.id,
        package_number=as_text(label.get("package_number")) or package.number,
        order_number=as_text(label.get("order_number")) or order.number,
        carrier=as_text(label.get("cargo_company")),
        tracking_number=as_text(label.get("tracking_number")),
        # A stock location has a name and a city; it holds no street address or phone to print.
        sender=Party(
            name=_frozen(sender, "name") or location.name,
            address="",
            city=_frozen(sender, "city") or location.city,
            phone="",
        ),
        recipient=Party(
            name=_frozen(recipient, "name") or person_name(order.customer),
            address=_frozen(recipient, "address") or address_line(order.shipping_address),
            city=_frozen(recipient, "city") or field_text(order.shipping_address, "city"),
            phone=field_text(order.shipping_address, "phone") or field_text(order.customer, "phone"),
        ),
        pieces=len(package.active_items),
        version=shipment.label_version if shipment else 0,
    )
