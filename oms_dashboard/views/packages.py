"""Package list with the status slider, package detail, and its actions (DESIGN §7)."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, request, url_for
from flask_babel import gettext

from ..errors import AppError
from ..i18n import N_, display_zone_name, show_times_in
from ..models import Transition
from ..selectors.locations import visible_location
from ..selectors.package_pages import (
    PackageDetail,
    package_detail,
    package_filter_choices,
    package_id_by_number,
    package_list_page,
)
from ..selectors.packages import PackageFilters
from ..selectors.scan_to_pack import ScanProgress
from ..services.commands import run_command
from .auth import current_actor, require_login
from .confirmations import confirmation, needs_confirmation
from .htmx import redirect_to, render, wants_fragment
from .package_forms import CommandForm, build_form, needs_form
from .params import PackageDetailQuery, PackageListQuery, page_query
from .results import result_message

packages_blueprint = Blueprint("packages", __name__, url_prefix="/packages")
packages_blueprint.before_request(require_login)
# The action buttons ask it (templates/*/_action_button.html): an irreversible command opens its question.
packages_blueprint.add_app_template_global(needs_confirmation)

# The buttons at the top right of the detail page (seed 004), when the user may run them now.
MAIN_BUTTONS = ["COMPLETE_PACKAGING", "SHIP", "REPACK"]
NOT_OFFERED = N_("That action is not available for this package now.")


@packages_blueprint.get("/")
def package_list():
    query = page_query(PackageListQuery)
    if query.q:  # a scanner types the package or tracking number and Enter: open that package
        package_id = package_id_by_number(number=query.q, actor=current_actor())
        if package_id is not None:
            return redirect_to(url_for("packages.detail", package_id=package_id))
    return render_package_list(query)


def list_filters(query: PackageListQuery) -> PackageFilters:
    """What the list's address asks for, as the selectors' filters (the list, the bulk toolbar, the pick list)."""
    return PackageFilters(
        status=query.status,
        stock_location_id=query.location,
        search=query.q or None,
        created_from=query.created_from,
        created_to=query.created_to,
        time_zone=display_zone_name(),  # the days of the times the list shows
        channel=query.channel,
        cargo_company_id=query.carrier,
        overdue_hours=current_app.config["OVERDUE_HOURS"] if query.overdue else None,
        at_risk=query.at_risk is not None,
        oldest_in_status_first=query.sort == "age",
    )


def render_package_list(query: PackageListQuery, *, http_status: int = 200, bulk: dict | None = None):
    """The package list (or its `#package-list` fragment for htmx); the bulk toolbar's answers add `bulk`:
    its confirmation, result or error, and the packages to keep ticked."""
    actor = current_actor()
    location = visible_location(location_id=query.location, actor=actor) if query.location else None
    listing = package_list_page(
        filters=list_filters(query),
        actor=actor,
        page=query.page,
        page_size=current_app.config["PACKAGE_LIST_PAGE_SIZE"],
        overdue_hours=current_app.config["OVERDUE_HOURS"],
    )
    return render(
        "packages/list.html",
        "packages/_list.html",
        http_status=http_status,
        listing=listing,
        # The filter form's choices: only the full page shows the form (an htmx swap replaces the list).
        choices=None if wants_fragment() else package_filter_choices(),
        query=query,
        location=location,
        status=query.status,
        search=query.q,
        bulk=bulk,
    )


def render_package_page(
    detail: PackageDetail,
    *,
    action: Transition | None = None,
    form: CommandForm | None = None,
    message: str | None = None,
    error: str | None = None,
    scan: ScanProgress | None = None,
    status: int = 200,
):
    """The package page (or its `#package` fragment for htmx); the scan view passes its panel's state."""
    if action is not None and form is None and (needs_form(action.command) or needs_confirmation(action.command)):
        form = build_form(action.command, package=detail.package)
    buttons = [transition for name in MAIN_BUTTONS if (transition := detail.command(name))]
    show_times_in(detail.package.stock_location)
    return render(
        "packages/detail.html",
        "packages/_package.html",
        http_status=status,
        detail=detail,
        package=detail.package,
        actor=current_actor(),  # links only to what this user may open (templates/packages/_links.html)
        buttons=buttons,
        action=action,
        form=form,
        needs_form=needs_form,
        form_open=action is not None and form is not None,
        confirm=confirmation(action.command) if action is not None and not needs_form(action.command) else None,
        message=message,
        error=error,
        scan=scan,
    )


@packages_blueprint.get("/<id:package_id>")
def detail(package_id: int):
    detail = package_detail(package_id=package_id, actor=current_actor())
    action_id = page_query(PackageDetailQuery).action
    action = next((t for t in detail.commands if t.id == action_id), None) if action_id else None
    error = gettext(NOT_OFFERED) if action_id and action is None else None
    return render_package_page(detail, action=action, error=error, status=409 if error else 200)


@packages_blueprint.post("/<id:package_id>/actions/<id:transition_id>")
def run_action(package_id: int, transition_id: int):
    actor = current_actor()
    detail = package_detail(package_id=package_id, actor=actor)
    action = next((t for t in detail.commands if t.id == transition_id), None)
    if action is None:
        # Someone else acted first, or the action was never offered here: say so, change nothing.
        return render_package_page(detail, error=gettext(NOT_OFFERED), status=409)
    form = build_form(action.command, package=detail.package, formdata=request.form)
    if not form.validate():
        return render_package_page(detail, action=action, form=form, error=gettext("Check the form below."), status=422)
    try:
        result = run_command(
            package_id=package_id, actor=actor, transition_id=action.id, input_parameters=form.input_parameters()
        )
    except AppError as failure:
        fresh = package_detail(package_id=package_id, actor=actor)
        # Keep the form (and what was typed) open when it can be corrected and sent again.
        retry = needs_form(action.command) and any(t.id == action.id for t in fresh.commands)
        return render_package_page(
            fresh,
            action=action if retry else None,
            form=form if retry else None,
            error=failure.message,
            status=failure.status_code,
        )
    try:
        fresh = package_detail(package_id=package_id, actor=actor)
    except AppError:  # the package moved to a location this user does not work at
        flash(result.message, "success")
        return redirect_to(url_for("packages.package_list"))
    if wants_fragment():
        return render_package_page(fresh, message=result_message(result, actor))
    flash(result_message(result, actor), "success")
    return redirect_to(url_for("packages.detail", package_id=package_id))


# The empty list's sentence: whole sentences, so each language words them its own way.
EMPTY_LIST = {
    (False, False, False): N_("No packages."),
    (True, False, False): N_("No packages in %(status)s."),
    (False, False, True): N_("No packages with these filters."),
    (True, False, True): N_("No packages in %(status)s with these filters."),
    (False, True, False): N_("No packages match “%(search)s”."),
    (True, True, False): N_("No packages in %(status)s match “%(search)s”."),
    (False, True, True): N_("No packages match “%(search)s” with these filters."),
    (True, True, True): N_("No packages in %(status)s match “%(search)s” with these filters."),
}


@packages_blueprint.app_template_global()
def empty_list_message(status: str | None, search: str | None, filtered: object) -> str:
    """What the package list says when nothing matches: `status` is the status's name in the page's language."""
    message = EMPTY_LIST[(status is not None, bool(search), bool(filtered))]
    return gettext(message, status=status or "", search=search or "")
