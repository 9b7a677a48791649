"""Bulk work on the package list (tick packages, run a command on each, print, pick) and the pick list page.

The list's toolbar posts here. Running a command first answers with a confirmation listing the packages
(it cannot be undone); the confirmation posts again with `confirm=1`, and the answer is the list again with
what happened to each package above it. Printing and the pick list are reads: the toolbar's buttons lead to
their pages with the ticked ids.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, render_template, url_for
from flask_babel import gettext, ngettext

from ..barcodes import code128_svg
from ..i18n import N_
from ..selectors.package_pages import PackageListPage
from ..selectors.picklist import PickedPackage, chosen_packages, pick_list
from ..services.bulk_commands import run_bulk_command
from ..states import PackageStatus
from .auth import current_actor, require_login
from .bulk_forms import BulkChoice, BulkForm, bulk_choices, bulk_form, chosen_command, pick_list_query
from .htmx import redirect_to
from .packages import list_filters, render_package_list

bulk_blueprint = Blueprint("bulk", __name__, url_prefix="/packages")
bulk_blueprint.before_request(require_login)

# Where the toolbar's read-only buttons lead, with the ticked ids.
READ_PAGES = {"labels": "documents.labels", "documents": "documents.documents", "picklist": "bulk.picklist"}
READ_PAGE_LABELS = [("labels", N_("Print labels")), ("documents", N_("Print documents")), ("picklist", N_("Pick list"))]
NOTHING_TICKED = N_("Tick the packages first.")


@dataclass(frozen=True)
class BulkConfirmation:
    choice: BulkChoice
    packages: list[PickedPackage]  # the ticked packages this user may see
    missing: int  # ticked ids that are not (or not theirs to see)
    ids: list[int]


@bulk_blueprint.post("/bulk")
def bulk():
    actor = current_actor()
    form = bulk_form()
    ids = form.unique_ids()
    if form.action == "select_all":
        return _list_again(form, select_all=True)
    if not ids:
        return _list_again(form, error=gettext(NOTHING_TICKED), http_status=400)
    if form.action in READ_PAGES:
        return redirect_to(url_for(READ_PAGES[form.action], ids=ids))
    choice = chosen_command(form.command, actor.visibility)
    if form.confirm is None:
        found = chosen_packages(package_ids=ids, actor=actor)
        confirmation = BulkConfirmation(choice=choice, packages=found, missing=len(ids) - len(found), ids=ids)
        return _list_again(form, confirmation=confirmation, selected_ids=set(ids))
    result = run_bulk_command(
        package_ids=ids, command=choice.command, destination=choice.destination, label=choice.label, actor=actor
    )
    return _list_again(form, result=result)


def _list_again(form: BulkForm, *, http_status: int = 200, **bulk):
    """The package list with its filters and page, and the bulk action's confirmation, result or error above it."""
    return render_package_list(form, http_status=http_status, bulk=bulk)


@bulk_blueprint.get("/picklist")
def picklist():
    query = pick_list_query()
    picks = pick_list(package_ids=query.ids or None, filters=list_filters(query), actor=current_actor())
    return render_template(
        "packages/picklist.html",
        picks=picks,
        barcodes={line.sku: code128_svg(line.barcode) for line in picks.lines},
        query=query,
    )


@dataclass(frozen=True)
class BulkToolbar:
    choices: list[BulkChoice]
    read_pages: list[tuple[str, str]]  # (action, button label): the pages that open with the ticked packages


def bulk_toolbar(listing: PackageListPage, status: PackageStatus | None) -> BulkToolbar:
    """What the list's toolbar offers: the commands without input the user may run on the statuses shown,
    and the pages to open with the ticked packages."""
    statuses = [status.value] if status is not None else {row.status for row in listing.rows}
    choices = bulk_choices(statuses=statuses, visibility=current_actor().visibility)
    return BulkToolbar(choices=choices, read_pages=[(action, gettext(label)) for action, label in READ_PAGE_LABELS])


@bulk_blueprint.app_template_global()
def picklist_summary(units: int, products: int, packages: int) -> str:
    """ "5 units of 2 products for 3 packages" """
    return gettext(
        "%(units)s of %(products)s for %(packages)s",
        units=ngettext("%(num)d unit", "%(num)d units", units),
        products=ngettext("%(num)d product", "%(num)d products", products),
        packages=ngettext("%(num)d package", "%(num)d packages", packages),
    )
