"""Jinja filters and globals shared by the pages."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask_babel import gettext

from .actors import ROLE_NAMES
from .i18n import LANGUAGES, N_, current_language, local_time, number
from .models import Role
from .representations import item_state
from .states import PackageStatus, TransferStatus
from .text import address_line, field_text, person_name, printable

# A CDN copy whose hash we know: it must be byte-identical to static/js/htmx.min.js (the fallback).
# HTMX_CDN_URL (config.py) is empty by default, so a store network without internet never waits on a CDN.
UNPKG_HTMX_URL = "https://unpkg.com/htmx.org@2.0.11/dist/htmx.min.js"
HTMX_INTEGRITY = "sha384-2OatzQy1H+Zd/IIrjr1TcuDGqLXeHhbooAyJY1KdQMKnr4LZ22k31GBLdYKHmVjg"


def status_label(value: int | None) -> str:
    """A status's seed-004 name in the page's language (the API keeps the English name)."""
    return "—" if value is None else gettext(PackageStatus(value).label)


def transfer_label(value: str) -> str:
    return gettext(TransferStatus(value).label)


def translated(text: str | None) -> str | None:
    """A text stored or defined elsewhere (a command's label, marked in services/install.py; the built-in
    scenario's names) in the page's language when the catalogue knows it; else as written (a label an
    installation added itself)."""
    return gettext(text) if text else text


def status_slug(value: int) -> str:
    return PackageStatus(value).slug


def item_status_label(slug: str) -> str:
    return gettext(item_state(slug)["name"])


def customer_name(customer: Any) -> str:
    return person_name(customer) or "—"


def web_image(url: str | None) -> str | None:
    """Only https images from the ERP are shown: the Content-Security-Policy refuses any other."""
    return url if url and url.startswith("https://") else None


def who(actor: str) -> str:
    """`user:store1` → `store1`; `token:ERP (ab12cd34)` → `ERP (ab12cd34), via API`."""
    kind, _, name = actor.partition(":")
    if kind == "token":
        return gettext("%(name)s, via API", name=name)
    if actor == "system":
        return gettext("system")
    return name if kind == "user" else actor


def role_name(role: str) -> str:
    """A user's role by its name in the page's language: `store_staff` → "Store staff"."""
    try:
        return gettext(ROLE_NAMES[Role(role)])
    except ValueError:
        return role


LOCATION_TYPES = {"store": N_("Store"), "warehouse": N_("Warehouse")}
LOCATION_TYPES_PLURAL = {"store": N_("stores"), "warehouse": N_("warehouses")}


def location_type(kind: str) -> str:
    """`store` → "Store" in the page's language."""
    return gettext(LOCATION_TYPES[kind]) if kind in LOCATION_TYPES else (kind or "").capitalize()


def location_types(kind: str) -> str:
    """`store` → "stores" in the page's language (a scenario rule's kinds of location)."""
    return gettext(LOCATION_TYPES_PLURAL[kind]) if kind in LOCATION_TYPES_PLURAL else f"{kind}s"


def register_template_helpers(app: Flask) -> None:
    for function in (
        status_label,
        status_slug,
        transfer_label,
        item_status_label,
        customer_name,
        web_image,
        who,
        role_name,
        translated,
        location_type,
        location_types,
    ):
        app.add_template_filter(function)
    # {{ package.created_date | when }}: in the page's time zone and language, the zone named (i18n.py).
    app.add_template_filter(local_time, "when")
    app.add_template_filter(number)
    app.add_template_filter(address_line)
    app.add_template_filter(field_text, "field")  # {{ order.customer | field('email') }}
    # Every {{ value }} goes through as_text's last step: a stored unpaired surrogate cannot break a page.
    app.jinja_env.finalize = printable

    @app.context_processor
    def _language() -> dict[str, Any]:
        return {"current_language": current_language(), "languages": LANGUAGES}

    @app.context_processor
    def _htmx_script() -> dict[str, Any]:
        url = app.config.get("HTMX_CDN_URL") or ""
        return {"htmx_cdn": {"url": url, "integrity": HTMX_INTEGRITY if url == UNPKG_HTMX_URL else None}}
