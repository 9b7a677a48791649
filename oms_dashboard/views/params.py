"""Query parameters of the pages, typed like the API's: a bad value is a 400 page naming it.

Ids and page numbers stay within the database's `integer` range, so no value from the address bar
can overflow a query or an OFFSET. An empty parameter (a form's blank field) means "not given".
"""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Literal, TypeVar

from flask import request
from pydantic import BaseModel, BeforeValidator, Field, ValidationInfo, field_validator

from ..i18n import N_
from ..states import PackageStatus, TransferStatus
from ..validation import QueryId, QueryPage, parse, query_integer, text

Q = TypeVar("Q", bound=BaseModel)


def page_query(model: type[Q]) -> Q:
    """`model` read from the query string, blank values left out."""
    return parse(model, {name: value for name, value in request.args.items() if value.strip()})


def _query_date(value: object) -> object:
    # What <input type="date"> sends: 2026-12-07, nothing else (no times, no "20261207", no timestamps).
    if isinstance(value, str):
        if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value):
            raise ValueError(N_("Enter a date as YYYY-MM-DD."))
        try:
            return date.fromisoformat(value)
        except ValueError:
            raise ValueError(N_("Enter a date that exists, as YYYY-MM-DD.")) from None
    return value


QueryDate = Annotated[date, BeforeValidator(_query_date)]


class PackageListQuery(BaseModel):
    status: Annotated[PackageStatus, BeforeValidator(query_integer)] | None = None
    location: QueryId | None = None
    # The search box (a scanner's code, or what a person types): longer than any number or name it finds.
    q: text(200, blank=True) = ""
    created_from: QueryDate | None = None  # created on or after this day (the page's time zone)
    created_to: QueryDate | None = None  # created on or before this day (the page's time zone)
    channel: text(64) | None = None  # the order's sales channel code
    carrier: QueryId | None = None  # the shipment's cargo company
    overdue: Literal["1"] | None = None  # only packages older in their status than its threshold
    at_risk: Literal["1"] | None = None  # only packages whose shelf holds fewer units than are reserved
    sort: Literal["newest", "age"] = "newest"  # age: the longest in its status first
    page: QueryPage = 1

    @field_validator("created_to")
    @classmethod
    def _not_before_the_start(cls, created_to: date | None, info: ValidationInfo) -> date | None:
        created_from = info.data.get("created_from")
        if created_to is not None and created_from is not None and created_to < created_from:
            raise ValueError(N_("The end date is before the start date."))
        return created_to


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
