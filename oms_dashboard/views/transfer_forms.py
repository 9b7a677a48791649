"""Forms of the transfer actions; each turns its fields into the command's `input_parameters`.

As for packages (`package_forms.py`), the command service validates those again: the forms make
the page usable (labels, choices, required fields) and parse what a person typed.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional

from ..models import TransferOrder
from ..selectors.package_pages import active_cargo_companies, active_denial_reasons
from .package_forms import CommandForm, missing_items_field, missing_parameters, missing_reason_field


class TransferAdvancedForm(CommandForm):
    cargo_company = SelectField(_l("Cargo company"), coerce=int, validators=[DataRequired(_l("Pick a cargo company."))])
    tracking_number = StringField(
        _l("Tracking number"), validators=[DataRequired(_l("Type the tracking number.")), Length(max=128)]
    )

    def input_parameters(self) -> dict[str, Any]:
        return {"cargo_company": self.cargo_company.data, "tracking_number": self.tracking_number.data.strip()}


class TransferItemsNotFoundForm(CommandForm):
    transfer_items = missing_items_field()
    reason = missing_reason_field()
    denial_reason = SelectField(_l("Reason"), coerce=int, validators=[Optional()])

    def input_parameters(self) -> dict[str, Any]:
        return missing_parameters("transfer_items", self)


FORMS: dict[str, type[CommandForm]] = {
    "TRANSFER_ORDER_ADVANCED": TransferAdvancedForm,
    "TRANSFER_ITEMS_NOT_FOUND": TransferItemsNotFoundForm,
}


def needs_form(command: str) -> bool:
    return command in FORMS


def build_form(command: str, *, transfer: TransferOrder, formdata: Any = None) -> CommandForm:
    """The command's form with its choices: the transfer's items, active denial reasons, cargo companies."""
    form = FORMS.get(command, CommandForm)(formdata=formdata)
    if isinstance(form, TransferItemsNotFoundForm):
        form.transfer_items.choices = item_choices(transfer)
        reasons = active_denial_reasons()
        form.denial_reason.choices = [SelectChoice(0, _("No reason given"))] + [
            SelectChoice(reason.id, _(reason.title)) for reason in reasons
        ]
    if isinstance(form, TransferAdvancedForm):
        companies = active_cargo_companies()
        form.cargo_company.choices = [SelectChoice(0, _("Pick a cargo company…"))] + [
            SelectChoice(company.id, company.name) for company in companies
        ]
    return form


def item_choices(transfer: TransferOrder) -> list[SelectChoice]:
    """One checkbox per unit: "SKU · name", numbered when the transfer carries more than one of a SKU."""
    repeated = Counter(item.product_id for item in transfer.items)
    seen: Counter[int] = Counter()
    choices = []
    for item in transfer.items:
        label = f"{item.product.sku} · {item.product.name}"
        if repeated[item.product_id] > 1:
            seen[item.product_id] += 1
            label += " " + _("(%(number)s of %(count)s)", number=seen[item.product_id], count=repeated[item.product_id])
        choices.append(SelectChoice(item.id, label))
    return choices


def show_service_errors(form: CommandForm, error: dict[str, Any]) -> bool:
    """Put the service's field errors (a 400 naming the field) under the form's fields; True when any was."""
    shown = False
    for name, messages in error.items():
        if name in form and name != "csrf_token":
            form[name].errors = list(messages) if isinstance(messages, list) else [str(messages)]
            shown = True
    return shown
