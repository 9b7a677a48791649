"""Webhook subscriptions and their deliveries (DESIGN §5.1, §8). The write bodies are the row models of
`services/webhooks/subscriptions.py`; `secret_key` is write-only and appears in no answer."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from ...retry_schedule import RetryCountdownConfig
from .common import IdOut, Output, Page, PageQuery, query_model_config

DeliveryStatus = Literal["pending", "delivered", "failed"]

_SUBSCRIPTION_EXAMPLE = {
    "id": 1,
    "event_type": "package.status.shipped",
    "target_url": "https://erp.example.com/oms/webhooks",
    "is_active": True,
    "retry_countdown_config": {"choice": "exponential", "interval": 30, "max_retries": 8},
    "created_date": "2026-11-24T09:30:00.000000Z",
    "modified_date": "2026-11-24T09:30:00.000000Z",
}

_DELIVERY_EXAMPLE = {
    "id": 41,
    "event": {"type": "package.status.shipped", "uuid": "5f0c2b6e9a7d4c1e8b3a2f1d0e9c8b7a"},
    "status": "failed",
    "attempts": 9,
    "last_status_code": 502,
    "last_error": "HTTP 502",
    "last_duration_ms": 184,
    "next_attempt_date": "2026-11-24T11:02:10.000000Z",
    "delivered_date": None,
    "created_date": "2026-11-24T09:31:00.000000Z",
}


class SubscriptionPath(BaseModel):
    subscription_id: IdOut


class DeliveryPath(BaseModel):
    subscription_id: IdOut
    delivery_id: IdOut


class RedeliverBody(BaseModel):
    """Nothing to send: `{}`, or no body at all."""

    model_config = ConfigDict(
        extra="forbid",
        openapi_extra={"required": False, "examples": {"example": {"summary": "Send it again", "value": {}}}},
    )

    @model_validator(mode="before")
    @classmethod
    def _no_body_is_empty(cls, data: Any) -> Any:
        return {} if data is None else data


class SubscriptionOut(Output):
    """A subscription as stored, without its secret."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [_SUBSCRIPTION_EXAMPLE]})

    id: IdOut
    event_type: str = Field(description="An event type, or `*` for every event.")
    target_url: str
    is_active: bool
    retry_countdown_config: RetryCountdownConfig
    created_date: datetime
    modified_date: datetime


class SubscriptionPage(Page[SubscriptionOut]):
    pass


class EventRef(Output):
    type: str
    uuid: str


class DeliveryOut(Output):
    """One event for one subscription: `pending` until a 2xx (`delivered`) or its retries run out (`failed`)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [_DELIVERY_EXAMPLE]})

    id: IdOut
    event: EventRef
    status: DeliveryStatus
    attempts: Annotated[int, Field(ge=0)] = Field(description="Attempts since it was (re)scheduled.")
    last_status_code: int | None = Field(description="The HTTP status of the last attempt; null if none answered.")
    last_error: str | None = Field(description="Why the last attempt failed (timeout, refused, HTTP status).")
    last_duration_ms: Annotated[int, Field(ge=0)] | None
    next_attempt_date: datetime
    delivered_date: datetime | None
    created_date: datetime


class DeliveryPage(Page[DeliveryOut]):
    pass


class DeliveryQuery(PageQuery):
    model_config = query_model_config()

    status: DeliveryStatus | None = Field(default=None, description="Only the deliveries in this status.")
