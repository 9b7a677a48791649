"""Printable package documents (A4) and shipping labels (100 × 150 mm), one or a batch in one print job,
as pages to print and as PDF downloads."""

from __future__ import annotations

import base64

from flask import Blueprint, Response, render_template
from flask_babel import gettext

from ..barcodes import code128_svg
from ..errors import AppError
from ..models import Package
from ..pdf_documents import documents_pdf, labels_pdf
from ..selectors.documents import label_content, printable_package, printable_packages
from ..selectors.packages import get_package
from .auth import current_actor, require_login
from .params import print_batch_query

documents_blueprint = Blueprint("documents", __name__, url_prefix="/packages")
documents_blueprint.before_request(require_login)


def _pdf(content: bytes, filename: str) -> Response:
    response = Response(content, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _document_sheet(package: Package) -> dict:
    return {"package": package, "barcode": code128_svg(package.number)}


def _label_sheet(package: Package) -> dict:
    label = label_content(package)
    return {
        "label": label,
        "tracking_barcode": code128_svg(label.tracking_number),
        "package_barcode": code128_svg(label.package_number),
    }


# --- one package -------------------------------------------------------------------------------


@documents_blueprint.get("/<id:package_id>/document")
def package_document(package_id: int):
    package = printable_package(package_id=package_id, actor=current_actor(), needs_label=False)
    return render_template("documents/package_document.html", package=package, sheets=[_document_sheet(package)])


@documents_blueprint.get("/<id:package_id>/document.pdf")
def package_document_pdf(package_id: int):
    package = printable_package(package_id=package_id, actor=current_actor(), needs_label=False)
    # The file is named by the id: a package number may hold any text.
    return _pdf(
        documents_pdf([package], title=gettext("Package document %(number)s", number=package.number)),
        f"document-{package.id}.pdf",
    )


@documents_blueprint.get("/<id:package_id>/label")
def shipping_label(package_id: int):
    package = printable_package(package_id=package_id, actor=current_actor(), needs_label=True)
    return render_template(
        "documents/shipping_label.html", package=package, shipment=package.shipment, sheets=[_label_sheet(package)]
    )


@documents_blueprint.get("/<id:package_id>/label.pdf")
def shipping_label_pdf(package_id: int):
    package = printable_package(package_id=package_id, actor=current_actor(), needs_label=True)
    return _pdf(
        labels_pdf([label_content(package)], title=gettext("Shipping label %(number)s", number=package.number)),
        f"label-{package.id}.pdf",
    )


@documents_blueprint.get("/<id:package_id>/label/carrier")
def carrier_label(package_id: int):
    """The label document the carrier sent (UPDATE_SHIPMENT_LABEL): a PDF to open, or ZPL for a thermal printer."""
    package = get_package(package_id=package_id, actor=current_actor(), hide_other_locations=True)
    shipment = package.shipment
    if shipment is None or not shipment.label_document:
        raise AppError(404, {"detail": gettext("The carrier has sent no label document for this package.")})
    is_pdf = shipment.label_format == "pdf"
    response = Response(
        base64.b64decode(shipment.label_document), mimetype="application/pdf" if is_pdf else "application/octet-stream"
    )
    filename = f"label-{package.id}.{'pdf' if is_pdf else 'zpl'}"  # the id: numbers may hold any text
    response.headers["Content-Disposition"] = f'{"inline" if is_pdf else "attachment"}; filename="{filename}"'
    return response


# --- a batch: many packages in one print job ---------------------------------------------------
# A package the user may not open, or (for labels) one without a label, is listed as skipped on the
# page rather than failing the whole job; the PDF holds the printable ones.


@documents_blueprint.get("/labels")
def labels():
    query = print_batch_query()
    batch = printable_packages(package_ids=query.package_ids, actor=current_actor(), needs_label=True)
    return render_template(
        "documents/shipping_labels.html",
        batch=batch,
        sheets=[_label_sheet(package) for package in batch.packages],
        pdf_url_ids=query.package_ids,
    )


@documents_blueprint.get("/labels.pdf", endpoint="labels_pdf")
def labels_pdf_download():
    query = print_batch_query()
    batch = printable_packages(package_ids=query.package_ids, actor=current_actor(), needs_label=True)
    if not batch.packages:
        raise AppError(404, {"detail": gettext("None of these packages has a shipping label you may print.")})
    content = labels_pdf([label_content(package) for package in batch.packages], title=gettext("Shipping labels"))
    return _pdf(content, f"labels-{len(batch.packages)}-packages.pdf")


@documents_blueprint.get("/documents")
def documents():
    query = print_batch_query()
    batch = printable_packages(package_ids=query.package_ids, actor=current_actor(), needs_label=False)
    return render_template(
        "documents/package_documents.html",
        batch=batch,
        sheets=[_document_sheet(package) for package in batch.packages],
        pdf_url_ids=query.package_ids,
    )


@documents_blueprint.get("/documents.pdf", endpoint="documents_pdf")
def documents_pdf_download():
    query = print_batch_query()
    batch = printable_packages(package_ids=query.package_ids, actor=current_actor(), needs_label=False)
    if not batch.packages:
        raise AppError(404, {"detail": gettext("None of these packages is one you may print.")})
    content = documents_pdf(batch.packages, title=gettext("Package documents"))
    return _pdf(content, f"documents-{len(batch.packages)}-packages.pdf")
