"""Packages: list, detail and commands (DESIGN §5.1–5.3)."""

from __future__ import annotations

from collections.abc import Callable

from flask import Response, g, jsonify
from flask_openapi3 import Tag

from .. import representations
from ..selectors.packages import PackageFilters, get_package, package_page
from ..selectors.transitions import commands_by_state, commands_for, runnable
from ..services.commands import CommandResult, run_command
from . import api_blueprint, idempotency
from .params import page_window, paginated
from .schemas.commands import CommandBody, CommandOutcome, IdempotencyHeader
from .schemas.common import responses
from .schemas.packages import PackageOut, PackagePage, PackagePath, PackageQuery

TAGS = [Tag(name="packages", description="Packages, and the commands that move them.")]
COMMAND_RESPONSES = responses({200: CommandOutcome, 204: None}, 403, 404, 406, 413)


@api_blueprint.get("/packages/", tags=TAGS, responses=responses({200: PackagePage}, 404))
def package_list(query: PackageQuery):
    """The packages the token may see, newest first, with the commands it may run on each."""
    page, page_size = page_window(query)
    status = query.state__enum_value if query.state__enum_value is not None else query.status
    filters = PackageFilters(
        status=status,
        stock_location_id=query.stock_location,
        stock_location_erp_code=query.stock_location__erp_code or None,
        number=query.number or None,
        order_number=query.order__number or None,
        sku=query.sku or None,
    )
    count, packages = package_page(filters=filters, actor=g.actor, offset=(page - 1) * page_size, limit=page_size)
    commands = commands_by_state(statuses={p.status for p in packages}, visibility=g.actor.visibility)
    results = [representations.package(p, runnable(commands[p.status], p)) for p in packages]
    return jsonify(paginated(count=count, page=page, page_size=page_size, results=results))


@api_blueprint.get("/packages/<id:package_id>/", tags=TAGS, responses=responses({200: PackageOut}, 403, 404))
def package_detail(path: PackagePath):
    """One package: its items, shipment and the commands the token may run now."""
    package = get_package(package_id=path.package_id, actor=g.actor)
    commands = commands_for(status=package.status, visibility=g.actor.visibility)
    return jsonify(representations.package(package, runnable(commands, package)))


def respond_to_command(
    run: Callable[..., CommandResult], body: CommandBody, header: IdempotencyHeader, **target: int
) -> Response:
    """POST …/command/ for packages and transfers alike: run through the service, remember the answer."""
    transition, slug, parameters = body.arguments()

    def execute(remember):
        result = run(
            **target,
            actor=g.actor,
            transition_id=transition,
            slug=slug,
            input_parameters=parameters,
            before_commit=(lambda r: remember(r.status_code, r.body)) if remember else None,
        )
        return result.status_code, result.body

    return idempotency.respond(execute, header.idempotency_key)


@api_blueprint.post("/packages/<id:package_id>/command/", tags=TAGS, responses=COMMAND_RESPONSES)
def package_command(path: PackagePath, body: CommandBody, header: IdempotencyHeader):
    """Run a command: 204, or 200 with where the items went; nothing changes when it fails."""
    return respond_to_command(run_command, body, header, package_id=path.package_id)
