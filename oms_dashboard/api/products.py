"""The catalog: the ERP's upsert by `sku`, and the list."""

from __future__ import annotations

from flask import jsonify
from flask_openapi3 import Tag

from .. import representations
from ..selectors import masterdata as selectors
from ..services.masterdata.catalog import upsert_products
from . import api_blueprint, writes_master_data
from .params import page_of
from .schemas.common import responses
from .schemas.masterdata import BatchOut, ProductBatch, ProductPage, ProductQuery

TAGS = [Tag(name="products", description="The catalog, as the ERP keeps it.")]


@api_blueprint.get("/products/", tags=TAGS, responses=responses({200: ProductPage}, 404))
def product_list(query: ProductQuery):
    """Products by id, optionally the one with a SKU or those with a barcode."""
    rows = selectors.products(sku=query.sku, barcode=query.barcode)
    return jsonify(page_of(rows, representations.product, query))


@api_blueprint.put("/products/", tags=TAGS, responses=responses({200: BatchOut}, 403, 413))
@writes_master_data
def product_upsert(body: ProductBatch):
    """Create or change products by `sku`, all rows or none; only the fields sent change."""
    result = upsert_products(rows=body.root)
    return jsonify(result.as_dict())
