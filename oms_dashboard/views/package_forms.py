"""Forms of the package actions; each turns its fields into the command's `input_parameters`.

The command service validates those again: the forms only make the page usable (labels,
choices, required fields) and parse what a person typed.
"""

from __future__ import annotations

from typing import Any

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
from wtforms.validators import URL, DataRequired, Length, Optional

from ..models import Package
from ..selectors.package_pages import active_cargo_companies, active_denial_reasons


class MultiCheckboxField(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class CommandForm(FlaskForm):
    """A command without input: the form is its CSRF token and a button."""

    def input_parameters(self) -> dict[str, Any]:
        return {}


class OutOfStockForm(CommandForm):
    package_items = MultiCheckboxField(
        "Items not found or wrong", coerce=int, validators=[DataRequired("Tick the items that are missing or wrong.")]
    )
    reason = RadioField(
        "What is wrong with them",
        choices=[SelectChoice("not_found", "Not found"), SelectChoice("wrong_product", "Wrong or defective product")],
        default="not_found",
    )
    denial_reason = SelectField("Reason", coerce=int, validators=[Optional()])

    def input_parameters(self) -> dict[str, Any]:
        parameters: dict[str, Any] = {"package_items": self.package_items.data, "reason": self.reason.data}
        if self.denial_reason.data:
            parameters["denial_reason"] = self.denial_reason.data
        return parameters


class RefuseForm(CommandForm):
    denial_reason = SelectField("Reason", coerce=int, validators=[DataRequired("Pick a reason.")])

    def input_parameters(self) -> dict[str, Any]:
        return {"denial_reason": self.denial_reason.data}


class ShipAdvancedForm(CommandForm):
    cargo_company = SelectField("Cargo company", coerce=int, validators=[DataRequired("Pick a cargo company.")])
    tracking_number = StringField("Tracking number", validators=[DataRequired(), Length(max=128)])

    def input_parameters(self) -> dict[str, Any]:
        return {"cargo_company": self.cargo_company.data, "tracking_number": self.tracking_number.data.strip()}


class BarcodePackingForm(CommandForm):
    barcodes = TextAreaField(
        "Scanned barcodes, one per line", validators=[DataRequired("Scan the items of the package.")]
    )

    def input_parameters(self) -> dict[str, Any]:
        return {"barcodes": [line.strip() for line in self.barcodes.data.splitlines() if line.strip()]}


class ShipmentStatusForm(CommandForm):
    outcome = RadioField(
        "Delivery",
        choices=[
            SelectChoice("delivered", "Delivered"),
            SelectChoice("attempted_delivery", "Delivery attempted"),
            SelectChoice("delivery_failed", "Delivery failed"),
        ],
        default="delivered",
    )

    def input_parameters(self) -> dict[str, Any]:
        if self.outcome.data == "delivered":
            return {"delivered_status": True}
        return {"delivered_status": False, "status": self.outcome.data}


class ShipmentInfoForm(CommandForm):
    cargo_company = SelectField("Cargo company", coerce=int, validators=[Optional()])
    tracking_number = StringField("Tracking number", validators=[Optional(), Length(max=128)])

    def input_parameters(self) -> dict[str, Any]:
        parameters: dict[str, Any] = {}
        if self.cargo_company.data:
            parameters["cargo_company"] = self.cargo_company.data
        if self.tracking_number.data and self.tracking_number.data.strip():
            parameters["tracking_number"] = self.tracking_number.data.strip()
        return parameters


class InvoiceForm(CommandForm):
    invoice_number = StringField("Invoice number", validators=[DataRequired(), Length(max=64)])
    invoice_date = DateField("Invoice date", validators=[Optional()])
    invoice_url = StringField("Invoice URL", validators=[Optional(), URL(), Length(max=512)])

    def input_parameters(self) -> dict[str, Any]:
        parameters: dict[str, Any] = {"invoice_number": self.invoice_number.data.strip()}
        if self.invoice_date.data:
            parameters["invoice_date"] = self.invoice_date.data.isoformat()
        if self.invoice_url.data:
            parameters["invoice_url"] = self.invoice_url.data.strip()
        return parameters


FORMS: dict[str, type[CommandForm]] = {
    "DETECTED_OUT_OF_STOCK_ITEM": OutOfStockForm,
    "DETECTED_OUT_OF_STOCK_ITEM_ADVANCED": OutOfStockForm,
    "REFUSE_WITH_DENIAL_REASON": RefuseForm,
    "SHIP_ADVANCED": ShipAdvancedForm,
    "CHANNEL_BASED_COMPLETE_PACKAGING": BarcodePackingForm,
    "UPDATE_SHIPMENT_STATUS": ShipmentStatusForm,
    "UPDATE_SHIPMENT_INFO": ShipmentInfoForm,
    "UPDATE_INVOICE": InvoiceForm,
}


def needs_form(command: str) -> bool:
    return command in FORMS


def build_form(command: str, *, package: Package, formdata: Any = None) -> CommandForm:
    """The command's form with its choices: the package's items, active denial reasons, cargo companies."""
    form = FORMS.get(command, CommandForm)(formdata=formdata)
    if isinstance(form, OutOfStockForm):
        form.package_items.choices = [
            SelectChoice(item.id, f"{item.product.sku} · {item.product.name}") for item in package.active_items
        ]
    if hasattr(form, "denial_reason"):
        blank = "No reason given" if isinstance(form, OutOfStockForm) else "Pick a reason…"
        reasons = active_denial_reasons()
        form.denial_reason.choices = [SelectChoice(0, blank)] + [SelectChoice(r.id, r.title) for r in reasons]
    if hasattr(form, "cargo_company"):
        blank = "Keep the current one" if isinstance(form, ShipmentInfoForm) else "Pick a cargo company…"
        companies = active_cargo_companies()
        form.cargo_company.choices = [SelectChoice(0, blank)] + [SelectChoice(c.id, c.name) for c in companies]
    return form
