"""Package Location Movements (home) and a location's counts in every status (DESIGN §7)."""

from __future__ import annotations

from urllib.parse import urlencode

from flask import Blueprint, Response, current_app, render_template, request, url_for
from flask_babel import gettext as _
from markupsafe import Markup, escape

from ..i18n import show_times_in
from ..selectors.locations import CARD_STATUSES, CardSort, cards_version, location_cards, location_counts
from ..selectors.stock_at_risk import at_risk_count
from ..states import PackageStatus
from .auth import current_actor, require_login
from .htmx import render, wants_fragment

locations_blueprint = Blueprint("locations", __name__)
locations_blueprint.before_request(require_login)


# Left out of links: the plain address of the home page is its first page sorted by attention.
DEFAULTS = {("sort", CardSort.ATTENTION.value), ("page", 1)}


def _sort(text: str | None) -> CardSort:
    try:
        return CardSort(text or CardSort.ATTENTION)
    except ValueError:
        return CardSort.ATTENTION


def _whole_number(text: str | None, default: int) -> int:
    return int(text) if text and text.isdigit() and len(text) < 7 else default


def _page_numbers(page: int, pages: int) -> list[int | None]:
    """The first, the last and the two either side of the current page; None stands for a gap."""
    shown = sorted({1, pages, *range(max(1, page - 2), min(pages, page + 2) + 1)})
    numbers: list[int | None] = []
    for number in shown:
        if numbers and number - numbers[-1] > 1:
            numbers.append(None)
        numbers.append(number)
    return numbers


@locations_blueprint.get("/")
def movements():
    actor = current_actor()
    search = request.args.get("q", "").strip()[:64]
    sort = _sort(request.args.get("sort"))
    page = max(1, _whole_number(request.args.get("page"), 1))
    version = cards_version(actor=actor)
    # The cards' own poll says which version it shows: nothing changed since, nothing to send.
    if wants_fragment() and request.args.get("since") == version:
        return Response(status=204)
    cards = location_cards(actor=actor, search=search, sort=sort, page=page)

    home = url_for("locations.movements")

    def movements_url(**changes) -> str:
        params = {"q": search, "sort": sort.value, "page": cards.page} | changes
        kept = {name: value for name, value in params.items() if value and (name, value) not in DEFAULTS}
        return f"{home}?{urlencode(kept)}" if kept else home

    # URLs are built once per request; a card only formats its location id into them.
    packages = url_for("packages.package_list")
    count_links = [
        (
            _(label),  # marked in selectors/locations.py
            Markup(escape(f"{packages}?location=")),
            Markup(escape(f"&status={status.value}")),
        )
        for status, label in CARD_STATUSES
    ]
    return render(
        "locations/movements.html",
        "locations/_cards.html",
        cards=cards,
        search=search,
        sort=sort,
        sorts=list(CardSort),
        movements_url=movements_url,
        page_numbers=_page_numbers(cards.page, cards.pages),
        poll_url=movements_url(since=version),
        detail_prefix=url_for("locations.detail", location_id=1).removesuffix("1"),
        count_links=count_links,
        refresh_seconds=current_app.config["MOVEMENTS_REFRESH_SECONDS"],
    )


@locations_blueprint.get("/locations/<id:location_id>")
def detail(location_id: int):
    counts = location_counts(location_id=location_id, actor=current_actor())
    show_times_in(counts.location)
    at_risk = at_risk_count(location_id=location_id)  # packages here whose shelf holds fewer units than reserved
    page, status = render(
        "locations/detail.html",
        "locations/_status_counts.html",
        counts=counts,
        statuses=list(PackageStatus),
        refresh_seconds=current_app.config["MOVEMENTS_REFRESH_SECONDS"],
        at_risk=at_risk,
    )
    if wants_fragment():  # the counts' poll: the stock-at-risk line too, swapped in by its id
        page += render_template("locations/_at_risk.html", at_risk=at_risk, location_id=location_id, out_of_band=True)
    return page, status
