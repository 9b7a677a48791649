"""The one application error: carries the HTTP status and the error body of DESIGN §5.3."""

from __future__ import annotations

from typing import Any

COMMAND_NOT_ALLOWED = "Command definition is not allowed! Check source & destination states of command to be created"


# Seconds a client should wait before retrying a 503 (database busy or unreachable; nothing was changed).
RETRY_AFTER_SECONDS = 2


class AppError(Exception):
    def __init__(self, status_code: int, error: dict[str, Any], *, headers: dict[str, str] | None = None):
        super().__init__(error)
        self.status_code = status_code
        self.error = error
        self.headers = headers or {}  # e.g. Retry-After on a 503

    @property
    def body(self) -> dict[str, Any]:
        return {"error": self.error, "status_code": self.status_code}

    @property
    def message(self) -> str:
        """One human sentence for pages: the non-field message, or "field: message" lines."""
        parts = []
        for field, value in self.error.items():
            if field == "error_code":
                continue
            text = "; ".join(value) if isinstance(value, list) else str(value)
            parts.append(text if field in {"non_field_errors", "detail"} else f"{field}: {text}")
        return " ".join(parts)

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
        return cls.non_field("Command id and slug mismatch", 406, "commands_100_5")

    @classmethod
    def no_plan(cls, message: str = "No stock location can serve the items of this package.") -> AppError:
        return cls.non_field(message, 406, "planning_100_1")

    @classmethod
    def not_found(cls) -> AppError:
        return cls(404, {"detail": "Not found."})

    @classmethod
    def unauthenticated(cls, detail: str = "Authentication credentials were not provided.") -> AppError:
        return cls(401, {"detail": detail})

    @classmethod
    def forbidden(cls) -> AppError:
        return cls(403, {"detail": "You do not have permission to perform this action."})

    @classmethod
    def unavailable(
        cls, detail: str = "The service is busy or its database is unreachable; nothing was changed. Retry shortly."
    ) -> AppError:
        """503: a transient database problem outlasted the retries. The request changed nothing."""
        return cls(503, {"detail": detail}, headers={"Retry-After": str(RETRY_AFTER_SECONDS)})
