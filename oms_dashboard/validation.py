"""Request bodies validated with pydantic; errors become DESIGN §5.3 400 bodies naming the field."""

from __future__ import annotations

from typing import Annotated, Any, TypeVar

from pydantic import BeforeValidator, TypeAdapter, ValidationError

from .errors import AppError

T = TypeVar("T")

_MESSAGES = {
    "missing": "This field is required.",
    "int_parsing": "A valid integer is required.",
    "int_type": "A valid integer is required.",
    "int_from_float": "A valid integer is required.",
    "list_type": "Expected a list of items.",
    "dict_type": "Expected a JSON object.",
    "model_type": "Expected a JSON object.",
    "bool_type": "Must be a valid boolean.",
    "string_type": "Not a valid string.",
    "too_short": "This list may not be empty.",
    "string_too_short": "This field may not be blank.",
    "extra_forbidden": "Unknown field.",
}


def _not_a_boolean_or_fraction(value: Any) -> Any:
    # pydantic would read true as 1 and 2.0 as 2; an id or a count is typed as a whole number.
    if isinstance(value, bool | float):
        raise ValueError("A valid integer is required.")
    return value


WholeNumber = Annotated[int, BeforeValidator(_not_a_boolean_or_fraction)]


def parse(schema: type[T] | Any, data: Any) -> T:
    """`schema` validated from `data` (a model or any type pydantic knows), or a 400."""
    try:
        return TypeAdapter(schema).validate_python(data)
    except ValidationError as exc:
        raise AppError.validation(field_errors(exc)) from None


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
