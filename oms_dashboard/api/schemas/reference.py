"""Stock locations and denial reasons as the API shows them (cargo companies: `masterdata.py`)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from .common import IdOut, Output, Page
from .packages import CargoCompanyOut


class StockLocationOut(Output):
    id: IdOut
    name: str
    erp_code: str
    type: Literal["store", "warehouse"]
    priority: int
    max_quota: Annotated[int, Field(ge=0)] | None = Field(description="null: unlimited.")
    quota: Annotated[int, Field(ge=0)] = Field(description="Packages here in a status that holds quota.")
    available_quota: Annotated[int, Field(ge=0)] | None = Field(
        description="max(0, max_quota - quota); null: unlimited."
    )
    is_active: bool
    city: str
    default_cargo_company: CargoCompanyOut | None = Field(description="Used when a command names no carrier.")
    remote_fulfilment: bool = Field(description="Packages here wait for a system outside the OMS.")
    is_pickup_location: bool = Field(description="Customers may collect orders here.")
    timezone: str | None = Field(
        description="The IANA time zone its pages show times in (e.g. Europe/Istanbul); null: the default."
    )


class DenialReasonOut(Output):
    id: IdOut
    title: str
    is_active: bool
    priority: int


class StockLocationPage(Page[StockLocationOut]):
    pass


class DenialReasonPage(Page[DenialReasonOut]):
    pass
