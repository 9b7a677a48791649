"""Master data (DESIGN §5.1 "Master data"): the batch bodies, their answers, and the lists.

The items of every write body are the row models of `services/masterdata/rows.py` themselves, so the
OpenAPI document shows exactly what the services accept, and `oms import` checks a file with the same
models.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, RootModel

from ...services.masterdata.rows import CarrierRow, LocationRow, ProductRow, StockRow
from ...validation import text
from .common import IdOut, Output, Page, PageQuery, query_model_config
from .reference import StockLocationOut

MAX_LOCATION_ROWS = 1000
MAX_PRODUCT_ROWS = 5000
MAX_CARRIER_ROWS = 1000
MAX_STOCK_ROWS = 5000

Code = text(64)


def _examples(summary: str, value: Any) -> ConfigDict:
    """A request body's example, where the document keeps it (flask-openapi3 drops `examples` inside schemas)."""
    return ConfigDict(openapi_extra={"examples": {"example": {"summary": summary, "value": value}}})


# --- write bodies ----------------------------------------------------------------------------------


class LocationBatch(RootModel[Annotated[list[LocationRow], Field(min_length=1, max_length=MAX_LOCATION_ROWS)]]):
    """Stock locations matched by `erp_code`: new ones are created, the others change only the fields sent."""

    model_config = _examples(
        "A store and a warehouse",
        [
            {
                "erp_code": "ST-KADIKOY",
                "name": "Kadıköy Store",
                "type": "store",
                "city": "İstanbul",
                "priority": 80,
                "max_quota": 50,
                "default_cargo_company": "aras",
            },
            {"erp_code": "WH-GEBZE", "name": "Gebze Warehouse", "type": "warehouse", "city": "Kocaeli"},
        ],
    )


class ProductBatch(RootModel[Annotated[list[ProductRow], Field(min_length=1, max_length=MAX_PRODUCT_ROWS)]]):
    """Products matched by `sku`: new ones are created, the others change only the fields sent."""

    model_config = _examples(
        "Two products, one with attributes",
        [
            {
                "sku": "SKU-1001",
                "name": "Linen shirt, blue, M",
                "barcode": "8690000010019",
                "attributes": {"colour": "blue", "size": "M"},
            },
            {"sku": "SKU-1002", "name": "Linen shirt, blue, L", "barcode": "8690000010026"},
        ],
    )


class CarrierBatch(RootModel[Annotated[list[CarrierRow], Field(min_length=1, max_length=MAX_CARRIER_ROWS)]]):
    """Cargo companies matched by `erp_code`: new ones are created, the others change only the fields sent."""

    model_config = _examples(
        "A carrier with a tracking link",
        [
            {
                "erp_code": "aras",
                "name": "Aras Kargo",
                "label_mode": "sync",
                "tracking_url_template": "https://kargotakip.araskargo.com.tr/?code={tracking_number}",
            }
        ],
    )


class StockPush(RootModel[Annotated[list[StockRow], Field(min_length=1, max_length=MAX_STOCK_ROWS)]]):
    """Quantities on hand, set (not added); all rows are applied or none."""

    model_config = _examples(
        "Units on hand of one product at one location",
        [{"stock_location": "ST-KADIKOY", "sku": "SKU-1001", "quantity": 12}],
    )


class LocationPath(BaseModel):
    location_id: IdOut


class DenialReasonPath(BaseModel):
    reason_id: IdOut


# --- answers ---------------------------------------------------------------------------------------


class BatchOut(Output):
    """What a batch did, by key, in the order the rows were sent."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"created": ["ST-KADIKOY"], "updated": ["WH-GEBZE"], "unchanged": [], "notices": []}]
        },
    )
    created: list[str] = Field(description="Keys of the rows that were new.")
    updated: list[str] = Field(description="Keys of the rows whose fields changed.")
    unchanged: list[str] = Field(description="Keys of the rows that were already as sent.")
    notices: list[str] = Field(
        description="What the caller should know besides, e.g. open packages left at a deactivated location."
    )


class StockLocationChanged(StockLocationOut):
    """The location as `GET stocklocations/` shows it now, with notices."""

    notices: list[str] = Field(description="e.g. how many packages are still open at a location just deactivated.")


class StockPushResult(Output):
    updated: Annotated[int, Field(ge=0)]


class CarrierOut(Output):
    id: IdOut
    name: str
    erp_code: str
    label_mode: Literal["sync", "async"]
    tracking_url_template: str | None
    is_active: bool


class ProductOut(Output):
    id: IdOut
    sku: str
    name: str
    barcode: str
    image_url: str | None
    attributes: dict[str, str | int | bool | None]


class StockOut(Output):
    stock_location: str = Field(description="The location's erp_code.")
    sku: str
    quantity: Annotated[int, Field(ge=0)] = Field(description="Units on hand, as the ERP last counted them.")
    reserved: Annotated[int, Field(ge=0)] = Field(description="Units held for open packages.")
    available: Annotated[int, Field(ge=0)] = Field(description="max(0, quantity - reserved).")


class CarrierPage(Page[CarrierOut]):
    pass


class ProductPage(Page[ProductOut]):
    pass


class StockPage(Page[StockOut]):
    pass


# --- list filters ----------------------------------------------------------------------------------


class StockLocationQuery(PageQuery):
    model_config = query_model_config()

    erp_code: Code = Field(default=None, description="The location with this erp_code, exactly.")


class ProductQuery(PageQuery):
    model_config = query_model_config()

    sku: Code = Field(default=None, description="The product with this SKU, exactly.")
    barcode: text(64) = Field(default=None, description="Products with this barcode, exactly.")


class StockQuery(PageQuery):
    model_config = query_model_config()

    sku: Code = Field(default=None, description="Rows of this SKU, exactly.")
    stock_location__erp_code: Code = Field(default=None, description="Rows of the location with this erp_code.")
