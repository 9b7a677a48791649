"""Scan to pack on the package page: a scanner ticks the items off one by one, then Packaging Completed.

Scanning changes nothing, so it is a GET that carries the codes accepted so far (hidden inputs) and
the new `code`; the answer is the scan panel (htmx) or the whole package page (a plain form). Only
packing is a POST, through the command service.
"""

from __future__ import annotations

from typing import Annotated, Any

from flask import Blueprint, flash, render_template, request, url_for
from flask_babel import gettext
from pydantic import BaseModel, ConfigDict, Field

from ..errors import AppError
from ..selectors.package_pages import PackageDetail, package_detail
from ..selectors.scan_to_pack import ScanProgress, progress_of, scan_package
from ..services.commands import run_command
from ..validation import parse, text
from .auth import current_actor, require_login
from .htmx import redirect_to, wants_fragment
from .packages import render_package_page
from .results import result_message

scan_blueprint = Blueprint("scan", __name__, url_prefix="/packages")
scan_blueprint.before_request(require_login)

# A package holds at most an order's units (1000), so the codes of one package are never more.
MAX_SCANNED = 1000
ScannedCode = text(64)
NewCode = text(64, blank=True)  # Enter on an empty field scans nothing


class ScanInput(BaseModel):
    model_config = ConfigDict(extra="forbid")  # only the two keys read from the query or form below

    scanned: Annotated[list[ScannedCode], Field(max_length=MAX_SCANNED)] = []
    code: NewCode = ""


def _scan_input(values: Any, *, with_code: bool) -> ScanInput:
    data: dict[str, Any] = {"scanned": values.getlist("scanned")}
    if with_code:
        data["code"] = values.get("code", "")
    if len(values.getlist("code")) > 1:
        raise AppError.field("code", gettext("Send one code at a time."))
    return parse(ScanInput, data)


@scan_blueprint.app_template_global()
def scan_start(detail: PackageDetail) -> ScanProgress:
    """The scan panel before the first scan (the package page as the package view renders it)."""
    return progress_of(detail, [])


@scan_blueprint.get("/<id:package_id>/scan")
def scan(package_id: int):
    inputs = _scan_input(request.args, with_code=True)
    page = scan_package(package_id=package_id, actor=current_actor(), scanned=inputs.scanned, code=inputs.code)
    if page.opens is not None:  # the number of another package: the scanner means "open it"
        return redirect_to(url_for("packages.detail", package_id=page.opens))
    status = 422 if page.progress.refusal else 200
    if wants_fragment():
        return render_template(
            "packages/_scan.html", package=page.detail.package, detail=page.detail, scan=page.progress
        ), status
    return render_package_page(page.detail, scan=page.progress, status=status)


@scan_blueprint.post("/<id:package_id>/scan/pack")
def pack(package_id: int):
    actor = current_actor()
    inputs = _scan_input(request.form, with_code=False)
    page = scan_package(package_id=package_id, actor=actor, scanned=inputs.scanned, code=None)
    progress = page.progress
    if progress.packing is None:
        return render_package_page(page.detail, error=gettext("This package cannot be packed now."), status=409)
    if not progress.complete:
        progress.refusal = gettext(
            "Scan every item first: %(count)s of %(total)s scanned.", count=progress.count, total=progress.total
        )
        return render_package_page(page.detail, scan=progress, status=422)
    by_scan = progress.packing.command == "CHANNEL_BASED_COMPLETE_PACKAGING"
    try:
        result = run_command(
            package_id=package_id,
            actor=actor,
            transition_id=progress.packing.id,
            input_parameters={"barcodes": progress.scanned} if by_scan else {},
        )
    except AppError as failure:
        fresh = package_detail(package_id=package_id, actor=actor)
        return render_package_page(
            fresh, scan=progress_of(fresh, []), error=failure.message, status=failure.status_code
        )
    if wants_fragment():
        return render_package_page(
            package_detail(package_id=package_id, actor=actor), message=result_message(result, actor)
        )
    flash(result_message(result, actor), "success")
    return redirect_to(url_for("packages.detail", package_id=package_id))
