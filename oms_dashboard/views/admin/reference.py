"""Carriers (cargo companies) and denial reasons: list, create, edit."""

from __future__ import annotations

from typing import Any

from flask import flash, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectChoice, SelectField, StringField

from ...errors import AppError
from ...models import CargoCompany, DenialReason
from ...selectors import admin as selectors
from ...services.masterdata.catalog import create_carrier, upsert_carriers
from ...services.masterdata.reference import add_denial_reason, update_denial_reason
from ...services.masterdata.rows import CarrierRow, DenialReasonChanges, DenialReasonRow
from ...states import PackageStatus
from ...validation import parse
from ..htmx import redirect_to
from . import admin_blueprint
from .formtools import number_or_blank, show_errors, text_or_none, values

# --- carriers --------------------------------------------------------------------------------------


class CarrierForm(FlaskForm):
    name = StringField(_l("Name"), render_kw={"maxlength": 128})
    label_mode = SelectField(
        _l("Label mode"),
        choices=[
            SelectChoice("sync", _l("Synchronous: the label is made with the shipment")),
            SelectChoice("async", _l("Asynchronous: the carrier sends it later")),
        ],
        validate_choice=False,
        description=_l(
            "Asynchronous: packed packages wait in %(state)s until the label arrives.",
            state=_l(PackageStatus.WAITING_CARGO_LABEL.label),
        ),
    )
    tracking_url_template = StringField(
        _l("Tracking URL template"),
        description=_l(
            "%(placeholder)s is replaced by the shipment's tracking number. Blank: no tracking link.",
            placeholder="{tracking_number}",
        ),
        # An example address, in the page's language.
        render_kw={"maxlength": 512, "placeholder": _l("https://track.example.com/?code={tracking_number}")},
    )
    is_active = BooleanField(
        _l("Active"), default=True, description=_l("Inactive: no longer offered for new shipments.")
    )

    def row(self) -> dict[str, Any]:
        data = values(self, "name", "label_mode", "is_active")
        data["tracking_url_template"] = text_or_none(self.tracking_url_template)
        return data


class NewCarrierForm(CarrierForm):
    erp_code = StringField(
        _l("ERP code"), description=_l("The ERP's key for it; cannot be changed later."), render_kw={"maxlength": 64}
    )

    def row(self) -> dict[str, Any]:
        return values(self, "erp_code") | super().row()


@admin_blueprint.get("/carriers")
def carriers():
    return render_template("admin/carriers.html", carriers=selectors.cargo_companies())


@admin_blueprint.route("/carriers/new", methods=["GET", "POST"])
def carriers_new():
    form = NewCarrierForm()
    errors: list[str] = []
    if form.validate_on_submit():
        try:
            carrier = create_carrier(row=parse(CarrierRow, form.row()))
        except AppError as error:
            errors = show_errors(form, error)
        else:
            flash(_("Carrier %(name)s created.", name=carrier.name), "success")
            return redirect_to(url_for("admin.carriers"))
    status = 400 if request.method == "POST" else 200
    return render_template("admin/carriers_form.html", form=form, carrier=None, errors=errors), status


@admin_blueprint.route("/carriers/<id:carrier_id>/edit", methods=["GET", "POST"])
def carriers_edit(carrier_id: int):
    carrier = selectors.one(CargoCompany, carrier_id)
    form = CarrierForm(
        data={
            "name": carrier.name,
            "label_mode": carrier.label_mode,
            "tracking_url_template": carrier.tracking_url_template or "",
            "is_active": carrier.is_active,
        }
    )
    errors: list[str] = []
    if form.validate_on_submit():
        try:
            # Carriers are matched by erp_code, which the form does not change.
            upsert_carriers(rows=[parse(CarrierRow, {"erp_code": carrier.erp_code} | form.row())])
        except AppError as error:
            errors = show_errors(form, error)
        else:
            flash(_("Carrier %(name)s saved.", name=form.name.data.strip()), "success")
            return redirect_to(url_for("admin.carriers"))
    status = 400 if request.method == "POST" else 200
    return render_template("admin/carriers_form.html", form=form, carrier=carrier, errors=errors), status


# --- denial reasons --------------------------------------------------------------------------------


def shown_title(title: str) -> str:
    """A reason's title in the page's language: `oms install`'s defaults are in the catalogue; one an
    installation added is shown as written (plain text, escaped by the page)."""
    return _(title)


class DenialReasonForm(FlaskForm):
    title = StringField(_l("Title"), render_kw={"maxlength": 255})
    priority = StringField(
        _l("Priority"),
        default="0",
        description=_l("Lower comes first in the lists staff pick from."),
        render_kw={"inputmode": "numeric", "autocomplete": "off"},
    )
    is_active = BooleanField(
        _l("Active"), default=True, description=_l("Inactive: no longer offered; packages that used it keep it.")
    )

    def row(self) -> dict[str, Any]:
        data = values(self, "title", "is_active")
        priority = number_or_blank(self.priority)
        data["priority"] = 0 if priority is None else priority
        return data


@admin_blueprint.get("/denial-reasons")
def denial_reasons():
    return render_template("admin/denial_reasons.html", reasons=selectors.denial_reasons(), shown_title=shown_title)


@admin_blueprint.route("/denial-reasons/new", methods=["GET", "POST"])
def denial_reasons_new():
    form = DenialReasonForm()
    errors: list[str] = []
    if form.validate_on_submit():
        try:
            reason = add_denial_reason(row=parse(DenialReasonRow, form.row()))
        except AppError as error:
            errors = show_errors(form, error)
        else:
            flash(_("Denial reason “%(title)s” created.", title=reason.title), "success")
            return redirect_to(url_for("admin.denial_reasons"))
    status = 400 if request.method == "POST" else 200
    return render_template("admin/denial_reasons_form.html", form=form, reason=None, errors=errors), status


@admin_blueprint.route("/denial-reasons/<id:reason_id>/edit", methods=["GET", "POST"])
def denial_reasons_edit(reason_id: int):
    reason = selectors.one(DenialReason, reason_id)
    form = DenialReasonForm(
        data={"title": reason.title, "priority": str(reason.priority), "is_active": reason.is_active}
    )
    errors: list[str] = []
    if form.validate_on_submit():
        try:
            saved = update_denial_reason(reason_id=reason_id, changes=parse(DenialReasonChanges, form.row()))
        except AppError as error:
            errors = show_errors(form, error)
        else:
            flash(_("Denial reason “%(title)s” saved.", title=saved.title), "success")
            return redirect_to(url_for("admin.denial_reasons"))
    status = 400 if request.method == "POST" else 200
    return (
        render_template(
            "admin/denial_reasons_form.html", form=form, reason=reason, errors=errors, shown_title=shown_title
        ),
        status,
    )
