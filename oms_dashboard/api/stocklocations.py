"""Stock locations: the list, the ERP's upsert by `erp_code`, and changes to one location."""

from __future__ import annotations

from flask import g, jsonify
from flask_openapi3 import Tag

from .. import representations
from ..selectors import masterdata as selectors
from ..services.masterdata.locations import update_location, upsert_locations
from ..services.masterdata.rows import LocationChanges
from . import api_blueprint, writes_master_data
from .params import page_of
from .schemas.common import responses
from .schemas.masterdata import BatchOut, LocationBatch, LocationPath, StockLocationChanged, StockLocationQuery
from .schemas.reference import StockLocationPage

TAGS = [Tag(name="stock locations", description="Stores and warehouses, with their quota use.")]


@api_blueprint.get("/stocklocations/", tags=TAGS, responses=responses({200: StockLocationPage}, 404))
def stock_locations(query: StockLocationQuery):
    """The stock locations the token may act on, with their quota use."""
    rows = selectors.stock_locations(actor=g.actor, erp_code=query.erp_code)
    return jsonify(page_of(rows, representations.stock_location, query))


@api_blueprint.put("/stocklocations/", tags=TAGS, responses=responses({200: BatchOut}, 403, 413))
@writes_master_data
def stock_location_upsert(body: LocationBatch):
    """Create or change locations by `erp_code`, all rows or none; `quota` is derived and cannot be sent."""
    result = upsert_locations(rows=body.root)
    return jsonify(result.as_dict())


@api_blueprint.patch(
    "/stocklocations/<id:location_id>/",
    tags=TAGS,
    responses=responses({200: StockLocationChanged}, 403, 404, 413),
)
@writes_master_data
def stock_location_update(path: LocationPath, body: LocationChanges):
    """Change the fields sent of one location (e.g. `max_quota`; `available_quota` never goes below 0)."""
    location, notices = update_location(location_id=path.location_id, changes=body)
    return jsonify(representations.stock_location(location) | {"notices": notices})
