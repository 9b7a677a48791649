"""What the admin forms share: reading what a person typed, and showing a service's 400 on the form.

The forms only collect text; the pydantic row models of `services/masterdata/rows.py` judge it
(through `parse`), so a page refuses exactly what the API refuses, with the same messages: in English
in the API, in the page's language here where the catalogue has them (`shown`).
"""

from __future__ import annotations

import re
from typing import Any

from flask_babel import gettext
from flask_wtf import FlaskForm
from wtforms import Field

from ...errors import AppError

_WHOLE_NUMBER = re.compile(r"-?[0-9]{1,20}")
# A form is one row: "Item 0: " (a batch's row number, from a service that takes lists) says nothing there.
_ITEM_PREFIX = re.compile(r"^Item 0:? ?")


def shown(message: str) -> str:
    """A service's or a row model's message in the page's language: a message the catalogue knows (marked
    `N_` where it is defined) is translated, any other (one naming a value) is shown as the API says it."""
    return gettext(message) if message else message


def number_or_blank(field: Field) -> int | str | None:
    """A number box: blank is None, digits are a number, anything else goes on as typed (and is refused
    by the row model with the API's message, never read as "blank")."""
    typed = (field.data or "").strip()
    if not typed:
        return None
    return int(typed) if _WHOLE_NUMBER.fullmatch(typed) else typed


def text_or_none(field: Field) -> str | None:
    """A text box whose blank means "none" (e.g. a tracking URL template)."""
    typed = field.data or ""
    return typed if typed.strip() else None


def show_errors(form: FlaskForm, error: AppError, aliases: dict[str, str] | None = None) -> list[str]:
    """Put each field message of a 400 under the form field of that name (`aliases`: the service's name
    → the form's, where they differ); return the others (for the top). Any other error is not the
    form's to show (a 404, a 503): it is raised for the error pages."""
    if error.status_code != 400:
        raise error
    general: list[str] = []
    for name, messages in error.error.items():
        if name == "error_code":
            continue
        texts = [shown(_ITEM_PREFIX.sub("", text)) for text in (messages if isinstance(messages, list) else [messages])]
        field = form._fields.get((aliases or {}).get(name, name))
        if field is not None and name != "csrf_token":
            field.errors = [*field.errors, *texts]
        elif name in {"non_field_errors", "detail"}:
            general.extend(texts)
        else:
            general.extend(f"{name}: {text}" for text in texts)
    return general


def values(form: FlaskForm, *names: str) -> dict[str, Any]:
    """The fields `names` as they were typed (text and booleans go to the row model unchanged; a text field
    missing from the post is blank)."""
    return {name: "" if form[name].data is None else form[name].data for name in names}
