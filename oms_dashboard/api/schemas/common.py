"""Shapes every endpoint shares: the §5.3 error bodies, paginated lists, and the responses table."""

from __future__ import annotations

from typing import Annotated, Any, Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from ...database import MAX_ID
from ...validation import QueryPage

T = TypeVar("T")

# An id in a response: what an `integer` column holds.
IdOut = Annotated[int, Field(ge=1, le=MAX_ID)]


class Output(BaseModel):
    """A response shape: any key the code adds without documenting it fails validation (no drift)."""

    model_config = ConfigDict(extra="forbid")


def _header(description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"description": description, "required": True, "schema": schema}


# --- error bodies (DESIGN §5.3): {"error": {...}, "status_code": N} ----------------------------------


class FieldErrors(Output):
    """400: each refused field with its messages; `non_field_errors` is one string."""

    model_config = ConfigDict(extra="forbid", title="FieldErrors")
    error: dict[str, list[str] | str]
    status_code: Literal[400]


class Conflict(Output):
    """409: the field that clashes with what is stored, and why."""

    model_config = ConfigDict(extra="forbid", openapi_extra={"description": "Clashes with what is stored."})
    error: dict[str, list[str]]
    status_code: Literal[409]


class Detail(Output):
    detail: str


class Unauthorized(Output):
    model_config = ConfigDict(
        extra="forbid",
        openapi_extra={
            "description": "No token, an unknown one or a revoked one.",
            "headers": {"WWW-Authenticate": _header("The scheme to use: `Token`.", {"type": "string"})},
        },
    )
    error: Detail
    status_code: Literal[401]


class Forbidden(Output):
    model_config = ConfigDict(extra="forbid", openapi_extra={"description": "The token may not act there."})
    error: Detail
    status_code: Literal[403]


class NotFound(Output):
    model_config = ConfigDict(extra="forbid", openapi_extra={"description": "No such resource (or page)."})
    error: Detail
    status_code: Literal[404]


class CommandRefusal(Output):
    non_field_errors: str
    error_code: Literal["commands_100_1", "commands_100_5", "planning_100_1"]


class CommandRefused(Output):
    model_config = ConfigDict(
        extra="forbid",
        openapi_extra={
            "description": "`commands_100_1`: the transition is unknown, not from this state or not visible to "
            "the caller; `commands_100_5`: id and slug name different transitions; `planning_100_1`: no location "
            "can serve the items."
        },
    )
    error: CommandRefusal
    status_code: Literal[406]


class TooLarge(Output):
    model_config = ConfigDict(extra="forbid", openapi_extra={"description": "The body is larger than allowed."})
    error: Detail
    status_code: Literal[413]


class UriTooLong(Output):
    model_config = ConfigDict(extra="forbid", openapi_extra={"description": "The address is longer than allowed."})
    error: Detail
    status_code: Literal[414]


class Unavailable(Output):
    model_config = ConfigDict(
        extra="forbid",
        openapi_extra={
            "description": "The database is busy or unreachable; nothing was changed. Retry after `Retry-After`.",
            "headers": {
                "Retry-After": _header("Seconds to wait before retrying.", {"type": "string", "pattern": "^[0-9]+$"})
            },
        },
    )
    error: Detail
    status_code: Literal[503]


def responses(success: dict[int, type[BaseModel] | dict | None], *errors: int) -> dict[int, Any]:
    """The responses of one operation: its successes, the errors it names, and those every API call can get."""
    table: dict[int, Any] = dict(success)
    for status in (400, 401, 414, 503, *errors):
        table[status] = ERROR_MODELS[status]
    return table


ERROR_MODELS: dict[int, type[BaseModel]] = {
    400: FieldErrors,
    401: Unauthorized,
    403: Forbidden,
    404: NotFound,
    406: CommandRefused,
    409: Conflict,
    413: TooLarge,
    414: UriTooLong,
    503: Unavailable,
}


# --- lists ------------------------------------------------------------------------------------------


class Page(Output, Generic[T]):
    count: Annotated[int, Field(ge=0)]
    next: str | None = Field(description="URL of the next page, or null on the last one.")
    previous: str | None = Field(description="URL of the previous page, or null on the first one.")
    results: list[T]


def _drop_null_defaults(schema: dict[str, Any]) -> None:
    """A query parameter that is absent is not `null`: keep `default: null` out of the document."""
    for prop in schema.get("properties", {}).values():
        if "default" in prop and prop["default"] is None:
            del prop["default"]


def query_model_config() -> ConfigDict:
    return ConfigDict(json_schema_extra=_drop_null_defaults)


class RequestParameters(BaseModel):
    """A model of a request's query or headers. flask-openapi3 asks such a model for its JSON schema on
    every request (to read its properties): generated anew each time that cost about 1 ms of CPU per
    command, so the plain call is answered from a per-class copy (the schema never changes at run time)."""

    @classmethod
    def model_json_schema(cls, *args: Any, **kwargs: Any) -> dict[str, Any]:
        if args or kwargs:  # the OpenAPI document's own calls, with a ref template or a mode
            return super().model_json_schema(*args, **kwargs)
        cached = cls.__dict__.get("_plain_schema")
        if cached is None:
            cached = super().model_json_schema()
            type.__setattr__(cls, "_plain_schema", cached)
        return cached


class PageQuery(RequestParameters):
    """`page` and `page_size` of every list (values of page_size above 100 are read as 100)."""

    model_config = query_model_config()

    page: QueryPage = Field(default=1, description="1 for the first page; past the last page is a 404.")
    page_size: QueryPage = Field(
        default=None, description="Results a page (default 20); more than 100 are read as 100."
    )
