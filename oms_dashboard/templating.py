"""Jinja filters and globals shared by the pages."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from flask import Flask

from .config import DEFAULT_HTMX_CDN_URL, HTMX_INTEGRITY
from .representations import item_state
from .states import PackageStatus, TransferStatus


def status_label(value: int | None) -> str:
    return "—" if value is None else PackageStatus(value).label


def transfer_label(value: str) -> str:
    return TransferStatus(value).label


def status_slug(value: int) -> str:
    return PackageStatus(value).slug


def item_status_label(slug: str) -> str:
    return item_state(slug)["name"]


def when(value: datetime | None) -> str:
    if value is None:
        return ""
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc).strftime("%d %b %Y, %H:%M UTC")


def customer_name(customer: dict[str, Any] | None) -> str:
    customer = customer or {}
    return " ".join(part for part in (customer.get("first_name"), customer.get("last_name")) if part) or "—"


def web_image(url: str | None) -> str | None:
    """Only http(s) images from the ERP are shown."""
    return url if url and url.startswith(("https://", "http://")) else None


def who(actor: str) -> str:
    """`user:store1` → `store1`; `token:ERP (ab12cd34)` → `ERP (ab12cd34), via API`."""
    kind, _, name = actor.partition(":")
    return {"user": name, "token": f"{name}, via API"}.get(kind, actor)


def register_template_helpers(app: Flask) -> None:
    for function in (status_label, status_slug, transfer_label, item_status_label, when, customer_name, web_image, who):
        app.add_template_filter(function)

    @app.context_processor
    def _htmx_script() -> dict[str, Any]:
        url = app.config.get("HTMX_CDN_URL") or ""
        return {"htmx_cdn": {"url": url, "integrity": HTMX_INTEGRITY if url == DEFAULT_HTMX_CDN_URL else None}}
