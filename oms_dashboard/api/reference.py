"""Denial reasons: the list every token may read, and the reasons an unrestricted token adds or changes."""

from __future__ import annotations

from flask import jsonify
from flask_openapi3 import Tag

from .. import representations
from ..selectors import masterdata as selectors
from ..services.masterdata.reference import add_denial_reason, update_denial_reason
from ..services.masterdata.rows import DenialReasonChanges, DenialReasonRow
from . import api_blueprint, writes_master_data
from .params import page_of
from .schemas.common import PageQuery, responses
from .schemas.masterdata import DenialReasonPath
from .schemas.reference import DenialReasonOut, DenialReasonPage

TAGS = [Tag(name="denial reasons", description="Why a package can be refused or reported.")]


@api_blueprint.get("/packages/package_denial_reason/", tags=TAGS, responses=responses({200: DenialReasonPage}, 404))
def denial_reasons(query: PageQuery):
    """Why a package can be refused or reported (the `denial_reason` input of commands)."""
    return jsonify(page_of(selectors.denial_reasons(), representations.denial_reason, query))


@api_blueprint.post(
    "/packages/package_denial_reason/", tags=TAGS, responses=responses({201: DenialReasonOut}, 403, 413)
)
@writes_master_data
def denial_reason_create(body: DenialReasonRow):
    """Add a denial reason; a title already taken is a 400 (so a retried request adds nothing twice)."""
    reason = add_denial_reason(row=body)
    response = jsonify(representations.denial_reason(reason))
    response.status_code = 201  # a Response, not a (body, status) tuple: flask-openapi3 validates its JSON
    return response


@api_blueprint.patch(
    "/packages/package_denial_reason/<id:reason_id>/",
    tags=TAGS,
    responses=responses({200: DenialReasonOut}, 403, 404, 413),
)
@writes_master_data
def denial_reason_update(path: DenialReasonPath, body: DenialReasonChanges):
    """Change the fields sent of a denial reason, e.g. `{"is_active": false}`: no longer offered, kept where used."""
    reason = update_denial_reason(reason_id=path.reason_id, changes=body)
    return jsonify(representations.denial_reason(reason))
