"""The typed rows of master data, as the API, `oms import` and the admin pages hand them to the services.

One set of models for every door, so a file imported from the command line is checked exactly as the
same rows sent to the API, and the OpenAPI document shows the same limits.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from flask_babel import gettext
from pydantic import BaseModel, ConfigDict, Field, StrictBool, field_validator
from pydantic.json_schema import SkipJsonSchema

from ...i18n import N_, is_time_zone
from ...validation import WholeNumber, text

Code = text(64)
MAX_QUOTA = 1_000_000_000
PRIORITY_RANGE = 1_000_000
MAX_ATTRIBUTES = 50
DERIVED_MESSAGE = N_("Derived from the packages at the location; it cannot be written.")

Priority = Annotated[WholeNumber, Field(ge=-PRIORITY_RANGE, le=PRIORITY_RANGE)]
MaxQuota = Annotated[WholeNumber, Field(ge=0, le=MAX_QUOTA)]
AttributeValue = text(512, blank=True) | Annotated[WholeNumber, Field(ge=-(2**53), le=2**53)] | StrictBool | None
# English in the API; in the page's language under the admin form's field (gettext answers per request).
TIME_ZONE_MESSAGE = N_("Must be an IANA time zone name such as Europe/Istanbul.")


def _no_defaults(schema: dict[str, Any]) -> None:
    """The fields of a PATCH have no default: a field left out keeps its value."""
    for prop in schema.get("properties", {}).values():
        prop.pop("default", None)


def _values_as_additional_properties(schema: dict[str, Any]) -> None:
    """Say what a value may be as `additionalProperties`: the OpenAPI document (flask-openapi3) keeps that
    keyword but drops `patternProperties`, where pydantic puts it when the keys have a pattern."""
    patterns = schema.pop("patternProperties", None)
    if patterns:
        [schema["additionalProperties"]] = patterns.values()


def _body_example(summary: str, value: dict[str, Any]) -> dict[str, Any]:
    """A request body's example where the OpenAPI document keeps it (it drops `examples` inside schemas)."""
    return {"examples": {"example": {"summary": summary, "value": value}}}


class Row(BaseModel):
    """Unknown keys are refused: a typo in a field name must not be silently ignored."""

    model_config = ConfigDict(extra="forbid")

    def given(self) -> dict[str, Any]:
        """The fields the caller sent (an update changes only those)."""
        return {name: getattr(self, name) for name in self.model_fields_set}


class _RefusesDerivedCounters(Row):
    # Named fields (not just "unknown field") so the 400 says why quota cannot be sent.
    quota: SkipJsonSchema[Any] = Field(default=None, exclude=True)
    available_quota: SkipJsonSchema[Any] = Field(default=None, exclude=True)

    @field_validator("quota", "available_quota", mode="before")
    @classmethod
    def _derived(cls, value: Any) -> Any:
        raise ValueError(gettext(DERIVED_MESSAGE))


class LocationChanges(_RefusesDerivedCounters):
    """The fields of a stock location an ERP or an admin may change (PATCH)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra=_no_defaults,
        openapi_extra=_body_example("Allow at most 30 open packages", {"max_quota": 30}),
    )

    name: text(128) = None  # type: ignore[assignment]  (required when a location is created)
    type: Literal["store", "warehouse"] = "store"
    city: text(64, blank=True) = Field(default="", examples=["İstanbul"])
    priority: Priority = Field(default=0, description="Higher is preferred by planning.")
    max_quota: MaxQuota | None = Field(
        default=None, description="Packages the location may hold in quota-holding statuses; null: unlimited."
    )
    is_active: StrictBool = Field(default=True, description="Inactive: planning no longer chooses it.")
    default_cargo_company: Code | None = Field(default=None, description="erp_code of a cargo company, or null.")
    remote_fulfilment: StrictBool = Field(default=False, description="Packages wait for a system outside the OMS.")
    is_pickup_location: StrictBool = Field(default=False, description="Customers may collect orders here.")
    timezone: text(64, blank=True) | None = Field(
        default=None,
        description="The IANA time zone its pages show times in; null or empty: the default (OMS_TIMEZONE).",
        examples=["Europe/Istanbul"],
    )

    @field_validator("timezone")
    @classmethod
    def _time_zone_or_default(cls, value: str | None) -> str | None:
        """An IANA zone name as the IANA database spells it ("Europe/Istanbul"); blank is None: the default."""
        if not value:
            return None
        if not is_time_zone(value):
            raise ValueError(gettext(TIME_ZONE_MESSAGE))
        return value


class LocationRow(LocationChanges):
    """A stock location, matched by `erp_code`: created when new, else only the fields sent change."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "erp_code": "ST-KADIKOY",
                    "name": "Kadıköy Store",
                    "type": "store",
                    "city": "İstanbul",
                    "max_quota": 50,
                }
            ]
        },
    )
    erp_code: Code
    name: text(128) = Field(examples=["Kadıköy Store"])


class ProductRow(Row):
    """A product, matched by `sku`: created when new, else only the fields sent change."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"sku": "SKU-1001", "name": "Linen shirt, blue, M", "barcode": "8690000010019"}]
        },
    )
    sku: Code
    name: text(255)
    barcode: text(64, blank=True) = ""
    image_url: text(512) | None = None
    attributes: Annotated[
        dict[text(64), AttributeValue],
        Field(
            max_length=MAX_ATTRIBUTES,
            description="Free-form: colour, size, … (text, numbers or booleans).",
            json_schema_extra=_values_as_additional_properties,
        ),
    ] = Field(default_factory=dict)


class CarrierRow(Row):
    """A cargo company, matched by `erp_code`."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "erp_code": "ARAS",
                    "name": "Aras Kargo",
                    "label_mode": "sync",
                    "tracking_url_template": "https://kargotakip.araskargo.com.tr/?code={tracking_number}",
                }
            ]
        },
    )
    erp_code: Code
    name: text(128)
    label_mode: Literal["sync", "async"] = Field(
        default="sync", description="async: the carrier sends the label later (Pending Shipping Label)."
    )
    tracking_url_template: text(512) | None = Field(
        default=None, description="`{tracking_number}` is replaced by the shipment's tracking number."
    )
    is_active: StrictBool = True

    @field_validator("tracking_url_template")
    @classmethod
    def _has_placeholder(cls, value: str | None) -> str | None:
        if value is not None and "{tracking_number}" not in value:
            raise ValueError(gettext("Must contain {tracking_number}."))
        return value


class DenialReasonRow(Row):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"title": "Product damaged", "priority": 10}]},
        openapi_extra=_body_example("A new reason", {"title": "Address unreachable", "priority": 60}),
    )
    title: text(255)
    is_active: StrictBool = True
    priority: Priority = 0


class DenialReasonChanges(Row):
    """PATCH: e.g. `{"is_active": false}` to stop offering a reason (it stays on packages that used it)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra=_no_defaults,
        openapi_extra=_body_example("Stop offering the reason", {"is_active": False}),
    )

    title: text(255) = None  # type: ignore[assignment]
    is_active: StrictBool = True
    priority: Priority = 0


class SalesChannelRow(Row):
    code: Code
    name: text(128)
    invoice_required: StrictBool = Field(
        default=False, description="Packages of this channel wait in Pending Invoice until the invoice is sent."
    )


class StockRow(Row):
    stock_location: Code = Field(description="The location's erp_code.")
    sku: Code
    quantity: Annotated[WholeNumber, Field(ge=0, le=1_000_000_000)]
