"""Webhook subscriptions (DESIGN §8): create, read, change and delete them, read their delivery history and
re-send a delivery. Only a token without a location restriction may use any of these (its events cover every
location)."""

from __future__ import annotations

from flask import Response, jsonify
from flask_openapi3 import Tag

from .. import representations
from ..selectors import webhooks as selectors
from ..services.webhooks.subscriptions import (
    SubscriptionChanges,
    SubscriptionRow,
    create_subscription,
    delete_subscription,
    redeliver,
    update_subscription,
)
from . import api_blueprint, unrestricted_only
from .params import page_of
from .schemas.common import PageQuery, responses
from .schemas.webhooks import (
    DeliveryOut,
    DeliveryPage,
    DeliveryPath,
    DeliveryQuery,
    RedeliverBody,
    SubscriptionOut,
    SubscriptionPage,
    SubscriptionPath,
)

TAGS = [Tag(name="webhooks", description="Subscriptions to events, their deliveries and re-sending them.")]
manages_webhooks = unrestricted_only("Only a token without a location restriction may manage webhooks.")


@api_blueprint.get("/webhooks/", tags=TAGS, responses=responses({200: SubscriptionPage}, 403, 404))
@manages_webhooks
def webhook_list(query: PageQuery):
    """Every webhook subscription, oldest first (without secrets)."""
    return jsonify(page_of(selectors.subscriptions(), representations.webhook_subscription, query))


@api_blueprint.post("/webhooks/", tags=TAGS, responses=responses({201: SubscriptionOut}, 403, 413))
@manages_webhooks
def webhook_create(body: SubscriptionRow):
    """Subscribe a URL to an event type (or `*`); each delivery is signed with `secret_key`."""
    response = jsonify(representations.webhook_subscription(create_subscription(row=body)))
    response.status_code = 201
    return response


@api_blueprint.get("/webhooks/<id:subscription_id>/", tags=TAGS, responses=responses({200: SubscriptionOut}, 403, 404))
@manages_webhooks
def webhook_detail(path: SubscriptionPath):
    """One subscription (without its secret)."""
    return jsonify(representations.webhook_subscription(selectors.subscription(path.subscription_id)))


@api_blueprint.patch(
    "/webhooks/<id:subscription_id>/", tags=TAGS, responses=responses({200: SubscriptionOut}, 403, 404, 413)
)
@manages_webhooks
def webhook_update(path: SubscriptionPath, body: SubscriptionChanges):
    """Change the fields sent, e.g. `{"is_active": false}` to pause it or a new `secret_key`."""
    return jsonify(
        representations.webhook_subscription(update_subscription(subscription_id=path.subscription_id, changes=body))
    )


@api_blueprint.delete("/webhooks/<id:subscription_id>/", tags=TAGS, responses=responses({204: None}, 403, 404))
@manages_webhooks
def webhook_delete(path: SubscriptionPath):
    """Delete a subscription with its delivery history."""
    delete_subscription(subscription_id=path.subscription_id)
    return Response(status=204)


@api_blueprint.get(
    "/webhooks/<id:subscription_id>/deliveries/",
    tags=TAGS,
    responses=responses({200: DeliveryPage}, 403, 404),
)
@manages_webhooks
def webhook_deliveries(path: SubscriptionPath, query: DeliveryQuery):
    """A subscription's deliveries, newest first: the event, status, attempts and how the last one went."""
    selectors.subscription(path.subscription_id)
    rows = selectors.deliveries(subscription_id=path.subscription_id, status=query.status)
    return jsonify(page_of(rows, representations.webhook_delivery, query))


@api_blueprint.post(
    "/webhooks/<id:subscription_id>/deliveries/<id:delivery_id>/redeliver/",
    tags=TAGS,
    responses=responses({200: DeliveryOut}, 403, 404, 413),
)
@manages_webhooks
def webhook_redeliver(path: DeliveryPath, body: RedeliverBody):
    """Send a delivery again: pending from now with its retry schedule started over (earlier attempts stay)."""
    redeliver(subscription_id=path.subscription_id, delivery_id=path.delivery_id)
    return jsonify(
        representations.webhook_delivery(
            selectors.delivery(subscription_id=path.subscription_id, delivery_id=path.delivery_id)
        )
    )
