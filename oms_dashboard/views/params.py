"""Query parameters of the pages, typed like the API's: a bad value is a 400 page naming it.

Ids and page numbers stay within the database's `integer` range, so no value from the address bar
can overflow a query or an OFFSET. An empty parameter (a form's blank field) means "not given".
"""

from __future__ import annotations

from typing import Annotated, Literal, TypeVar

from flask import request
from pydantic import BaseModel, BeforeValidator

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
