"""Stock: quantities on hand as the ERP counts them, and what is reserved and available of them."""

from __future__ import annotations

from flask import g, jsonify
from flask_openapi3 import Tag

from .. import representations
from ..selectors import masterdata as selectors
from ..services.catalog import upsert_stocks
from . import api_blueprint
from .params import page_of
from .schemas.common import responses
from .schemas.masterdata import StockPage, StockPush, StockPushResult, StockQuery

TAGS = [Tag(name="stock", description="Quantities on hand, as the ERP counts them.")]


@api_blueprint.get("/stocks/", tags=TAGS, responses=responses({200: StockPage}, 404))
def stock_list(query: StockQuery):
    """Stock rows of the locations the token may act on: on hand, reserved, and available (never negative)."""
    rows = selectors.stocks(actor=g.actor, sku=query.sku, location_erp_code=query.stock_location__erp_code)
    return jsonify(page_of(rows, representations.stock, query))


@api_blueprint.put("/stocks/", tags=TAGS, responses=responses({200: StockPushResult}, 403, 413))
def stock_upsert(body: StockPush):
    """Set quantities on hand `[{stock_location, sku, quantity}]`; all rows or none; reservations stay."""
    updated = upsert_stocks(
        rows=[(line.stock_location, line.sku, line.quantity) for line in body.root],
        allowed_location_ids=g.actor.location_ids,
    )
    return jsonify({"updated": updated})
