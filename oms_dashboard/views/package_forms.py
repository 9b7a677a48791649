"""Forms of the package actions; each turns its fields into the command's `input_parameters`.

The command service validates those again: the forms only make the page usable (labels,
choices, required fields) and parse what a person typed.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    RadioField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    widgets,
)
from wtforms.validators import URL, DataRequired, Length, Optional, Regexp

from ..i18n import N_
from ..models import Package
from ..selectors.manual_planning import stock_for_manual_planning
from ..selectors.package_pages import active_cargo_companies, active_denial_reasons

# The blank choice of a cargo company select whose form names none of its own (`no_cargo_company`).
PICK_A_CARGO_COMPANY = N_("Pick a cargo company…")


class MultiCheckboxField(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class CommandForm(FlaskForm):
    """A command without input: the form is its CSRF token and a button."""

    # A sentence above the fields, when the fields alone do not say what the command does.
    intro: str | None = None

    def input_parameters(self) -> dict[str, Any]:
        return {}


def missing_items_field() -> MultiCheckboxField:
    """The items a person reports not found or wrong (packages and transfers alike)."""
    return MultiCheckboxField(
        _l("Items not found or wrong"),
        coerce=int,
        validators=[DataRequired(_l("Tick the items that are missing or wrong."))],
    )


def missing_reason_field() -> RadioField:
    return RadioField(
        _l("What is wrong with them"),
        choices=[
            SelectChoice("not_found", _l("Not found")),
            SelectChoice("wrong_product", _l("Wrong or defective product")),
        ],
        default="not_found",
    )


def missing_parameters(items_key: str, form: Any) -> dict[str, Any]:
    """`input_parameters` of a not-found report: the ticked items under `items_key`, the reason, the denial reason."""
    parameters: dict[str, Any] = {items_key: getattr(form, items_key).data, "reason": form.reason.data}
    if form.denial_reason.data:
        parameters["denial_reason"] = form.denial_reason.data
    return parameters


class OutOfStockForm(CommandForm):
    package_items = missing_items_field()
    reason = missing_reason_field()
    denial_reason = SelectField(_l("Reason"), coerce=int, validators=[Optional()])

    def input_parameters(self) -> dict[str, Any]:
        return missing_parameters("package_items", self)


class RefuseForm(CommandForm):
    denial_reason = SelectField(_l("Reason"), coerce=int, validators=[DataRequired(_l("Pick a reason."))])

    def input_parameters(self) -> dict[str, Any]:
        return {"denial_reason": self.denial_reason.data}


class ShipAdvancedForm(CommandForm):
    cargo_company = SelectField(_l("Cargo company"), coerce=int, validators=[DataRequired(_l("Pick a cargo company."))])
    tracking_number = StringField(_l("Tracking number"), validators=[DataRequired(), Length(max=128)])

    def input_parameters(self) -> dict[str, Any]:
        return {"cargo_company": self.cargo_company.data, "tracking_number": self.tracking_number.data.strip()}


class BarcodePackingForm(CommandForm):
    barcodes = TextAreaField(
        _l("Scanned barcodes, one per line"), validators=[DataRequired(_l("Scan the items of the package."))]
    )

    def input_parameters(self) -> dict[str, Any]:
        return {"barcodes": [line.strip() for line in self.barcodes.data.splitlines() if line.strip()]}


class ShipmentInfoForm(CommandForm):
    no_cargo_company = N_("Keep the current one")
    cargo_company = SelectField(_l("Cargo company"), coerce=int, validators=[Optional()])
    tracking_number = StringField(_l("Tracking number"), validators=[Optional(), Length(max=128)])

    def input_parameters(self) -> dict[str, Any]:
        parameters: dict[str, Any] = {}
        if self.cargo_company.data:
            parameters["cargo_company"] = self.cargo_company.data
        if self.tracking_number.data and self.tracking_number.data.strip():
            parameters["tracking_number"] = self.tracking_number.data.strip()
        return parameters


class InvoiceForm(CommandForm):
    invoice_number = StringField(_l("Invoice number"), validators=[DataRequired(), Length(max=64)])
    invoice_date = DateField(_l("Invoice date"), validators=[Optional()])
    invoice_url = StringField(_l("Invoice URL"), validators=[Optional(), URL(), Length(max=512)])

    def input_parameters(self) -> dict[str, Any]:
        parameters: dict[str, Any] = {"invoice_number": self.invoice_number.data.strip()}
        if self.invoice_date.data:
            parameters["invoice_date"] = self.invoice_date.data.isoformat()
        if self.invoice_url.data:
            parameters["invoice_url"] = self.invoice_url.data.strip()
        return parameters


def _tracking_and_carrier(form: CommandForm) -> dict[str, Any]:
    """The optional tracking number and cargo company of a shipping form, when given."""
    parameters: dict[str, Any] = {}
    if form.cargo_company.data:
        parameters["cargo_company"] = form.cargo_company.data
    if form.tracking_number.data and form.tracking_number.data.strip():
        parameters["tracking_number"] = form.tracking_number.data.strip()
    return parameters


class ShipWithoutIntegrationForm(CommandForm):
    """SHIP_WITHOUT_SHIPMENT_INTEGRATION: shipped by hand, with what the carrier's slip says, if anything."""

    no_cargo_company = N_("Keep the current one")
    tracking_number = StringField(_l("Tracking number"), validators=[Optional(), Length(max=128)])
    cargo_company = SelectField(_l("Cargo company"), coerce=int, validators=[Optional()])

    def input_parameters(self) -> dict[str, Any]:
        return _tracking_and_carrier(self)


class ShipmentOrderForm(CommandForm):
    """SHIPMENT_ORDER: ask the carrier for a label; the location's default carrier unless another is picked."""

    no_cargo_company = N_("The location's default carrier")
    cargo_company = SelectField(_l("Cargo company"), coerce=int, validators=[Optional()])

    def input_parameters(self) -> dict[str, Any]:
        return {"cargo_company": self.cargo_company.data} if self.cargo_company.data else {}


class ShipmentLabelForm(CommandForm):
    """UPDATE_SHIPMENT_LABEL from the page: the label's address and what it says (no file upload here)."""

    no_cargo_company = N_("Keep the current one")
    tracking_number = StringField(_l("Tracking number"), validators=[Optional(), Length(max=128)])
    cargo_company = SelectField(_l("Cargo company"), coerce=int, validators=[Optional()])
    label_url = StringField(
        _l("Label URL"),
        validators=[
            Optional(),
            Length(max=512),
            Regexp(r"^https?://\S+$", message=_l("Give the label's http:// or https:// address.")),
        ],
    )

    def input_parameters(self) -> dict[str, Any]:
        parameters = _tracking_and_carrier(self)
        if self.label_url.data and self.label_url.data.strip():
            parameters["label_url"] = self.label_url.data.strip()
        return parameters


class PickupForm(CommandForm):
    """SELF_SERVICE_DELIVERY: the customer collects the package, showing their pickup code if they have one."""

    pickup_code = StringField(_l("Pickup code"), validators=[Optional(), Length(max=32)])

    def input_parameters(self) -> dict[str, Any]:
        code = (self.pickup_code.data or "").strip()
        return {"pickup_code": code} if code else {}


class ManualPlanningForm(CommandForm):
    """MANUAL_PLANNING: a location for every active item; the items of one location make one new package.

    The fields depend on the package: `for_package` makes one select per active item, each option a location
    with the units of that item's product available there.
    """

    intro = _l(
        "Pick where each item goes. Items sent to the same location become one new package there; "
        "this package is then cancelled."
    )
    item_fields: list[tuple[int, str]] = []  # (package item id, field name), in the package's order

    @classmethod
    def for_package(cls, package: Package, formdata: Any = None) -> ManualPlanningForm:
        items = package.active_items
        locations = stock_for_manual_planning(item.product_id for item in items)
        attributes: dict[str, Any] = {"item_fields": [(item.id, f"item_{item.id}") for item in items]}
        units = Counter(item.product_id for item in items)
        seen: Counter[int] = Counter()
        for item in items:
            seen[item.product_id] += 1
            # Two units of one SKU get one select each: "A · Tea Glass (2 of 2)" tells them apart.
            which = (
                " " + gettext("(%(n)s of %(total)s)", n=seen[item.product_id], total=units[item.product_id])
                if units[item.product_id] > 1
                else ""
            )
            choices = [SelectChoice("", gettext("Pick a location…"))] + [
                SelectChoice(
                    location.erp_code,
                    gettext(
                        "%(name)s (%(code)s) · %(units)s available",
                        name=location.name,
                        code=location.erp_code,
                        units=location.units(item.product_id),
                    ),
                )
                for location in locations
            ]
            attributes[f"item_{item.id}"] = SelectField(
                f"{item.product.sku} · {item.product.name}{which}",
                choices=choices,
                validators=[DataRequired(gettext("Pick a location for this item."))],
            )
        return type("ManualPlanningPackageForm", (cls,), attributes)(formdata=formdata)

    def input_parameters(self) -> dict[str, Any]:
        groups: dict[str, list[int]] = {}
        for item_id, name in self.item_fields:
            groups.setdefault(self[name].data, []).append(item_id)
        return {
            "assignment_groups": [
                {"package_items": item_ids, "stock_location": code} for code, item_ids in groups.items()
            ]
        }


FORMS: dict[str, type[CommandForm]] = {
    "DETECTED_OUT_OF_STOCK_ITEM": OutOfStockForm,
    "DETECTED_OUT_OF_STOCK_ITEM_ADVANCED": OutOfStockForm,
    "REFUSE_WITH_DENIAL_REASON": RefuseForm,
    "SHIP_ADVANCED": ShipAdvancedForm,
    "CHANNEL_BASED_COMPLETE_PACKAGING": BarcodePackingForm,
    "UPDATE_SHIPMENT_INFO": ShipmentInfoForm,
    "UPDATE_INVOICE": InvoiceForm,
    "SHIP_WITHOUT_SHIPMENT_INTEGRATION": ShipWithoutIntegrationForm,
    "SHIPMENT_ORDER": ShipmentOrderForm,
    "UPDATE_SHIPMENT_LABEL": ShipmentLabelForm,
    "SELF_SERVICE_DELIVERY": PickupForm,
    "MANUAL_PLANNING": ManualPlanningForm,
    # UPDATE_SHIPMENT_STATUS has one transition per outcome (Delivered, Delivery Attempted, Delivery Failed):
    # a plain button, the transition's destination is the outcome.
}


def needs_form(command: str) -> bool:
    return command in FORMS


def build_form(command: str, *, package: Package, formdata: Any = None) -> CommandForm:
    """The command's form with its choices: the package's items, active denial reasons, cargo companies."""
    form_class = FORMS.get(command, CommandForm)
    if issubclass(form_class, ManualPlanningForm):
        return form_class.for_package(package, formdata=formdata)
    form = form_class(formdata=formdata)
    if isinstance(form, OutOfStockForm):
        form.package_items.choices = [
            SelectChoice(item.id, f"{item.product.sku} · {item.product.name}") for item in package.active_items
        ]
    if hasattr(form, "denial_reason"):
        blank = gettext("No reason given") if isinstance(form, OutOfStockForm) else gettext("Pick a reason…")
        reasons = active_denial_reasons()
        form.denial_reason.choices = [SelectChoice(0, blank)] + [SelectChoice(r.id, gettext(r.title)) for r in reasons]
    if hasattr(form, "cargo_company"):
        blank = gettext(getattr(form, "no_cargo_company", PICK_A_CARGO_COMPANY))
        companies = active_cargo_companies()
        form.cargo_company.choices = [SelectChoice(0, blank)] + [SelectChoice(c.id, c.name) for c in companies]
    return form
