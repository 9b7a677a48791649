"""Configuration from the environment (DESIGN §10)."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
# The CDN copy must be byte-identical to static/js/htmx.min.js (the fallback): the browser checks the hash.
DEFAULT_HTMX_CDN_URL = "https://unpkg.com/htmx.org@2.0.11/dist/htmx.min.js"
HTMX_INTEGRITY = "sha384-2OatzQy1H+Zd/IIrjr1TcuDGqLXeHhbooAyJY1KdQMKnr4LZ22k31GBLdYKHmVjg"


def normalise_database_url(url: str) -> str:
    """Let `postgresql://` and `postgres://` URLs use psycopg 3, the driver this project ships."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _secret_key(instance_path: Path) -> str:
    """SECRET_KEY from the environment, else one generated once into instance/ so sessions survive restarts."""
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    key_file = instance_path / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_hex(32))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


def settings_from_environment(instance_path: Path, overrides: dict | None = None) -> dict:
    overrides = overrides or {}
    default_sqlite = f"sqlite:///{instance_path / 'oms.sqlite3'}"
    return {
        "SQLALCHEMY_DATABASE_URI": normalise_database_url(os.environ.get("DATABASE_URL", default_sqlite)),
        "SECRET_KEY": overrides.get("SECRET_KEY") or _secret_key(instance_path),
        "HTMX_CDN_URL": os.environ.get("HTMX_CDN_URL", DEFAULT_HTMX_CDN_URL),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        # Off by default so that the plain-http local run can log in; set it behind TLS.
        "SESSION_COOKIE_SECURE": os.environ.get("SESSION_COOKIE_SECURE", "").lower() in {"1", "true", "yes"},
        "REMEMBER_COOKIE_HTTPONLY": True,
        "JSON_SORT_KEYS": False,
        "API_MAX_PAGE_SIZE": 100,
        "API_DEFAULT_PAGE_SIZE": 20,
        "PACKAGE_LIST_PAGE_SIZE": 25,
        "MOVEMENTS_REFRESH_SECONDS": int(os.environ.get("MOVEMENTS_REFRESH_SECONDS", "10")),
    } | overrides
