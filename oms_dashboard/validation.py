"""Typed input: the value types every door uses, and pydantic errors as DESIGN §5.3 400 bodies naming the field.

The types carry their limits into the JSON Schema too (the OpenAPI document is generated from them),
so what the document promises and what the code accepts are the same rules.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, TypeVar

from pydantic import AfterValidator, BeforeValidator, Field, Strict, TypeAdapter, ValidationError

from .database import MAX_ID
from .errors import AppError
from .i18n import N_
from .text import UNSTORABLE

T = TypeVar("T")

# English in the API body; N_ puts them in the catalogue, and a page shows them translated (AppError.message).
NUL_MESSAGE = N_("Must not contain NUL characters.")
SURROGATE_MESSAGE = N_("Must not contain unpaired surrogates.")
BLANK_MESSAGE = N_("This field may not be blank.")
INTEGER_MESSAGE = N_("A valid integer is required.")

# JSON Schema for the same rule, so a schema-driven client (or fuzzer) knows NUL is refused.
NO_NUL_PATTERN = "^[^\\u0000]*$"
NOT_BLANK_PATTERN = "^[^\\u0000]*[^\\s\\u0000][^\\u0000]*$"

_MESSAGES = {
    "missing": N_("This field is required."),
    "int_parsing": INTEGER_MESSAGE,
    "int_type": INTEGER_MESSAGE,
    "int_from_float": INTEGER_MESSAGE,
    "list_type": N_("Expected a list of items."),
    "dict_type": N_("Expected a JSON object."),
    "model_type": N_("Expected a JSON object."),
    "model_attributes_type": N_("Expected a JSON object."),
    "bool_type": N_("Must be a valid boolean."),
    "string_type": N_("Not a valid string."),
    "too_short": N_("This list may not be empty."),
    "string_too_short": BLANK_MESSAGE,
    "extra_forbidden": N_("Unknown field."),
}


def unstorable_text_reason(value: str) -> str | None:
    """Why `value` cannot be stored or shown as text, or None when it can."""
    # A valid surrogate pair is one astral character once JSON is decoded: any code unit left is unpaired.
    found = UNSTORABLE.search(value)
    if found is None:
        return None
    return NUL_MESSAGE if found.group() == "\x00" else SURROGATE_MESSAGE


def _storable(value: str) -> str:
    if (reason := unstorable_text_reason(value)) is not None:
        raise ValueError(reason)
    return value


def _stripped_not_blank(value: str) -> str:
    value = value.strip()
    if not value:
        raise ValueError(BLANK_MESSAGE)
    return value


def text(max_length: int, *, blank: bool = False) -> Any:
    """A JSON string of at most `max_length` characters, without NUL or unpaired surrogates, stripped.

    `blank=False` also refuses a string of only whitespace. The length is checked before stripping,
    so the documented maxLength is exactly what is accepted.
    """
    if blank:
        return Annotated[
            str,
            Strict(),
            Field(max_length=max_length, json_schema_extra={"pattern": NO_NUL_PATTERN}),
            AfterValidator(_storable),
            AfterValidator(str.strip),
        ]
    return Annotated[
        str,
        Strict(),
        Field(min_length=1, max_length=max_length, json_schema_extra={"pattern": NOT_BLANK_PATTERN}),
        AfterValidator(_storable),
        AfterValidator(_stripped_not_blank),
    ]


# A JSON integer: true, 2.0 and "2" are not (pydantic's lax mode would read them as 1, 2 and 2).
WholeNumber = Annotated[int, Strict()]
# A database id: what an `integer` primary key can hold, so it can reach a query without overflowing.
Id = Annotated[WholeNumber, Field(ge=1, le=MAX_ID)]


def query_integer(value: Any) -> Any:
    # Query strings are text: "12" is a number, "+12", "1.0", "1_2" and " 12" are not.
    if isinstance(value, str):
        if not re.fullmatch(r"-?[0-9]{1,20}", value):
            raise ValueError(INTEGER_MESSAGE)
        return int(value)
    return value


# An id written in a query string or a form (the bounds go first, so the JSON Schema shows them).
QueryId = Annotated[int, Field(ge=1, le=MAX_ID), BeforeValidator(query_integer)]
# A page number or size: bounded so that (page - 1) * page_size can never overflow an OFFSET.
QueryPage = QueryId


def parse(schema: type[T] | Any, data: Any) -> T:
    """`schema` validated from `data` (a model or any type pydantic knows), or a 400."""
    try:
        return TypeAdapter(schema).validate_python(data)
    except ValidationError as exc:
        raise AppError.validation(field_errors(exc)) from None


def raise_validation_error(exc: ValidationError) -> None:
    """flask-openapi3's validation_error_callback: a request that fails its model is a §5.3 400."""
    raise AppError.validation(field_errors(exc))


def field_errors(exc: ValidationError) -> dict[str, list[str] | str]:
    """`{"items": ["Item 2 sku: This field is required."]}`: the top-level field, and where inside it."""
    errors: dict[str, list[str]] = {}
    for error in exc.errors():
        location = list(error["loc"])
        message = _MESSAGES.get(error["type"], error["msg"].removeprefix("Value error, "))
        index = None
        if location and isinstance(location[0], int):  # a list body: the field is inside the item
            index = location.pop(0)
        field = str(location.pop(0)) if location else "non_field_errors"
        if index is None and location and isinstance(location[0], int):
            index = location.pop(0)
        inner = " ".join(str(part) for part in location if not isinstance(part, int))
        if index is not None:
            message = f"Item {index}{' ' + inner if inner else ''}: {message}"
        elif inner:
            message = f"{inner}: {message}"
        errors.setdefault(field, []).append(message)
    if "non_field_errors" in errors:  # one string, as DESIGN §5.3 shows it
        errors["non_field_errors"] = " ".join(errors["non_field_errors"])
    return errors
