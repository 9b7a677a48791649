"""Query-string and body parsing for the API: bad values are 400s naming the parameter."""

from __future__ import annotations

from typing import Any

from flask import current_app, request, url_for

from ..database import MAX_ID
from ..errors import AppError

NUL_MESSAGE = "Must not contain NUL characters."


def integer(value: Any, field: str, *, minimum: int | None = None, maximum: int = MAX_ID) -> int:
    if isinstance(value, bool):
        raise AppError.field(field, "A valid integer is required.")
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise AppError.field(field, "A valid integer is required.") from None
    if isinstance(value, float) and number != value:
        raise AppError.field(field, "A valid integer is required.")
    if minimum is not None and number < minimum:
        raise AppError.field(field, f"Ensure this value is greater than or equal to {minimum}.")
    if number > maximum:
        raise AppError.field(field, f"Ensure this value is less than or equal to {maximum}.")
    return number


def optional_integer_arg(name: str) -> int | None:
    value = request.args.get(name)
    return None if value in (None, "") else integer(value, name)


def json_object() -> dict[str, Any]:
    try:
        data = request.get_json(force=True, silent=True)
    except RecursionError:
        raise AppError.non_field("The JSON body is nested too deeply.") from None
    if data is None:
        raise AppError.non_field("Send a JSON object as the request body.")
    if not isinstance(data, dict):
        raise AppError.non_field("Expected a JSON object.")
    for field, value in data.items():
        if _has_nul(field) or _has_nul(value):
            raise AppError.field(str(field).replace("\x00", ""), NUL_MESSAGE)
    return data


def _has_nul(value: Any) -> bool:
    """A NUL anywhere in the strings of a JSON value (PostgreSQL text cannot store one)."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if "\x00" in item:
                return True
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


def page_window() -> tuple[int, int]:
    """(page, page_size) from the query string: page_size defaults to 20 and is capped at 100."""
    page = integer(request.args.get("page", 1), "page", minimum=1)
    page_size = integer(
        request.args.get("page_size", current_app.config["API_DEFAULT_PAGE_SIZE"]), "page_size", minimum=1
    )
    return page, min(page_size, current_app.config["API_MAX_PAGE_SIZE"])


def paginated(*, count: int, page: int, page_size: int, results: list[Any]) -> dict[str, Any]:
    if page > 1 and (page - 1) * page_size >= count:
        raise AppError(404, {"detail": "Invalid page."})

    def link(number: int) -> str:
        args = request.args.to_dict() | {"page": number}
        return url_for(request.endpoint, **(request.view_args or {}), **args, _external=True)

    return {
        "count": count,
        "next": link(page + 1) if page * page_size < count else None,
        "previous": link(page - 1) if page > 1 else None,
        "results": results,
    }
