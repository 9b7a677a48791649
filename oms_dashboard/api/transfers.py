"""Transfer orders: list, detail and commands, the same shapes as packages (DESIGN §5.1)."""

from __future__ import annotations

from flask import g, jsonify, request

from .. import representations
from ..errors import AppError
from ..selectors.transfers import TransferFilters, get_transfer, transfer_commands, transfer_page
from ..services.commands import run_transfer_command
from ..states import TransferStatus
from . import api_blueprint
from .packages import respond_to_command
from .params import optional_integer_arg, page_window, paginated


@api_blueprint.get("/transfer_orders/")
def transfer_list():
    page, page_size = page_window()
    name = "state__enum_value" if "state__enum_value" in request.args else "state"
    state = request.args.get(name) or None
    if state is not None and state not in TransferStatus._value2member_map_:
        raise AppError.field(name, f"Unknown transfer state: {state}.")
    filters = TransferFilters(
        status=state,
        package_id=optional_integer_arg("package"),
        source_erp_code=request.args.get("source__erp_code") or None,
        destination_erp_code=request.args.get("destination__erp_code") or None,
        order_number=request.args.get("order__number") or None,
    )
    count, transfers = transfer_page(filters=filters, actor=g.actor, offset=(page - 1) * page_size, limit=page_size)
    commands = transfer_commands(transfers, g.actor)
    results = [representations.transfer(transfer, commands[transfer.id]) for transfer in transfers]
    return jsonify(paginated(count=count, page=page, page_size=page_size, results=results))


@api_blueprint.get("/transfer_orders/<id:transfer_id>/")
def transfer_detail(transfer_id: int):
    transfer = get_transfer(transfer_id=transfer_id, actor=g.actor)
    return jsonify(representations.transfer(transfer, transfer_commands([transfer], g.actor)[transfer.id]))


@api_blueprint.post("/transfer_orders/<id:transfer_id>/command/")
def transfer_command(transfer_id: int):
    return respond_to_command(run_transfer_command, transfer_id=transfer_id)
