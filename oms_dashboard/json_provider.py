"""The one JSON guard: every JSON body the app reads goes through `GuardedJSONProvider.loads`.

A body is refused with a 400 when it is not JSON, nests deeper than MAX_JSON_DEPTH, holds NaN or
Infinity (PostgreSQL's JSONB cannot store them), or holds a string with NUL or an unpaired
surrogate (PostgreSQL text cannot store NUL; neither can be encoded as UTF-8 text in a page).
Checking here, once, means no endpoint can forget it, whichever model reads the body afterwards.
"""

from __future__ import annotations

import json
import math
from typing import Any

from flask.json.provider import DefaultJSONProvider

from .errors import AppError
from .validation import unstorable_text_reason

# Deep enough for every body this API takes (an order is 3 levels deep), shallow enough that no
# recursive code downstream (validation, JSONB, json.dumps of the transition log) can overflow.
MAX_JSON_DEPTH = 32


def _finite_float(text: str) -> float:
    number = float(text)
    if not math.isfinite(number):  # 1e999 decodes to inf without passing through parse_constant
        raise ValueError(f"Number out of range: {text}")
    return number


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


class GuardedJSONProvider(DefaultJSONProvider):
    sort_keys = False
    ensure_ascii = False  # location and product names are not ASCII

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        kwargs.setdefault("parse_constant", _refuse_constant)
        kwargs.setdefault("parse_float", _finite_float)
        try:
            data = json.loads(s, **kwargs)
        except RecursionError:
            raise _too_deep() from None
        except ValueError as exc:  # JSONDecodeError, bad UTF-8, NaN, a number too long or too large
            raise AppError.non_field(f"The body is not valid JSON: {exc}") from None
        check_json_value(data)
        return data

    def dumps(self, obj: Any, **kwargs: Any) -> str:
        text = super().dumps(obj, **kwargs)
        if unstorable_text_reason(text) is not None:
            # Old data (SQLite keeps lone surrogates) must not make a response unencodable: escape it.
            text = super().dumps(obj, **(kwargs | {"ensure_ascii": True}))
        return text


def _too_deep() -> AppError:
    return AppError.non_field(f"The JSON body is nested too deeply (at most {MAX_JSON_DEPTH} levels).")


def check_json_value(data: Any) -> None:
    """Refuse a decoded JSON value too deep, or with text that cannot be stored, naming where it is."""
    stack: list[tuple[Any, int, tuple[str | int, ...]]] = [(data, 1, ())]
    while stack:
        value, depth, path = stack.pop()
        if isinstance(value, str):
            if (reason := unstorable_text_reason(value)) is not None:
                raise _bad_text(path, reason)
        elif isinstance(value, dict | list):
            if depth > MAX_JSON_DEPTH:
                raise _too_deep()
            if isinstance(value, dict):
                for key, item in value.items():
                    if (reason := unstorable_text_reason(key)) is not None:
                        raise _bad_text((*path, key), reason)
                    stack.append((item, depth + 1, (*path, key)))
            else:
                stack.extend((item, depth + 1, (*path, index)) for index, item in enumerate(value))


def _bad_text(path: tuple[str | int, ...], reason: str) -> AppError:
    """The 400 of validation.field_errors' shape: the top-level field, and where inside it."""
    parts = list(path)
    index = parts.pop(0) if parts and isinstance(parts[0], int) else None
    if not parts:
        return AppError.non_field(f"Item {index}: {reason}" if index is not None else reason)
    field = _printable(parts.pop(0))
    inner = " ".join(_printable(part) for part in parts if not isinstance(part, int))
    where = " ".join(filter(None, [f"Item {index}" if index is not None else "", inner]))
    return AppError.field(field, f"{where}: {reason}" if where else reason)


def _printable(name: str | int) -> str:
    return "".join("\N{REPLACEMENT CHARACTER}" if unstorable_text_reason(c) else c for c in str(name))
