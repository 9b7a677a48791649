"""Query parameters of the pages, typed like the API's: a bad value is a 400 page naming it.

Ids and page numbers stay within the database's `integer` range, so no value from the address bar
can overflow a query or an OFFSET. An empty parameter (a form's blank field) means "not given".
"""

from __future__ import annotations

from typing import Annotated, Literal, TypeVar

from flask import request
from pydantic import BaseModel, BeforeValidator, Field

from ..states import PackageStatus, TransferStatus
from ..validation import QueryId, QueryPage, parse, query_integer

Q = TypeVar("Q", bound=BaseModel)


def page_query(model: type[Q]) -> Q:
    """`model` read from the query string, blank values left out."""
    return parse(model, {name: value for name, value in request.args.items() if value.strip()})


class PackageListQuery(BaseModel):
    status: Annotated[PackageStatus, BeforeValidator(query_integer)] | None = None
    location: QueryId | None = None
    page: QueryPage = 1


class PackageDetailQuery(BaseModel):
    action: QueryId | None = None  # the Select Action choice, as a link without JavaScript sends it


class TransferListQuery(BaseModel):
    location: QueryId | None = None
    direction: Literal["incoming", "outgoing"] | None = None
    status: TransferStatus | None = None
    page: QueryPage = 1


MAX_PRINT_BATCH = 100


def _print_batch_ids(value: object) -> object:
    # The package list's checkboxes send `ids` once per package; a typed address may hold "1,2,3".
    if isinstance(value, list):
        value = [part for item in value for part in str(item).split(",") if part != ""]
        if len(value) > MAX_PRINT_BATCH:
            raise ValueError(f"At most {MAX_PRINT_BATCH} packages print in one job.")
    return value


class PrintBatchQuery(BaseModel):
    """The packages whose labels or documents print in one job (`?ids=1&ids=2` or `?ids=1,2`)."""

    ids: Annotated[list[QueryId], Field(min_length=1, max_length=MAX_PRINT_BATCH), BeforeValidator(_print_batch_ids)]

    @property
    def package_ids(self) -> list[int]:
        return list(dict.fromkeys(self.ids))  # each package once, in the order chosen


def print_batch_query() -> PrintBatchQuery:
    return parse(PrintBatchQuery, {"ids": request.args.getlist("ids")})
