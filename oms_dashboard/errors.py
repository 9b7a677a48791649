"""The one application error: carries the HTTP status and the error body of DESIGN §5.3."""

from __future__ import annotations

from typing import Any

from flask import has_request_context
from flask_babel import gettext

from .i18n import DEFAULT_LANGUAGE, N_, current_language, language_chosen_so_far

# The API's words (a contract): kept in English in the error body; a page shows them translated (`message`).
COMMAND_NOT_ALLOWED = N_(
    "Command definition is not allowed! Check source & destination states of command to be created"
)
COMMAND_MISMATCH = N_("Command id and slug mismatch")
NO_PLAN = N_("No stock location can serve the items of this package.")
NOT_FOUND = N_("Not found.")
UNAUTHENTICATED = N_("Authentication credentials were not provided.")
FORBIDDEN = N_("You do not have permission to perform this action.")
UNAVAILABLE = N_("The service is busy or its database is unreachable; nothing was changed. Retry shortly.")
URI_TOO_LONG = N_("The address is longer than %(limit)s bytes.")

# How a page names the field of a "field: message" error. The keys are the API's field names (its contract,
# kept in the body and in English messages); the values are translated on pages in another language.
FIELD_NAMES = {
    "action": N_("Action"),
    "assignment_groups": N_("Assignment groups"),
    "at_risk": N_("Stock at risk"),
    "barcodes": N_("Barcodes"),
    "cargo_company": N_("Cargo company"),
    "carrier": N_("Cargo company"),
    "channel": N_("Sales channel"),
    "code": N_("Code"),
    "command": N_("Command"),
    "created_from": N_("Created from"),
    "created_to": N_("Created until"),
    "default_cargo_company": N_("Default cargo company"),
    "delivered_status": N_("Delivery status"),
    "denial_reason": N_("Denial reason"),
    "direction": N_("Direction"),
    "erp_code": N_("ERP code"),
    "full_name": N_("Full name"),
    "ids": N_("Packages"),
    "invoice_date": N_("Invoice date"),
    "invoice_number": N_("Invoice number"),
    "invoice_url": N_("Invoice URL"),
    "is_active": N_("Active"),
    "items": N_("Items"),
    "label": N_("Shipping label"),
    "label_format": N_("Label format"),
    "label_url": N_("Label URL"),
    "locale": N_("Language"),
    "location": N_("Stock location"),
    "locations": N_("Stock locations"),
    "name": N_("Name"),
    "number": N_("Number"),
    "overdue": N_("Overdue"),
    "package_items": N_("Package items"),
    "page": N_("Page"),
    "password": N_("Password"),
    "pickup_code": N_("Pickup code"),
    "pickup_location": N_("Pickup location"),
    "q": N_("Search"),
    "quantity": N_("Quantity"),
    "reason": N_("Reason"),
    "role": N_("Role"),
    "scanned": N_("Scanned codes"),
    "sku": N_("SKU"),
    "sort": N_("Sort"),
    "status": N_("Status"),
    "stock_location": N_("Stock location"),
    "title": N_("Title"),
    "token": N_("API token"),
    "tracking_number": N_("Tracking number"),
    "transfer_items": N_("Transfer items"),
    "username": N_("Username"),
}


# Seconds a client should wait before retrying a 503 (database busy or unreachable; nothing was changed).
RETRY_AFTER_SECONDS = 2


class AppError(Exception):
    def __init__(self, status_code: int, error: dict[str, Any], *, headers: dict[str, str] | None = None):
        super().__init__(error)
        self.status_code = status_code
        self.error = error
        self.headers = headers or {}  # e.g. Retry-After on a 503
        # A message with values that a page shows translated: (msgid, values); the body keeps the English.
        self.page_text: tuple[str, dict[str, Any]] | None = None

    @property
    def body(self) -> dict[str, Any]:
        return {"error": self.error, "status_code": self.status_code}

    @property
    def message(self) -> str:
        """One human sentence for pages: the non-field message, or "field: message" lines.

        In the page's language: messages raised during a page request are in it already (the services call
        `gettext`, which answers English for the API, the CLI and the worker); the generic ones kept here in
        English are translated now, and a field is named by its label (`FIELD_NAMES`) on a page in another
        language than English. Outside a request (the CLI) it is the English of the API, field names included.
        """
        translate = self._may_translate()
        if translate and self.page_text is not None:
            msgid, values = self.page_text
            return gettext(msgid, **values)
        parts = []
        for field, value in self.error.items():
            if field == "error_code":
                continue
            texts = [str(each) for each in value] if isinstance(value, list) else [str(value)]
            text = "; ".join(gettext(each) if translate else each for each in texts)
            parts.append(text if field in {"non_field_errors", "detail"} else f"{self._field_name(field)}: {text}")
        return " ".join(parts)

    def _may_translate(self) -> bool:
        """On a page: yes, except that a 5xx page is built without the database (it may be what failed), so its
        message is translated only when the page's language is known already (choosing it reads the user)."""
        if not has_request_context():
            return False
        return self.status_code < 500 or language_chosen_so_far() is not None

    def _field_name(self, field: str) -> str:
        label = FIELD_NAMES.get(field)
        if label is None or not self._may_translate() or current_language() == DEFAULT_LANGUAGE:
            return field  # English pages and the CLI keep the API's field name
        return gettext(label)

    # Constructors for the cases the API contract names.
    @classmethod
    def validation(cls, field_errors: dict[str, list[str] | str]) -> AppError:
        return cls(400, field_errors)

    @classmethod
    def field(cls, field: str, message: str) -> AppError:
        return cls(400, {field: [message]})

    @classmethod
    def non_field(cls, message: str, status_code: int = 400, error_code: str | None = None) -> AppError:
        error: dict[str, Any] = {"non_field_errors": message}
        if error_code:
            error["error_code"] = error_code
        return cls(status_code, error)

    @classmethod
    def command_not_allowed(cls) -> AppError:
        return cls.non_field(COMMAND_NOT_ALLOWED, 406, "commands_100_1")

    @classmethod
    def command_mismatch(cls) -> AppError:
        return cls.non_field(COMMAND_MISMATCH, 406, "commands_100_5")

    @classmethod
    def no_plan(cls, message: str = NO_PLAN) -> AppError:
        return cls.non_field(message, 406, "planning_100_1")

    @classmethod
    def not_found(cls) -> AppError:
        return cls(404, {"detail": NOT_FOUND})

    @classmethod
    def unauthenticated(cls, detail: str = UNAUTHENTICATED) -> AppError:
        return cls(401, {"detail": detail})

    @classmethod
    def forbidden(cls) -> AppError:
        return cls(403, {"detail": FORBIDDEN})

    @classmethod
    def unavailable(cls, detail: str = UNAVAILABLE) -> AppError:
        """503: a transient database problem outlasted the retries. The request changed nothing."""
        return cls(503, {"detail": detail}, headers={"Retry-After": str(RETRY_AFTER_SECONDS)})

    @classmethod
    def uri_too_long(cls, limit: int) -> AppError:
        """414: the address is longer than `limit` bytes (English in the body, translated on a page)."""
        error = cls(414, {"detail": URI_TOO_LONG % {"limit": limit}})
        error.page_text = (URI_TOO_LONG, {"limit": limit})
        return error
