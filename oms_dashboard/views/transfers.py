"""Transfer Location Movements, transfer lists and transfer detail with its commands (DESIGN §7)."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..errors import AppError
from ..i18n import N_, show_times_in
from ..models import TransferOrder, TransferTransition
from ..selectors.locations import visible_location
from ..selectors.transfers import (
    TransferFilters,
    get_transfer,
    transfer_commands,
    transfer_history,
    transfer_movements,
    transfer_page,
)
from ..services.commands import run_transfer_command
from ..states import TransferStatus
from .auth import current_actor, require_login
from .confirmations import confirmation, needs_confirmation
from .htmx import redirect_to, render, wants_fragment
from .package_forms import CommandForm
from .params import PackageDetailQuery, TransferListQuery, page_query
from .transfer_forms import build_form, needs_form, show_service_errors

transfers_blueprint = Blueprint("transfers", __name__, url_prefix="/transfers")
transfers_blueprint.before_request(require_login)
# The action buttons ask it (templates/*/_action_button.html): an irreversible command opens its question.
transfers_blueprint.add_app_template_global(needs_confirmation)

# The buttons beside the title (seed 004) when the user may run them now; every command is in Select Action.
MAIN_BUTTONS = ["TRANSFER_READY_FOR_DISPATCH", "TRANSFER_DISPATCH", "TRANSFER_DELIVERED", "TRANSFER_OUT_OF_STOCK"]
NOT_OFFERED = N_("That action is not available for this transfer now.")
CHECK_THE_FORM = N_("Check the form below.")

# The statuses of the Transfer Location Movements screen (seed 004), in its order.
MOVEMENT_STATUSES = [
    TransferStatus.WAITING,
    TransferStatus.READY_TO_SHIPMENT,
    TransferStatus.IN_TRANSIT,
    TransferStatus.TRANSFERRED,
    TransferStatus.CANCELLATION_WAITING,
    TransferStatus.CANCELLED,
]


@transfers_blueprint.get("/")
def movements():
    search = request.args.get("q", "").strip()[:64]
    return render(
        "transfers/movements.html",
        "transfers/_cards.html",
        rows=transfer_movements(actor=current_actor(), search=search),
        statuses=MOVEMENT_STATUSES,
        search=search,
        refresh_seconds=current_app.config["MOVEMENTS_REFRESH_SECONDS"],
    )


@transfers_blueprint.get("/list")
def transfer_list():
    actor = current_actor()
    query = page_query(TransferListQuery)
    location = visible_location(location_id=query.location, actor=actor) if query.location else None
    status = query.status.value if query.status else None
    filters = TransferFilters(status=status, location_id=query.location, direction=query.direction)
    size = current_app.config["PACKAGE_LIST_PAGE_SIZE"]
    total, transfers = transfer_page(filters=filters, actor=actor, offset=(query.page - 1) * size, limit=size)
    return render(
        "transfers/list.html",
        "transfers/list.html",
        transfers=transfers,
        total=total,
        page_number=query.page,
        pages=max(1, -(-total // size)),
        location=location,
        direction=query.direction,
        status=query.status,
    )


def _render_detail(
    transfer_id: int,
    *,
    action: TransferTransition | None = None,
    form: CommandForm | None = None,
    message: str | None = None,
    error: str | None = None,
    status: int = 200,
):
    actor = current_actor()
    transfer = get_transfer(transfer_id=transfer_id, actor=actor, hide_other_locations=True)
    commands = transfer_commands([transfer], actor)[transfer.id]
    # A store sees the times in its own zone; the office in the zone of the location sending.
    mine = [location for location in (transfer.source, transfer.destination) if location in current_user.locations]
    show_times_in(mine[0] if mine else transfer.source)
    if action is not None and form is None and (needs_form(action.command) or needs_confirmation(action.command)):
        form = build_form(action.command, transfer=transfer)
    return render(
        "transfers/detail.html",
        "transfers/_transfer.html",
        http_status=status,
        transfer=transfer,
        actor=actor,
        commands=commands,
        buttons=[transition for transition in commands if transition.command in MAIN_BUTTONS],
        action=action,
        form=form,
        needs_form=needs_form,
        form_open=action is not None and form is not None,
        confirm=confirmation(action.command) if action is not None and not needs_form(action.command) else None,
        history=transfer_history(transfer.id),
        message=message,
        error=error,
    )


def _offered(transfer: TransferOrder, transition_id: int) -> TransferTransition | None:
    return next((t for t in transfer_commands([transfer], current_actor())[transfer.id] if t.id == transition_id), None)


@transfers_blueprint.get("/<id:transfer_id>")
def detail(transfer_id: int):
    transfer = get_transfer(transfer_id=transfer_id, actor=current_actor(), hide_other_locations=True)
    action_id = page_query(PackageDetailQuery).action  # the Select Action choice, as a link sends it
    action = _offered(transfer, action_id) if action_id else None
    error = _(NOT_OFFERED) if action_id and action is None else None
    return _render_detail(transfer.id, action=action, error=error, status=409 if error else 200)


@transfers_blueprint.post("/<id:transfer_id>/actions/<id:transition_id>")
def run_action(transfer_id: int, transition_id: int):
    actor = current_actor()
    transfer = get_transfer(transfer_id=transfer_id, actor=actor, hide_other_locations=True)
    action = _offered(transfer, transition_id)
    if action is None:
        # Someone else acted first, or the action was never offered here: say so, change nothing.
        return _render_detail(transfer.id, error=_(NOT_OFFERED), status=409)
    form = build_form(action.command, transfer=transfer, formdata=request.form)
    if not form.validate():
        return _render_detail(transfer.id, action=action, form=form, error=_(CHECK_THE_FORM), status=422)
    try:
        result = run_transfer_command(
            transfer_id=transfer.id, actor=actor, transition_id=action.id, input_parameters=form.input_parameters()
        )
    except AppError as failure:
        message = _(NOT_OFFERED) if failure.status_code == 406 else failure.message
        # Keep the form (and what was typed) open when it can be corrected and sent again.
        retry = needs_form(action.command) and _offered(transfer, action.id) is not None
        if retry and show_service_errors(form, failure.error):
            message = _(CHECK_THE_FORM)
        return _render_detail(
            transfer.id,
            action=action if retry else None,
            form=form if retry else None,
            error=message,
            status=failure.status_code,
        )
    if wants_fragment():
        return _render_detail(transfer.id, message=result.message)
    flash(result.message, "success")
    return redirect_to(url_for("transfers.detail", transfer_id=transfer.id))
