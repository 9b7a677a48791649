"""Search keys: what a person or a scanner types, folded so that case and accents never matter.

The package list's search compares a folded query with folded copies of the values it searches
(package and order numbers, customer names, SKUs, barcodes, tracking numbers), stored in indexed
`*_key` columns next to the values and written wherever the values are written. One Python function
folds both sides, so SQLite and PostgreSQL find the same packages whatever their collations, and
"AYSE YILMAZ", "ayşe yılmaz" and "Ayse" all find "Ayşe Yılmaz".

The key columns compare byte by byte (SQLite's default; the "C" collation on PostgreSQL), so a prefix
is a range of one index (`prefix_range`) on both databases.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from typing import Any

from sqlalchemy import String

# Turkish dotless ı has no decomposition (NFKD leaves it), and İ casefolds to "i̇" (i + a combining
# dot, which the mark-dropping then removes): map ı by hand so both fold to "i".
_BY_HAND = str.maketrans({"ı": "i"})


def fold(text: str) -> str:
    """`text` without accents, in lower case, its whitespace collapsed: "  Ayşe  YILMAZ" → "ayse yilmaz"."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_BY_HAND))
    bare = "".join(character for character in decomposed if not unicodedata.combining(character))
    return " ".join(bare.casefold().split())


def key_type(length: int) -> String:
    """A key column: byte order on PostgreSQL too, so that a prefix search is an index range."""
    return String(length).with_variant(String(length, collation="C"), "postgresql")


def folded(value: Any, length: int) -> str | None:
    """The key of a stored value (None for no value), cut to its column's length."""
    if not isinstance(value, str):
        return None
    return fold(value)[:length] or None


def customer_keys(customer: Any) -> tuple[str | None, str | None]:
    """(full name, last name) keys of an order's `customer`: "Ayşe Yılmaz" → ("ayse yilmaz", "yilmaz")."""
    if not isinstance(customer, Mapping):
        return None, None
    first, last = customer.get("first_name"), customer.get("last_name")
    parts = [part for part in (first, last) if isinstance(part, str) and part.strip()]
    return folded(" ".join(parts), CUSTOMER_KEY_LENGTH), folded(last, CUSTOMER_KEY_LENGTH)


def prefix_range(prefix: str) -> tuple[str, str]:
    """The keys that start with `prefix` are those in [low, high): in code-point order (which is UTF-8
    byte order) `high` is the prefix with its last character moved one on."""
    last = min(ord(prefix[-1]) + 1, 0x10FFFF)
    if 0xD800 <= last <= 0xDFFF:  # surrogates are no characters: skip past them
        last = 0xE000
    return prefix, prefix[:-1] + chr(last)


CUSTOMER_KEY_LENGTH = 255
