"""Packages (DESIGN §5.1–5.2): the list's filters, the path, and the package as the API shows it."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, Field

from ...states import PackageStatus, Visibility
from ...validation import QueryId, query_integer, text
from .common import IdOut, Output, Page, PageQuery, query_model_config

Code = text(64)  # SKUs, erp_codes and order numbers are at most 64 characters


StatusQuery = Annotated[PackageStatus, BeforeValidator(query_integer)]


class PackageQuery(PageQuery):
    model_config = query_model_config()

    status: StatusQuery = Field(default=None, description="A package status value.")
    state__enum_value: StatusQuery = Field(
        default=None, description="The same as `status` (Akinon's name); it wins when both are given."
    )
    stock_location: QueryId = Field(default=None, description="A stock location id.")
    stock_location__erp_code: Code = None
    number: text(80) = Field(default=None, description="The package number, exactly.")
    order__number: Code = None
    sku: Code = Field(default=None, description="Packages holding an item of this SKU.")


class PackagePath(BaseModel):
    package_id: IdOut


class State(Output):
    enum_value: int | None = Field(description="The status value; null for `replanned`, an item-only state.")
    name: str
    slug: str


class Reference(Output):
    id: IdOut
    name: str
    erp_code: str


class CargoCompanyOut(Output):
    id: IdOut
    name: str
    erp_code: str


class ShipmentOut(Output):
    id: IdOut
    cargo_company: CargoCompanyOut | None
    tracking_number: str | None
    status: str
    label_version: int
    label_url: str | None = Field(description="The carrier's label, when it sent a link (UPDATE_SHIPMENT_LABEL).")
    label_format: Literal["zpl", "pdf"] | None = Field(
        description="The format of the carrier's label document, when it sent one (shown on the label page)."
    )
    created_date: datetime
    modified_date: datetime


class TransitionOut(Output):
    """A command the caller may run now."""

    id: IdOut
    label: str
    ui_visibility: list[Visibility]
    slug: str
    created_date: datetime | None
    modified_date: datetime | None
    translations: dict[str, Any] | None
    command: str
    source_state: int | str | None
    destination_state: int | str | None


class PackageItemOut(Output):
    id: IdOut
    order_item: IdOut
    sku: str
    product_name: str
    barcode: str
    state: State
    replanned_to: IdOut | None = Field(description="The item that took this one's place after replanning.")


class OrderReference(Output):
    id: IdOut
    number: str
    channel: str


class PackageOut(Output):
    id: IdOut
    number: str
    state: State
    stock_location: Reference
    order: OrderReference
    shipment: ShipmentOut | None
    packageitem_set: list[PackageItemOut]
    commands: list[TransitionOut]
    invoice_number: str | None
    invoice_date: date | None
    invoice_url: str | None
    created_date: datetime
    modified_date: datetime


class PackagePage(Page[PackageOut]):
    pass
