"""`input_parameters` of each command, validated with pydantic; errors become DESIGN §5.3 400 bodies."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PlainValidator,
    StrictBool,
)

from ...database import MAX_ID
from ...validation import WholeNumber, parse

Id = Annotated[WholeNumber, Field(gt=0, le=MAX_ID)]
Text = Annotated[str, Field(min_length=1, max_length=128)]


def _id_or_code(value: Any) -> int | str:
    """Seed 001 shows a cargo company sent as an id or as a string: an erp_code is accepted too."""
    if isinstance(value, str):
        value = value.strip()
        if not value.isdigit():
            if 0 < len(value) <= 64:
                return value
            raise ValueError("Give the cargo company's id or erp_code.")
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= MAX_ID:
        raise ValueError("Give the cargo company's id or erp_code.")
    return value


CargoCompanyRef = Annotated[int | str, PlainValidator(_id_or_code)]


class CommandInput(BaseModel):
    # Integrators send extra keys (seed 000 puts "package" in the body): ignore them.
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)


class NoInput(CommandInput):
    pass


class OutOfStockInput(CommandInput):
    package_items: Annotated[list[Id], Field(min_length=1)]
    denial_reason: Id | None = None
    reason: Literal["not_found", "wrong_product"] = "not_found"


class ChannelPackingInput(CommandInput):
    barcodes: Annotated[list[Annotated[str, Field(min_length=1, max_length=64)]], Field(min_length=1)]


class RefuseInput(CommandInput):
    denial_reason: Id


class ShipInput(CommandInput):
    package_items: list[Id] | None = None


class ShipAdvancedInput(CommandInput):
    tracking_number: Text
    cargo_company: CargoCompanyRef


class ShipmentStatusInput(CommandInput):
    delivered_status: StrictBool
    status: Literal["attempted_delivery", "delivery_failed"] | None = None


class ShipmentInfoInput(CommandInput):
    tracking_number: Text | None = None
    cargo_company: CargoCompanyRef | None = None


class InvoiceInput(CommandInput):
    invoice_number: Annotated[str, Field(min_length=1, max_length=64)]
    invoice_date: date | None = None
    invoice_url: Annotated[str, Field(max_length=512, pattern=r"^https?://\S+$")] | None = None


class AssignmentGroup(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    package_items: Annotated[list[Id], Field(min_length=1)]
    stock_location: Annotated[str, Field(min_length=1, max_length=64)]


class ManualPlanningInput(CommandInput):
    assignment_groups: Annotated[list[AssignmentGroup], Field(min_length=1)]


def parse_input(model: type[CommandInput], data: dict[str, Any]) -> CommandInput:
    return parse(model, data)
