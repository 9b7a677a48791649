"""Transfer orders (DESIGN §5.1): the same patterns as packages."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from ...states import TransferStatus
from ...validation import QueryId, text
from .common import IdOut, Output, Page, PageQuery, query_model_config
from .packages import CargoCompanyOut, Reference, TransitionOut

Code = text(64)  # erp_codes and order numbers are at most 64 characters


class TransferQuery(PageQuery):
    model_config = query_model_config()

    state: TransferStatus = Field(default=None, description="A transfer state.")
    state__enum_value: TransferStatus = Field(
        default=None, description="The same as `state`; it wins when both are given."
    )
    package: QueryId = Field(default=None, description="Transfers bringing items for this package id.")
    source__erp_code: Code = None
    destination__erp_code: Code = None
    order__number: Code = None


class TransferPath(BaseModel):
    transfer_id: IdOut


class TransferState(Output):
    enum_value: TransferStatus
    name: str
    slug: TransferStatus


class TransferItemOut(Output):
    id: IdOut
    package_item: IdOut
    sku: str
    product_name: str
    barcode: str
    state: TransferState


class TransferOrderReference(Output):
    id: IdOut
    number: str


class TransferPackageReference(Output):
    id: IdOut
    number: str


class TransferOut(Output):
    id: IdOut
    number: str
    state: TransferState
    order: TransferOrderReference
    package: TransferPackageReference
    source: Reference
    destination: Reference
    transferitem_set: list[TransferItemOut]
    commands: list[TransitionOut]
    cargo_company: CargoCompanyOut | None = Field(description="Recorded by TRANSFER_ORDER_ADVANCED.")
    tracking_number: str | None = Field(description="Recorded by TRANSFER_ORDER_ADVANCED.")
    extra_information: dict[str, Any]
    created_date: datetime
    modified_date: datetime


class TransferPage(Page[TransferOut]):
    pass
