"""Stock locations: list, create, edit. `quota` is derived from the packages and only shown (DESIGN §3, §7)."""

from __future__ import annotations

from typing import Any

from flask import current_app, flash, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectChoice, SelectField, StringField

from ...errors import AppError
from ...models import StockLocation
from ...selectors import admin as selectors
from ...services.masterdata.locations import create_location, update_location
from ...services.masterdata.rows import LocationChanges, LocationRow
from ...states import PackageStatus
from ...templating import LOCATION_TYPES
from ...validation import parse
from ..htmx import redirect_to
from . import admin_blueprint
from .formtools import number_or_blank, show_errors, shown, values

NUMBER = {"inputmode": "numeric", "autocomplete": "off"}


class LocationForm(FlaskForm):
    """The fields an admin may change; `quota` is not one of them."""

    name = StringField(_l("Name"), render_kw={"maxlength": 128})
    type = SelectField(
        _l("Type"),
        choices=[SelectChoice(kind, _l(name)) for kind, name in LOCATION_TYPES.items()],
        validate_choice=False,
    )
    city = StringField(_l("City"), render_kw={"maxlength": 64})
    priority = StringField(
        _l("Priority"), default="0", description=_l("Higher is preferred by planning."), render_kw=NUMBER
    )
    max_quota = StringField(
        _l("Max quota"),
        description=_l("Packages it may hold in quota-holding statuses at once. Blank: unlimited."),
        render_kw=NUMBER,
    )
    # The service names an unknown code ("Unknown cargo company …"), as the API does.
    default_cargo_company = SelectField(_l("Default carrier"), validate_choice=False)
    # An IANA name; the row model refuses any other (its description names the default: see `_describe_time_zone`).
    timezone = StringField(
        _l("Time zone"),
        render_kw={"maxlength": 64, "autocomplete": "off", "autocapitalize": "none", "spellcheck": "false"},
    )
    is_active = BooleanField(_l("Active"), default=True, description=_l("Inactive: planning no longer chooses it."))
    remote_fulfilment = BooleanField(
        _l("Remote fulfilment"),
        description=_l(
            "A 3PL or dropship location run by the ERP: its packages start in %(state)s.",
            state=_l(PackageStatus.WAITING_REMOTE_ACTION.label),
        ),
    )
    is_pickup_location = BooleanField(_l("Pickup location"), description=_l("Customers may collect their orders here."))

    def row(self) -> dict[str, Any]:
        """What was typed, in the shape of the row model (which judges it)."""
        # `timezone` as typed: the row model strips it, and blank is the default zone (None).
        data = values(self, "name", "type", "city", "timezone", "is_active", "remote_fulfilment", "is_pickup_location")
        priority = number_or_blank(self.priority)
        data["priority"] = 0 if priority is None else priority
        data["max_quota"] = number_or_blank(self.max_quota)
        data["default_cargo_company"] = self.default_cargo_company.data or None
        return data


class NewLocationForm(LocationForm):
    erp_code = StringField(_l("ERP code"), description=_l("The ERP's key for it; cannot be changed later."))

    def row(self) -> dict[str, Any]:
        return values(self, "erp_code") | super().row()


def _carrier_choices(form: LocationForm, current: StockLocation | None = None) -> None:
    """Active carriers, and the location's own even when it is inactive (so saving keeps it)."""
    keep = current.default_cargo_company_id if current else None
    form.default_cargo_company.choices = [SelectChoice("", _("None"))] + [
        SelectChoice(
            carrier.erp_code, carrier.name if carrier.is_active else _("%(name)s (inactive)", name=carrier.name)
        )
        for carrier in selectors.cargo_companies()
        if carrier.is_active or carrier.id == keep
    ]


def _describe_time_zone(form: LocationForm) -> None:
    """The hint names the zone a blank box means (OMS_TIMEZONE)."""
    form.timezone.description = _(
        "e.g. Europe/Istanbul; empty uses the default (%(zone)s).", zone=current_app.config["TIMEZONE"]
    )


@admin_blueprint.get("/locations")
def locations():
    search = request.args.get("q", "").strip()[:64]
    return render_template("admin/locations.html", locations=selectors.stock_locations(search=search), search=search)


@admin_blueprint.route("/locations/new", methods=["GET", "POST"])
def locations_new():
    form = NewLocationForm()
    _carrier_choices(form)
    _describe_time_zone(form)
    errors: list[str] = []
    if form.validate_on_submit():
        try:
            location = create_location(row=parse(LocationRow, form.row()))
        except AppError as error:
            errors = show_errors(form, error)
        else:
            flash(_("Stock location %(code)s created.", code=location.erp_code), "success")
            return redirect_to(url_for("admin.locations"))
    status = 400 if request.method == "POST" else 200
    return render_template("admin/locations_form.html", form=form, location=None, errors=errors), status


@admin_blueprint.route("/locations/<id:location_id>/edit", methods=["GET", "POST"])
def locations_edit(location_id: int):
    location = selectors.one(StockLocation, location_id)
    form = LocationForm(
        data={
            "name": location.name,
            "type": location.type,
            "city": location.city,
            "priority": str(location.priority),
            "max_quota": "" if location.max_quota is None else str(location.max_quota),
            "default_cargo_company": location.default_cargo_company.erp_code if location.default_cargo_company else "",
            "is_active": location.is_active,
            "remote_fulfilment": location.remote_fulfilment,
            "is_pickup_location": location.is_pickup_location,
            "timezone": location.timezone or "",
        }
    )
    _carrier_choices(form, location)
    _describe_time_zone(form)
    errors: list[str] = []
    if form.validate_on_submit():
        try:
            saved, notices = update_location(location_id=location_id, changes=parse(LocationChanges, form.row()))
        except AppError as error:
            errors = show_errors(form, error)
        else:
            flash(_("Stock location %(code)s saved.", code=saved.erp_code), "success")
            for notice in notices:  # e.g. deactivated with packages still open there
                flash(shown(notice), "warning")
            return redirect_to(url_for("admin.locations"))
    status = 400 if request.method == "POST" else 200
    return render_template("admin/locations_form.html", form=form, location=location, errors=errors), status
