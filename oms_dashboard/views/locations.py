"""Package Location Movements (home) and a location's counts in every status (DESIGN §7)."""

from __future__ import annotations

from flask import Blueprint, current_app, request

from ..selectors.locations import CARD_STATUSES, location_cards, location_counts
from ..states import PackageStatus
from .auth import current_actor, require_login
from .htmx import render

locations_blueprint = Blueprint("locations", __name__)
locations_blueprint.before_request(require_login)


@locations_blueprint.get("/")
def movements():
    search = request.args.get("q", "").strip()[:64]
    cards = location_cards(actor=current_actor(), search=search)
    return render(
        "locations/movements.html",
        "locations/_cards.html",
        cards=cards,
        search=search,
        card_statuses=CARD_STATUSES,
        refresh_seconds=current_app.config["MOVEMENTS_REFRESH_SECONDS"],
    )


@locations_blueprint.get("/locations/<id:location_id>")
def detail(location_id: int):
    counts = location_counts(location_id=location_id, actor=current_actor())
    return render(
        "locations/detail.html",
        "locations/_status_counts.html",
        counts=counts,
        statuses=list(PackageStatus),
        refresh_seconds=current_app.config["MOVEMENTS_REFRESH_SECONDS"],
    )
