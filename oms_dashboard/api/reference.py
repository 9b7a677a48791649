"""Reference data: stock locations, cargo companies, denial reasons."""

from __future__ import annotations

from flask import g, jsonify
from sqlalchemy import Select, func, select

from .. import representations
from ..extensions import db
from ..models import CargoCompany, DenialReason, StockLocation
from . import api_blueprint
from .params import page_window, paginated


def _page(query: Select, represent) -> dict:
    page, page_size = page_window()
    count = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    rows = db.session.scalars(query.offset((page - 1) * page_size).limit(page_size))
    return paginated(count=count, page=page, page_size=page_size, results=[represent(row) for row in rows])


@api_blueprint.get("/stocklocations/")
def stock_locations():
    query = select(StockLocation).order_by(StockLocation.id)
    if g.actor.location_ids is not None:
        query = query.where(StockLocation.id.in_(g.actor.location_ids))
    return jsonify(_page(query, representations.stock_location))


@api_blueprint.get("/cargo-company/")
def cargo_companies():
    query = select(CargoCompany).where(CargoCompany.is_active).order_by(CargoCompany.id)
    return jsonify(_page(query, representations.cargo_company))


@api_blueprint.get("/packages/package_denial_reason/")
def denial_reasons():
    query = select(DenialReason).order_by(DenialReason.priority, DenialReason.id)
    return jsonify(_page(query, representations.denial_reason))
