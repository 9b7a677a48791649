"""`input_parameters` of each command, validated with pydantic; errors become DESIGN §5.3 400 bodies."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from flask_babel import gettext
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PlainValidator,
    Strict,
    StrictBool,
)

from ...database import MAX_ID
from ...validation import Id, parse, text, unstorable_text_reason

Text = text(128)
Code = text(64)
# A package holds at most an order's units (1000); a list longer than that cannot name its items.
MAX_LIST = 1000


def _id_or_code(value: Any) -> int | str:
    """Seed 001 shows a cargo company sent as an id or as a string: an erp_code is accepted too."""
    if isinstance(value, str):
        if (reason := unstorable_text_reason(value)) is not None:
            raise ValueError(reason)
        value = value.strip()
        if value.isascii() and value.isdigit() and 0 < int(value) <= MAX_ID:
            return int(value)
        if 0 < len(value) <= 64:
            return value
        raise ValueError(gettext("Give the cargo company's id or erp_code."))
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= MAX_ID:
        raise ValueError(gettext("Give the cargo company's id or erp_code."))
    return value


CargoCompanyRef = Annotated[
    int | str,
    PlainValidator(
        _id_or_code,
        json_schema_input_type=Annotated[Id, Field(description="The id")] | Code,
    ),
]


class CommandInput(BaseModel):
    # Integrators send extra keys (seed 000 puts "package" in the body): ignore them.
    model_config = ConfigDict(extra="ignore")


class NoInput(CommandInput):
    pass


class OutOfStockInput(CommandInput):
    package_items: Annotated[list[Id], Field(min_length=1, max_length=MAX_LIST)]
    denial_reason: Id | None = None
    reason: Literal["not_found", "wrong_product"] = "not_found"


class ChannelPackingInput(CommandInput):
    barcodes: Annotated[list[Code], Field(min_length=1, max_length=MAX_LIST)]


class RefuseInput(CommandInput):
    denial_reason: Id


class ShipInput(CommandInput):
    package_items: Annotated[list[Id], Field(max_length=MAX_LIST)] | None = None


class ShipAdvancedInput(CommandInput):
    tracking_number: Text
    cargo_company: CargoCompanyRef


class ShipmentStatusInput(CommandInput):
    # The transition names the outcome (…__delivered, …__delivery_failed, …__attempted_delivery); these
    # inputs, when given, must agree with it (seed 003 sends delivered_status).
    delivered_status: StrictBool | None = None
    status: Literal["attempted_delivery", "delivery_failed"] | None = None


class ShipWithoutIntegrationInput(CommandInput):
    tracking_number: Text | None = None
    cargo_company: CargoCompanyRef | None = None


class ShipmentOrderInput(CommandInput):
    cargo_company: CargoCompanyRef | None = None


# A carrier's label as base64 (a thermal ZPL label or a PDF): 2 MB of document at most.
MAX_LABEL_BASE64 = 2_800_000


class ShipmentLabelInput(CommandInput):
    tracking_number: Text | None = None
    cargo_company: CargoCompanyRef | None = None
    label_url: Annotated[str, Strict(), Field(max_length=512, pattern=r"^https?://\S+$")] | None = None
    label: (
        Annotated[
            str, Strict(), Field(min_length=4, max_length=MAX_LABEL_BASE64, pattern=r"^[A-Za-z0-9+/\s]+={0,2}\s*$")
        ]
        | None
    ) = None
    label_format: Literal["zpl", "pdf"] | None = None


class PickupInput(CommandInput):
    pickup_code: Annotated[str, Strict(), Field(min_length=1, max_length=32)] | None = None


class ShipmentInfoInput(CommandInput):
    tracking_number: Text | None = None
    cargo_company: CargoCompanyRef | None = None


class InvoiceInput(CommandInput):
    invoice_number: Code
    invoice_date: date | None = None
    invoice_url: Annotated[str, Strict(), Field(max_length=512, pattern=r"^https?://\S+$")] | None = None


class AssignmentGroup(BaseModel):
    model_config = ConfigDict(extra="forbid")

    package_items: Annotated[list[Id], Field(min_length=1, max_length=MAX_LIST)]
    stock_location: Code


class ManualPlanningInput(CommandInput):
    assignment_groups: Annotated[list[AssignmentGroup], Field(min_length=1, max_length=MAX_LIST)]


class TransferAdvancedInput(CommandInput):
    cargo_company: CargoCompanyRef
    tracking_number: Text


class TransferItemsNotFoundInput(CommandInput):
    transfer_items: Annotated[list[Id], Field(min_length=1, max_length=MAX_LIST)]
    denial_reason: Id | None = None
    reason: Literal["not_found", "wrong_product"] = "not_found"


# Every input model, for the OpenAPI document's description of `input_parameters`.
INPUT_MODELS: tuple[type[CommandInput], ...] = (
    OutOfStockInput,
    ChannelPackingInput,
    RefuseInput,
    ShipInput,
    ShipAdvancedInput,
    ShipmentStatusInput,
    ShipmentInfoInput,
    ShipWithoutIntegrationInput,
    ShipmentOrderInput,
    ShipmentLabelInput,
    PickupInput,
    InvoiceInput,
    ManualPlanningInput,
    TransferAdvancedInput,
    TransferItemsNotFoundInput,
    NoInput,
)


def parse_input(model: type[CommandInput], data: dict[str, Any]) -> CommandInput:
    return parse(model, data)
