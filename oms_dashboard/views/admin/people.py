"""What the users and API tokens pages share: the locations field, text checks, and a refusal as a notice."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_wtf import FlaskForm
from wtforms import Field, SelectChoice
from wtforms.validators import ValidationError

from ...errors import AppError
from ...services.accounts import assignable_locations
from ...validation import unstorable_text_reason
from ..package_forms import MultiCheckboxField
from .formtools import shown

__all__ = ["MultiCheckboxField", "location_choices", "refusal_text", "storable", "strip"]

# The services name the field `location`; the forms' checkboxes are `locations`.
LOCATION_ALIAS = {"location": "locations"}


def strip(value: str | None) -> str | None:
    return value.strip() if isinstance(value, str) else value


def storable(_form: FlaskForm, field: Field) -> None:
    """No NUL or unpaired surrogate (the app refuses NUL in any form already; this keeps the rule beside the field)."""
    if isinstance(field.data, str) and (reason := unstorable_text_reason(field.data)) is not None:
        raise ValidationError(shown(reason))


def location_choices() -> list[SelectChoice]:
    """Every stock location, by name: "Kadıköy (L1)", inactive ones marked."""
    return [
        SelectChoice(
            location.id,
            f"{location.name} ({location.erp_code})"
            if location.is_active
            else _("%(name)s (%(code)s) · inactive", name=location.name, code=location.erp_code),
        )
        for location in assignable_locations()
    ]


def refusal_text(refusal: AppError) -> str:
    """The service's messages as one sentence for a notice, without field names (for a page with no form)."""
    texts = []
    for name, value in refusal.error.items():
        if name != "error_code":
            texts.extend(shown(text) for text in (value if isinstance(value, list) else [str(value)]))
    return " ".join(texts)
