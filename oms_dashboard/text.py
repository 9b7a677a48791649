"""Stored values as text a page or a label can always show.

Orders stored before the strict intake may hold numbers, objects or lists where text belongs (a
customer's `first_name` of 5), and SQLite may hold strings with unpaired surrogates, which cannot be
encoded into a page. Pages and the shipping label read such values through here, never directly.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

# NUL (PostgreSQL text cannot hold it) and unpaired surrogates (they cannot be encoded as UTF-8):
# `validation` refuses them at the door, pages replace them in what is already stored.
UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
MAX_SHOWN = 500


def as_text(value: Any, *, limit: int = MAX_SHOWN) -> str:
    """`value` as one line of text: strings as they are, numbers written out, lists joined, objects by
    their values; never more than `limit` characters, never an unencodable character."""
    if value is None:
        shown = ""
    elif isinstance(value, str):
        shown = value
    elif isinstance(value, bool):
        shown = "yes" if value else "no"
    elif isinstance(value, int | float):
        shown = json.dumps(value)
    elif isinstance(value, list | tuple):
        shown = " ".join(filter(None, (as_text(item, limit=limit) for item in value)))
    elif isinstance(value, Mapping):
        shown = " ".join(filter(None, (as_text(item, limit=limit) for item in value.values())))
    else:
        shown = str(value)
    return UNSTORABLE.sub("\N{REPLACEMENT CHARACTER}", shown[:limit])


def field_text(record: Any, key: str) -> str:
    """`record[key]` as text, when `record` is an object at all (it may be anything in old data)."""
    return as_text(record.get(key)) if isinstance(record, Mapping) else ""


def person_name(customer: Any) -> str:
    """First and last name; an old record that is a bare string or list is shown whole."""
    if isinstance(customer, Mapping):
        parts = (field_text(customer, "first_name"), field_text(customer, "last_name"))
        return " ".join(part for part in parts if part)
    return as_text(customer)


def address_line(address: Any) -> str:
    """The street line; an old record that is not an object is shown whole."""
    return field_text(address, "line") if isinstance(address, Mapping) else as_text(address)


def printable(value: Any) -> Any:
    """Jinja's finalize: a string (or Markup, kept as Markup) with unencodable characters replaced."""
    if isinstance(value, str) and UNSTORABLE.search(value):
        return type(value)(UNSTORABLE.sub("\N{REPLACEMENT CHARACTER}", value))
    return value
