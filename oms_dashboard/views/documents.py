"""Printable package document and shipping label, with the package number as a Code 128 barcode."""

from __future__ import annotations

from flask import Blueprint, render_template

from ..barcodes import code128_svg
from ..errors import AppError
from ..selectors.packages import get_package
from .auth import current_actor, require_login

documents_blueprint = Blueprint("documents", __name__, url_prefix="/packages")
documents_blueprint.before_request(require_login)


@documents_blueprint.get("/<id:package_id>/document")
def package_document(package_id: int):
    package = get_package(package_id=package_id, actor=current_actor(), hide_other_locations=True)
    return render_template("documents/package_document.html", package=package, barcode=code128_svg(package.number))


@documents_blueprint.get("/<id:package_id>/label")
def shipping_label(package_id: int):
    package = get_package(package_id=package_id, actor=current_actor(), hide_other_locations=True)
    shipment = package.shipment
    if shipment is None or not shipment.label:
        raise AppError(404, {"detail": "This package has no shipping label yet: it gets one when it is packed."})
    return render_template(
        "documents/shipping_label.html",
        package=package,
        label=shipment.label,
        package_barcode=code128_svg(package.number),
        tracking_barcode=code128_svg(shipment.tracking_number or ""),
    )
