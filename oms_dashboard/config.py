"""Configuration from the environment (DESIGN §10)."""

from __future__ import annotations

import os
import re
import secrets
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

from .passwords import DEFAULT_METHOD as DEFAULT_PASSWORD_HASH_METHOD
from .states import PackageStatus

PROJECT_ROOT = Path(__file__).resolve().parent.parent
REMEMBER_ME_DAYS = 14
_HOUR_MS = 3_600_000
DEFAULT_TIMEZONE = "Europe/Istanbul"
_HOST_AND_PORT = re.compile(r"[A-Za-z0-9.-]+(:[0-9]{1,5})?")


class ConfigurationError(RuntimeError):
    """A setting from the environment is unusable: start-up stops with a message naming the variable."""


def _whole_number(name: str, default: int, *, minimum: int = 1, maximum: int = 100_000) -> int:
    """An integer setting from the environment; a bad value stops start-up naming the variable."""
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    if not (raw.isascii() and raw.isdigit() and minimum <= int(raw) <= maximum):
        raise ConfigurationError(f"{name} must be a whole number from {minimum} to {maximum}, not {raw!r}.")
    return int(raw)


def _switch(name: str) -> bool:
    raw = os.environ.get(name, "").strip().lower()
    if raw in {"", "0", "false", "no", "off"}:
        return False
    if raw in {"1", "true", "yes", "on"}:
        return True
    raise ConfigurationError(f"{name} must be 1 or 0 (true/false, yes/no, on/off), not {raw!r}.")


def _htmx_cdn_url() -> str:
    """Empty (the local copy only) or an absolute http(s) URL: its origin goes into the CSP, so it is checked."""
    url = os.environ.get("HTMX_CDN_URL", "").strip()
    if url:
        parts = urlsplit(url)
        if parts.scheme not in {"https", "http"} or not _HOST_AND_PORT.fullmatch(parts.netloc):
            raise ConfigurationError(f"HTMX_CDN_URL must be an http(s) URL of htmx.min.js, or empty; not {url!r}.")
    return url


# Hours a package may stay in a status at its location before the lists flag it Overdue: the open work of a
# store. OMS_OVERDUE_HOURS changes some ("waiting=12,packed=48"); 0 turns a status's flag off.
DEFAULT_OVERDUE_HOURS = {
    PackageStatus.WAITING_FOR_TRANSFER: 72,
    PackageStatus.WAITING: 24,
    PackageStatus.WAITING_REMOTE_ACTION: 48,
    PackageStatus.PREPARING: 4,
    PackageStatus.BLOCKED: 24,
    PackageStatus.READY_FOR_PACKAGING: 8,
    PackageStatus.WAITING_CARGO_LABEL: 8,
    PackageStatus.PACKED: 24,
    PackageStatus.WAITING_INVOICE: 24,
    PackageStatus.READY_FOR_PICKUP: 120,
    PackageStatus.CANCELLATION_WAITING: 24,
    PackageStatus.NEEDS_RESCHEDULING: 24,
}
_MAX_OVERDUE_HOURS = 24 * 365


def _overdue_hours() -> dict[PackageStatus, int]:
    """OMS_OVERDUE_HOURS: `slug=hours` pairs, comma-separated, over the defaults; each status slug at most once."""
    name = "OMS_OVERDUE_HOURS"
    hours = dict(DEFAULT_OVERDUE_HOURS)
    raw = os.environ.get(name, "").strip()
    seen: set[PackageStatus] = set()
    for entry in filter(None, (part.strip() for part in raw.split(","))) if raw else ():
        slug, equals, value = (piece.strip() for piece in entry.partition("="))
        status = next((each for each in PackageStatus if each.slug == slug), None)
        if status is None or not equals:
            slugs = ", ".join(each.slug for each in PackageStatus)
            raise ConfigurationError(f"{name}: {entry!r} is not <status>=<hours>; the statuses are {slugs}.")
        if not (value.isascii() and value.isdigit() and int(value) <= _MAX_OVERDUE_HOURS):
            raise ConfigurationError(
                f"{name}: the hours of {slug} must be a whole number from 0 to {_MAX_OVERDUE_HOURS}, not {value!r}."
            )
        if status in seen:
            raise ConfigurationError(f"{name}: {slug} is given twice.")
        seen.add(status)
        hours[status] = int(value)
    return {status: value for status, value in hours.items() if value}


def _time_zone() -> str:
    """OMS_TIMEZONE: the IANA zone pages show times in where a location has none of its own."""
    from zoneinfo import available_timezones

    raw = os.environ.get("OMS_TIMEZONE", "").strip() or DEFAULT_TIMEZONE
    if raw not in available_timezones():
        raise ConfigurationError(f"OMS_TIMEZONE must be an IANA time zone such as Europe/Istanbul, not {raw!r}.")
    return raw


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


# Request size limits. An order of 1000 lines or a stock push of 5000 rows is a few hundred KB.
DEFAULT_MAX_CONTENT_LENGTH = 1024 * 1024
# The longest address (path and query) the app reads: room for every filter of a list at its longest,
# percent-encoded. gunicorn passes request lines of up to 8190 bytes on (`--limit-request-line 8190`
# in .ci/serve), so the app answers 414 itself, in the API's shape.
MAX_URI_LENGTH = 8000


def settings_from_environment(instance_path: Path, overrides: dict | None = None) -> dict:
    overrides = overrides or {}
    default_sqlite = f"sqlite:///{instance_path / 'oms.sqlite3'}"
    settings = {
        "SQLALCHEMY_DATABASE_URI": normalise_database_url(os.environ.get("DATABASE_URL", default_sqlite)),
        "SECRET_KEY": overrides.get("SECRET_KEY") or _secret_key(instance_path),
        "HTMX_CDN_URL": _htmx_cdn_url(),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        # Off by default so that the plain-http local run can log in; set it behind TLS.
        "SESSION_COOKIE_SECURE": _switch("SESSION_COOKIE_SECURE"),
        # "Keep me signed in": the same protections as the session cookie, and it expires.
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_DURATION": timedelta(days=REMEMBER_ME_DAYS),
        # Failed sign-ins allowed in the window, per username and per client address (docs/security.md).
        "LOGIN_FAILURES_PER_USERNAME": _whole_number("OMS_LOGIN_FAILURES_PER_USERNAME", 5),
        "LOGIN_FAILURES_PER_ADDRESS": _whole_number("OMS_LOGIN_FAILURES_PER_ADDRESS", 20),
        "LOGIN_FAILURE_WINDOW": timedelta(minutes=_whole_number("OMS_LOGIN_WINDOW_MINUTES", 15)),
        # How passwords are hashed (werkzeug's method string); only the test suite changes it (passwords.py).
        "PASSWORD_HASH_METHOD": DEFAULT_PASSWORD_HASH_METHOD,
        # How many reverse proxies in front of the app set X-Forwarded-For/-Proto (0: none, trust nothing).
        "TRUSTED_PROXIES": _whole_number("OMS_TRUSTED_PROXIES", 0, minimum=0),
        "JSON_SORT_KEYS": False,
        "API_MAX_PAGE_SIZE": 100,
        "API_DEFAULT_PAGE_SIZE": 20,
        "PACKAGE_LIST_PAGE_SIZE": 25,
        # Status → hours after which the package lists flag a package Overdue (statuses left out: never).
        "OVERDUE_HOURS": _overdue_hours(),
        # The time zone of the pages where a location has none of its own (the API always speaks UTC).
        "TIMEZONE": _time_zone(),
        "MOVEMENTS_REFRESH_SECONDS": _whole_number("MOVEMENTS_REFRESH_SECONDS", 10),
        # How long a request waits for a row lock, and for one SQL statement, before giving up
        # (then it is retried, and answered 503 when that does not help).
        "LOCK_TIMEOUT_MS": _whole_number("OMS_LOCK_TIMEOUT_MS", 3000, maximum=_HOUR_MS),
        "STATEMENT_TIMEOUT_MS": _whole_number("OMS_STATEMENT_TIMEOUT_MS", 30000, maximum=_HOUR_MS),
        # A larger body is a 413 before anything reads it (bytes).
        "MAX_CONTENT_LENGTH": _whole_number(
            "MAX_CONTENT_LENGTH", DEFAULT_MAX_CONTENT_LENGTH, minimum=1024, maximum=1024**3
        ),
        # Forms: the largest is a Product Not Found form ticking every item of a 1000-unit package.
        "MAX_FORM_MEMORY_SIZE": 256 * 1024,
        "MAX_FORM_PARTS": 2000,
        "MAX_URI_LENGTH": MAX_URI_LENGTH,
        # The worker (`oms worker`, docs/webhooks.md): how long a webhook receiver may take to accept
        # the connection and to answer, how many deliveries are sent at once, how often out-of-stock
        # packages are rescheduled automatically.
        "WEBHOOK_TIMEOUT_SECONDS": _whole_number("OMS_WEBHOOK_TIMEOUT_SECONDS", 10, maximum=300),
        # At most 16: on PostgreSQL each request in flight holds one of the process's 20 pooled connections.
        "WORKER_THREADS": _whole_number("OMS_WORKER_THREADS", 4, maximum=16),
        "RESCHEDULE_MINUTES": _whole_number("OMS_RESCHEDULE_MINUTES", 15, maximum=7 * 24 * 60),
    } | overrides
    # The remember cookie opens a session too: it is Secure whenever the session cookie is.
    settings.setdefault("REMEMBER_COOKIE_SECURE", settings["SESSION_COOKIE_SECURE"])
    return settings
