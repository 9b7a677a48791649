"""Order intake (DESIGN §5.1): typed, bounded, strings where text belongs."""

from __future__ import annotations

import hashlib
import json
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from ...validation import WholeNumber, text
from .common import IdOut, Output
from .packages import Reference, State

MAX_UNITS_PER_ORDER = 1000
# Customer and address keys beyond the known ones: kept as the ERP sent them, as short text or null.
MAX_EXTRA_KEYS = 20
EXTRA_KEY_LENGTH = 64
ExtraText = text(512, blank=True)

Code = text(64)


def _bounded_extras(schema: dict[str, Any]) -> None:
    schema["maxProperties"] = len(schema.get("properties", {})) + MAX_EXTRA_KEYS
    schema["propertyNames"] = {"maxLength": EXTRA_KEY_LENGTH}


class OpenRecord(BaseModel):
    """Known fields typed; other keys allowed as bounded text or null, and not too many of them."""

    model_config = ConfigDict(extra="allow", json_schema_extra=_bounded_extras)
    __pydantic_extra__: dict[str, ExtraText | None]

    @model_validator(mode="after")
    def _few_short_extra_keys(self):
        extra = self.model_extra or {}
        if len(extra) > MAX_EXTRA_KEYS:
            raise ValueError(f"At most {MAX_EXTRA_KEYS} keys besides the known ones.")
        if any(len(key) > EXTRA_KEY_LENGTH for key in extra):
            raise ValueError(f"Keys may be at most {EXTRA_KEY_LENGTH} characters.")
        return self


class Customer(OpenRecord):
    first_name: text(128, blank=True) | None = None
    last_name: text(128, blank=True) | None = None
    email: text(254, blank=True) | None = None
    phone: text(32, blank=True) | None = None


class Address(OpenRecord):
    city: text(64)
    line: text(512, blank=True) = ""
    district: text(64, blank=True) | None = None
    postcode: text(16, blank=True) | None = None
    country: text(64, blank=True) | None = None
    phone: text(32, blank=True) | None = None


class OrderLine(BaseModel):
    sku: Code
    quantity: Annotated[WholeNumber, Field(ge=1, le=MAX_UNITS_PER_ORDER)] = 1


class OrderIntake(BaseModel):
    """An order from a sales channel; idempotent on `number` (a repeat returns the first answer)."""

    number: Code
    channel: text(64, blank=True) = ""
    customer: Customer = Field(default_factory=Customer)
    shipping_address: Address
    items: Annotated[list[OrderLine], Field(min_length=1, max_length=MAX_UNITS_PER_ORDER)]
    notes: text(2000, blank=True) | None = None
    cargo_company: Code | None = Field(default=None, description="erp_code of a marketplace's carrier.")
    tracking_number: text(128) | None = Field(default=None, description="A marketplace's tracking number.")
    delivery_type: Literal["shipping", "pickup"] = Field(
        default="shipping", description="`pickup`: the customer collects the order at `pickup_location`."
    )
    pickup_location: Code | None = Field(
        default=None, description="erp_code of a pickup location (`is_pickup_location`); pickup orders only."
    )
    pickup_code: text(32) | None = Field(default=None, description="The code the customer shows at the counter.")

    def pickup_errors(self) -> dict[str, list[str]]:
        """The pickup fields belong together (checked here to name the field in the 400)."""
        if self.delivery_type == "pickup" and self.pickup_location is None:
            return {"pickup_location": ["Required for a pickup order."]}
        if self.delivery_type != "pickup":
            extra = [name for name in ("pickup_location", "pickup_code") if getattr(self, name) is not None]
            return {name: ["Only for pickup orders (delivery_type: pickup)."] for name in extra}
        return {}

    def fingerprint(self) -> str:
        """What the request asks for, whatever the key order or spacing: a repeat has the same one."""
        canonical = json.dumps(self.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canonical.encode()).hexdigest()

    @field_validator("items")
    @classmethod
    def _not_too_many_units(cls, items: list[OrderLine]) -> list[OrderLine]:
        if sum(line.quantity for line in items) > MAX_UNITS_PER_ORDER:
            raise ValueError(f"At most {MAX_UNITS_PER_ORDER} units an order.")
        return items


class OrderCreated(Output):
    id: IdOut
    number: str
    packages: list[IdOut] = Field(description="The packages the intake made, in order.")


class OrderPath(BaseModel):
    number: Code


class OrderCancelBody(BaseModel):
    """Optional: why the customer or the channel cancels (kept in each package's history). `{}` or no body."""

    model_config = ConfigDict(
        extra="forbid",
        openapi_extra={
            "required": False,
            "examples": {"example": {"summary": "Customer's request", "value": {"reason": "Customer changed mind"}}},
        },
    )

    reason: text(255) | None = None

    @model_validator(mode="before")
    @classmethod
    def _no_body_is_empty(cls, data: Any) -> Any:
        return {} if data is None else data


class OrderReference(Output):
    id: IdOut
    number: str
    channel: str


class PackageStatusNow(Output):
    id: IdOut
    number: str
    state: State
    stock_location: Reference


class OrderCancellationOut(Output):
    """Every package of the order, in its status after the request."""

    order: OrderReference
    packages: list[PackageStatusNow]
