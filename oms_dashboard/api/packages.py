"""Packages: list, detail and commands (DESIGN §5.1–5.3)."""

from __future__ import annotations

from collections.abc import Callable

from flask import Response, g, jsonify, request

from .. import representations
from ..errors import AppError
from ..selectors.packages import PackageFilters, get_package, package_page
from ..selectors.transitions import commands_by_state, commands_for
from ..services.commands import CommandResult, run_command
from ..states import PackageStatus
from . import api_blueprint, idempotency
from .params import integer, json_object, optional_integer_arg, page_window, paginated

_COMMAND_KEYS = {"transition", "slug", "input_parameters"}


def _status_filter() -> int | None:
    name = "state__enum_value" if "state__enum_value" in request.args else "status"
    value = optional_integer_arg(name)
    if value is not None and value not in PackageStatus._value2member_map_:
        raise AppError.field(name, f"Unknown package status: {value}.")
    return value


@api_blueprint.get("/packages/")
def package_list():
    page, page_size = page_window()
    filters = PackageFilters(
        status=_status_filter(),
        stock_location_id=optional_integer_arg("stock_location"),
        stock_location_erp_code=request.args.get("stock_location__erp_code") or None,
        number=request.args.get("number") or None,
        order_number=request.args.get("order__number") or None,
        sku=request.args.get("sku") or None,
    )
    count, packages = package_page(filters=filters, actor=g.actor, offset=(page - 1) * page_size, limit=page_size)
    commands = commands_by_state(statuses={p.status for p in packages}, visibility=g.actor.visibility)
    results = [representations.package(p, commands[p.status]) for p in packages]
    return jsonify(paginated(count=count, page=page, page_size=page_size, results=results))


@api_blueprint.get("/packages/<id:package_id>/")
def package_detail(package_id: int):
    package = get_package(package_id=package_id, actor=g.actor)
    commands = commands_for(status=package.status, visibility=g.actor.visibility)
    return jsonify(representations.package(package, commands))


def command_arguments() -> tuple[int | None, str | None, dict]:
    """(transition id, slug, input parameters) of a command body, as DESIGN §5.3 reads it."""
    data = json_object()
    transition = data.get("transition")
    slug = data.get("slug")
    input_parameters = data.get("input_parameters", {})
    if transition is not None:
        transition = integer(transition, "transition")
    if slug is not None and not isinstance(slug, str):
        raise AppError.field("slug", "Not a valid string.")
    if input_parameters is None:
        input_parameters = {}
    if not isinstance(input_parameters, dict):
        raise AppError.field("input_parameters", "Expected a JSON object.")
    # Seed 000 sends the command's parameters at the top level; input_parameters wins on a clash.
    parameters = {k: v for k, v in data.items() if k not in _COMMAND_KEYS} | input_parameters
    return transition, slug or None, parameters


def respond_to_command(run: Callable[..., CommandResult], **target: int) -> Response:
    """POST …/command/ for packages and transfers alike: parse, run through the service, remember the answer."""
    transition, slug, parameters = command_arguments()

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

    return idempotency.respond(execute)


@api_blueprint.post("/packages/<id:package_id>/command/")
def package_command(package_id: int):
    return respond_to_command(run_command, package_id=package_id)
