"""Transfer orders: list, detail and commands, the same shapes as packages (DESIGN §5.1)."""

from __future__ import annotations

from flask import g, jsonify
from flask_openapi3 import Tag

from .. import representations
from ..selectors.transfers import TransferFilters, get_transfer, transfer_commands, transfer_page
from ..services.commands import run_transfer_command
from . import api_blueprint
from .packages import COMMAND_RESPONSES, respond_to_command
from .params import page_window, paginated
from .schemas.commands import CommandBody, IdempotencyHeader
from .schemas.common import responses
from .schemas.transfers import TransferOut, TransferPage, TransferPath, TransferQuery

TAGS = [Tag(name="transfer orders", description="Items brought from one location to another for a package.")]


@api_blueprint.get("/transfer_orders/", tags=TAGS, responses=responses({200: TransferPage}, 404))
def transfer_list(query: TransferQuery):
    """The transfers the token may see, with the commands it may run on each."""
    page, page_size = page_window(query)
    state = query.state__enum_value if query.state__enum_value is not None else query.state
    filters = TransferFilters(
        status=state.value if state is not None else None,
        package_id=query.package,
        source_erp_code=query.source__erp_code or None,
        destination_erp_code=query.destination__erp_code or None,
        order_number=query.order__number or None,
    )
    count, transfers = transfer_page(filters=filters, actor=g.actor, offset=(page - 1) * page_size, limit=page_size)
    commands = transfer_commands(transfers, g.actor)
    results = [representations.transfer(transfer, commands[transfer.id]) for transfer in transfers]
    return jsonify(paginated(count=count, page=page, page_size=page_size, results=results))


@api_blueprint.get("/transfer_orders/<id:transfer_id>/", tags=TAGS, responses=responses({200: TransferOut}, 403, 404))
def transfer_detail(path: TransferPath):
    """One transfer: source, destination, items and the commands the token may run now."""
    transfer = get_transfer(transfer_id=path.transfer_id, actor=g.actor)
    return jsonify(representations.transfer(transfer, transfer_commands([transfer], g.actor)[transfer.id]))


@api_blueprint.post("/transfer_orders/<id:transfer_id>/command/", tags=TAGS, responses=COMMAND_RESPONSES)
def transfer_command(path: TransferPath, body: CommandBody, header: IdempotencyHeader):
    """Run a transfer command: the same body, errors and Idempotency-Key as package commands."""
    return respond_to_command(run_transfer_command, body, header, transfer_id=path.transfer_id)
