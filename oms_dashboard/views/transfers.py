"""Transfer Location Movements, transfer lists and transfer detail with its commands (DESIGN §7)."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, request, url_for

from ..errors import AppError
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
from .htmx import redirect_to, render, wants_fragment

transfers_blueprint = Blueprint("transfers", __name__, url_prefix="/transfers")
transfers_blueprint.before_request(require_login)

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
    location_id = request.args.get("location", type=int)
    direction = request.args.get("direction") if request.args.get("direction") in ("incoming", "outgoing") else None
    status = request.args.get("status") or None
    if status is not None and status not in TransferStatus._value2member_map_:
        raise AppError.field("status", f"Unknown transfer state: {status}.")
    location = visible_location(location_id=location_id, actor=actor) if location_id else None
    filters = TransferFilters(status=status, location_id=location_id, direction=direction)
    page = max(1, request.args.get("page", 1, type=int))
    size = current_app.config["PACKAGE_LIST_PAGE_SIZE"]
    total, transfers = transfer_page(filters=filters, actor=actor, offset=(page - 1) * size, limit=size)
    return render(
        "transfers/list.html",
        "transfers/list.html",
        transfers=transfers,
        total=total,
        location=location,
        direction=direction,
        status=TransferStatus(status) if status else None,
    )


def _render_detail(transfer_id: int, *, message: str | None = None, error: str | None = None, status: int = 200):
    actor = current_actor()
    transfer = get_transfer(transfer_id=transfer_id, actor=actor, hide_other_locations=True)
    return render(
        "transfers/detail.html",
        "transfers/_transfer.html",
        http_status=status,
        transfer=transfer,
        commands=transfer_commands([transfer], actor)[transfer.id],
        history=transfer_history(transfer.id),
        message=message,
        error=error,
    )


@transfers_blueprint.get("/<id:transfer_id>")
def detail(transfer_id: int):
    return _render_detail(transfer_id)


@transfers_blueprint.post("/<id:transfer_id>/actions/<id:transition_id>")
def run_action(transfer_id: int, transition_id: int):
    actor = current_actor()
    transfer = get_transfer(transfer_id=transfer_id, actor=actor, hide_other_locations=True)
    try:
        result = run_transfer_command(transfer_id=transfer.id, actor=actor, transition_id=transition_id)
    except AppError as failure:
        message = (
            "That action is not available for this transfer now." if failure.status_code == 406 else failure.message
        )
        return _render_detail(transfer.id, error=message, status=failure.status_code)
    if wants_fragment():
        return _render_detail(transfer.id, message=result.message)
    flash(result.message, "success")
    return redirect_to(url_for("transfers.detail", transfer_id=transfer.id))
