"""Order intake (DESIGN §5.1); the stock push is in `stocks.py`."""

from __future__ import annotations

from flask import g, jsonify
from flask_openapi3 import Tag

from .. import representations
from ..errors import AppError
from ..services.commands import OrderCancellation, request_order_cancellation
from ..services.orders import create_order
from . import api_blueprint, idempotency
from .schemas.commands import IdempotencyHeader
from .schemas.common import responses
from .schemas.orders import OrderCancelBody, OrderCancellationOut, OrderCreated, OrderIntake, OrderPath

ORDER_TAGS = [Tag(name="orders", description="Orders from the sales channels, planned into packages at once.")]


@api_blueprint.post("/orders/", tags=ORDER_TAGS, responses=responses({201: OrderCreated}, 403, 409, 413))
def order_intake(body: OrderIntake):
    """Take an order and plan it. The same order sent again returns the first answer and changes nothing;
    another order under a number already taken is a 409."""
    if g.actor.location_ids is not None:
        raise AppError.forbidden()  # a token bound to locations cannot place orders for everyone
    if errors := body.pickup_errors():
        raise AppError.validation(errors)
    result = create_order(
        number=body.number,
        lines=[(line.sku, line.quantity) for line in body.items],
        channel=body.channel,
        customer=body.customer.model_dump(exclude_unset=True),
        shipping_address=body.shipping_address.model_dump(exclude_unset=True),
        notes=body.notes,
        cargo_company_code=body.cargo_company,
        tracking_number=body.tracking_number,
        delivery_type=body.delivery_type,
        pickup_location_code=body.pickup_location,
        pickup_code=body.pickup_code,
        fingerprint=body.fingerprint(),
        actor=g.actor,
    )
    response = jsonify({"id": result.order_id, "number": result.number, "packages": result.package_ids})
    response.status_code = 201  # a Response, not a (body, status) tuple: flask-openapi3 validates its JSON
    return response


@api_blueprint.post(
    "/orders/<string:number>/cancel/",
    tags=ORDER_TAGS,
    responses=responses({200: OrderCancellationOut}, 403, 404, 406, 413),
)
def order_cancel(path: OrderPath, body: OrderCancelBody, header: IdempotencyHeader):
    """Ask to cancel an order: its packages not yet packed wait in Pending Cancellation for the store to
    confirm (those waiting for stock are cancelled at once); 406 `commands_100_1` when none can be any more."""

    def execute(remember):
        result = request_order_cancellation(
            number=path.number,
            reason=body.reason,
            actor=g.actor,
            before_commit=(lambda done: remember(200, _cancellation_body(done))) if remember else None,
        )
        return 200, _cancellation_body(result)

    return idempotency.respond(execute, header.idempotency_key)


def _cancellation_body(result: OrderCancellation) -> dict:
    return representations.order_cancellation(result.order, result.packages)
