"""Cargo companies: the list (seed 001 names the path `cargo-company/`) and the ERP's upsert by `erp_code`."""

from __future__ import annotations

from flask import jsonify
from flask_openapi3 import Tag

from .. import representations
from ..selectors import masterdata as selectors
from ..services.masterdata.catalog import upsert_carriers
from . import api_blueprint, writes_master_data
from .params import page_of
from .schemas.common import PageQuery, responses
from .schemas.masterdata import BatchOut, CarrierBatch, CarrierPage

TAGS = [Tag(name="cargo companies", description="The carriers that ship packages.")]


@api_blueprint.get("/cargo-company/", tags=TAGS, responses=responses({200: CarrierPage}, 404))
def cargo_companies(query: PageQuery):
    """Every cargo company, inactive ones too (commands accept the active ones, by id or erp_code)."""
    return jsonify(page_of(selectors.carriers(), representations.cargo_company_details, query))


@api_blueprint.put("/cargo-company/", tags=TAGS, responses=responses({200: BatchOut}, 403, 413))
@writes_master_data
def cargo_company_upsert(body: CarrierBatch):
    """Create or change cargo companies by `erp_code`, all rows or none."""
    result = upsert_carriers(rows=body.root)
    return jsonify(result.as_dict())
