"""Printable package document and shipping label, with the package number as a Code 128 barcode."""

from __future__ import annotations

import base64

from flask import Blueprint, Response, render_template

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
        shipment=shipment,
        label=shipment.label,
        package_barcode=code128_svg(package.number),
        tracking_barcode=code128_svg(shipment.tracking_number or ""),
    )


@documents_blueprint.get("/<id:package_id>/label/carrier")
def carrier_label(package_id: int):
    """The label document the carrier sent (UPDATE_SHIPMENT_LABEL): a PDF to open, or ZPL for a thermal printer."""
    package = get_package(package_id=package_id, actor=current_actor(), hide_other_locations=True)
    shipment = package.shipment
    if shipment is None or not shipment.label_document:
        raise AppError(404, {"detail": "The carrier has sent no label document for this package."})
    is_pdf = shipment.label_format == "pdf"
    response = Response(
        base64.b64decode(shipment.label_document), mimetype="application/pdf" if is_pdf else "application/octet-stream"
    )
    filename = f"label-{package.id}.{'pdf' if is_pdf else 'zpl'}"  # the id: numbers may hold any text
    response.headers["Content-Disposition"] = f'{"inline" if is_pdf else "attachment"}; filename="{filename}"'
    return response
