"""Order intake and the ERP's stock push (DESIGN §5.1)."""

from __future__ import annotations

from typing import Annotated, Any

from flask import g, jsonify, request
from pydantic import BaseModel, ConfigDict, Field, field_validator

from ..errors import AppError
from ..services.catalog import upsert_stocks
from ..services.orders import create_order
from ..validation import WholeNumber, parse
from . import api_blueprint

MAX_UNITS_PER_ORDER = 1000


Text = Annotated[str, Field(min_length=1, max_length=64)]
Quantity = WholeNumber


class OrderLine(BaseModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)

    sku: Text
    quantity: Annotated[Quantity, Field(ge=1, le=MAX_UNITS_PER_ORDER)] = 1


class Address(BaseModel):
    model_config = ConfigDict(extra="allow", str_strip_whitespace=True)

    city: Text
    line: Annotated[str, Field(max_length=512)] = ""


class OrderIntake(BaseModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)

    number: Text
    channel: Annotated[str, Field(max_length=64)] = ""
    customer: dict[str, Any] = {}
    shipping_address: Address
    items: Annotated[list[OrderLine], Field(min_length=1, max_length=MAX_UNITS_PER_ORDER)]
    notes: Annotated[str, Field(max_length=2000)] | None = None
    cargo_company: Text | None = None  # erp_code of the marketplace's carrier
    tracking_number: Annotated[str, Field(min_length=1, max_length=128)] | None = None

    @field_validator("items")
    @classmethod
    def _not_too_many_units(cls, items: list[OrderLine]) -> list[OrderLine]:
        if sum(line.quantity for line in items) > MAX_UNITS_PER_ORDER:
            raise ValueError(f"At most {MAX_UNITS_PER_ORDER} units an order.")
        return items


class StockLine(BaseModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)

    stock_location: Text
    sku: Text
    quantity: Annotated[Quantity, Field(ge=0, le=1_000_000_000)]


@api_blueprint.post("/orders/")
def order_intake():
    body = request.get_json(force=True, silent=True)
    if not isinstance(body, dict):
        raise AppError.non_field("Send the order as a JSON object.")
    if g.actor.location_ids is not None:
        raise AppError.forbidden()  # a token bound to locations cannot place orders for everyone
    intake = parse(OrderIntake, body)

    # Idempotent on the order number (a repeat gets the first result), so no Idempotency-Key record is needed.
    result = create_order(
        number=intake.number,
        lines=[(line.sku, line.quantity) for line in intake.items],
        channel=intake.channel,
        customer=intake.customer,
        shipping_address=intake.shipping_address.model_dump(),
        notes=intake.notes,
        cargo_company_code=intake.cargo_company,
        tracking_number=intake.tracking_number,
        actor=g.actor,
    )
    return jsonify({"id": result.order_id, "number": result.number, "packages": result.package_ids}), 201


@api_blueprint.put("/stocks/")
def stock_upsert():
    body = request.get_json(force=True, silent=True)
    if not isinstance(body, list):
        raise AppError.non_field("Send a JSON list of {stock_location, sku, quantity}.")
    lines = parse(Annotated[list[StockLine], Field(min_length=1, max_length=5000)], body)
    updated = upsert_stocks(
        rows=[(line.stock_location, line.sku, line.quantity) for line in lines],
        allowed_location_ids=g.actor.location_ids,
    )
    return jsonify({"updated": updated})
