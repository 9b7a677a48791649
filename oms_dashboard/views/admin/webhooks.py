"""Webhook subscriptions (DESIGN §7, §8): list, create, edit, delete, and a subscription's deliveries with
each attempt and a Re-send button. The secret is write-only: never shown, blank on edit keeps it."""

from __future__ import annotations

import math
from typing import Any, Literal

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from pydantic import BaseModel
from sqlalchemy import func, select
from wtforms import BooleanField, PasswordField, SelectChoice, SelectField, StringField

from ...errors import AppError
from ...extensions import db
from ...models import Package, StockLocation, TransferOrder, WebhookDelivery
from ...selectors import webhooks as selectors
from ...services.webhooks.events import ALL_EVENTS, EVENT_TYPES
from ...services.webhooks.subscriptions import (
    MIN_SECRET_LENGTH,
    SubscriptionChanges,
    SubscriptionRow,
    create_subscription,
    delete_subscription,
    redeliver,
    update_subscription,
)
from ...validation import QueryPage, parse
from ..htmx import redirect_to
from ..params import page_query
from . import admin_blueprint
from .formtools import number_or_blank, show_errors, shown, values

NUMBER = {"inputmode": "numeric", "autocomplete": "off"}
DELIVERIES_PER_PAGE = 50
RETRY_FIELDS = ("choice", "interval", "max_retries", "max_interval")


class SubscriptionForm(FlaskForm):
    event_type = SelectField(
        _l("Event type"),
        # An event type is a code (the same in every language): its option is not translated.
        choices=[SelectChoice(ALL_EVENTS, _l("* (every event)"))]
        + [SelectChoice(name, name, render_kw={"translate": "no"}) for name in EVENT_TYPES],
        validate_choice=False,
    )
    target_url = StringField(
        _l("Target URL"),
        description=_l("Where the events are POSTed: an absolute http:// or https:// address."),
        render_kw={"maxlength": 2048, "inputmode": "url", "autocomplete": "off", "spellcheck": "false"},
    )
    secret_key = PasswordField(
        _l("Secret key"),
        description=_l(
            "Signs every body (HMAC-SHA256), at least %(count)d characters. Never shown again.",
            count=MIN_SECRET_LENGTH,
        ),
        render_kw={"maxlength": 255, "autocomplete": "new-password"},
    )
    is_active = BooleanField(_l("Active"), default=True, description=_l("Inactive: no new deliveries are made for it."))
    retry_choice = SelectField(
        _l("Retry schedule"),
        choices=[
            SelectChoice("exponential", _l("Exponential (interval × 2ⁿ⁻¹)")),
            SelectChoice("linear", _l("Linear (interval × n)")),
            SelectChoice("fixed", _l("Fixed (interval every time)")),
            SelectChoice("random", _l("Random (between interval and longest wait)")),
        ],
        default="exponential",
        validate_choice=False,
    )
    retry_interval = StringField(_l("Interval (seconds)"), default="30", render_kw=NUMBER)
    retry_max_retries = StringField(
        _l("Max retries"),
        default="8",
        description=_l("After these many retries it is marked failed."),
        render_kw=NUMBER,
    )
    retry_max_interval = StringField(_l("Longest wait (seconds)"), description=_l("Blank: one day."), render_kw=NUMBER)

    def row(self, *, keep_secret: bool = False) -> dict[str, Any]:
        data = values(self, "event_type", "target_url", "is_active")
        if not (keep_secret and not self.secret_key.data):
            data["secret_key"] = self.secret_key.data or ""
        config: dict[str, Any] = {"choice": self.retry_choice.data or "exponential"}
        for name in ("interval", "max_retries", "max_interval"):
            typed = number_or_blank(self[f"retry_{name}"])
            if typed is not None:
                config[name] = typed
        data["retry_countdown_config"] = config
        return data


def _show_errors(form: SubscriptionForm, error: AppError) -> list[str]:
    """The service's 400 on the form; a retry setting's message under its own box."""
    if error.status_code == 400 and "retry_countdown_config" in error.error:
        messages = error.error.pop("retry_countdown_config")
        for message in messages if isinstance(messages, list) else [messages]:
            name, _colon, text = message.partition(": ")
            field = form._fields.get(f"retry_{name}") if text else None
            if field is None:
                field, text = form.retry_choice, message
            field.errors = [*field.errors, shown(text)]
    return show_errors(form, error)


@admin_blueprint.get("/webhooks")
def webhooks():
    return render_template("admin/webhooks.html", summaries=selectors.subscription_summaries())


@admin_blueprint.route("/webhooks/new", methods=["GET", "POST"])
def webhooks_new():
    form = SubscriptionForm()
    errors: list[str] = []
    if form.validate_on_submit():
        try:
            subscription = create_subscription(row=parse(SubscriptionRow, form.row()))
        except AppError as error:
            errors = _show_errors(form, error)
        else:
            flash(_("Webhook subscription to %(event)s created.", event=subscription.event_type), "success")
            return redirect_to(url_for("admin.webhooks"))
    status = 400 if request.method == "POST" else 200
    return render_template("admin/webhooks_form.html", form=form, subscription=None, errors=errors), status


@admin_blueprint.route("/webhooks/<id:subscription_id>/edit", methods=["GET", "POST"])
def webhooks_edit(subscription_id: int):
    subscription = selectors.subscription(subscription_id)
    config = subscription.retry_countdown_config or {}
    form = SubscriptionForm(
        data={
            "event_type": subscription.event_type,
            "target_url": subscription.target_url,
            "is_active": subscription.is_active,
            "retry_choice": config.get("choice", "exponential"),
            "retry_interval": str(config.get("interval", 30)),
            "retry_max_retries": str(config.get("max_retries", 8)),
            "retry_max_interval": "" if config.get("max_interval") is None else str(config["max_interval"]),
        }
    )
    form.secret_key.description = _("Blank keeps the current secret. It is never shown.")
    errors: list[str] = []
    if form.validate_on_submit():
        try:
            update_subscription(
                subscription_id=subscription_id, changes=parse(SubscriptionChanges, form.row(keep_secret=True))
            )
        except AppError as error:
            errors = _show_errors(form, error)
        else:
            flash(_("Webhook subscription saved."), "success")
            return redirect_to(url_for("admin.webhooks"))
    status = 400 if request.method == "POST" else 200
    return render_template("admin/webhooks_form.html", form=form, subscription=subscription, errors=errors), status


@admin_blueprint.route("/webhooks/<id:subscription_id>/delete", methods=["GET", "POST"])
def webhooks_delete(subscription_id: int):
    """A confirmation page (works without JavaScript); its POST deletes."""
    subscription = selectors.subscription(subscription_id)
    if request.method == "GET":
        counts = dict(
            db.session.execute(
                select(WebhookDelivery.status, func.count())
                .where(WebhookDelivery.subscription_id == subscription_id)
                .group_by(WebhookDelivery.status)
            ).all()
        )
        return render_template("admin/webhooks_delete.html", subscription=subscription, counts=counts)
    delete_subscription(subscription_id=subscription_id)
    flash(_("Webhook subscription to %(url)s deleted.", url=subscription.target_url), "success")
    return redirect(url_for("admin.webhooks"))


class DeliveriesQuery(BaseModel):
    status: Literal["pending", "delivered", "failed"] | None = None
    page: QueryPage = 1


@admin_blueprint.get("/webhooks/<id:subscription_id>/deliveries")
def webhooks_deliveries(subscription_id: int):
    subscription = selectors.subscription(subscription_id)
    query = page_query(DeliveriesQuery)
    listing = selectors.deliveries(subscription_id=subscription_id, status=query.status)
    count = db.session.scalar(select(func.count()).select_from(listing.order_by(None).subquery())) or 0
    pages = max(1, math.ceil(count / DELIVERIES_PER_PAGE))
    if query.page > pages:
        raise AppError.not_found()
    rows = list(db.session.scalars(listing.offset((query.page - 1) * DELIVERIES_PER_PAGE).limit(DELIVERIES_PER_PAGE)))
    return render_template(
        "admin/webhooks_deliveries.html",
        subscription=subscription,
        deliveries=rows,
        attempts=selectors.attempts_of([row.id for row in rows]),
        subjects=_subjects(rows),
        status=query.status,
        page=query.page,
        pages=pages,
        count=count,
    )


def _subjects(rows: list) -> dict[str, dict[int, str]]:
    """The numbers and names of the packages, transfers and locations the events are about (3 queries at most)."""
    wanted = {
        "package": {row.event.package_id for row in rows if row.event.package_id},
        "transfer": {row.event.transfer_order_id for row in rows if row.event.transfer_order_id},
        "location": {row.event.stock_location_id for row in rows if row.event.stock_location_id},
    }
    columns = {
        "package": (Package.id, Package.number),
        "transfer": (TransferOrder.id, TransferOrder.number),
        "location": (StockLocation.id, StockLocation.name),
    }
    found: dict[str, dict[int, str]] = {}
    for kind, ids in wanted.items():
        key, label = columns[kind]
        found[kind] = dict(db.session.execute(select(key, label).where(key.in_(ids))).all()) if ids else {}
    return found


@admin_blueprint.post("/webhooks/<id:subscription_id>/deliveries/<id:delivery_id>/redeliver")
def webhooks_redeliver(subscription_id: int, delivery_id: int):
    delivery = redeliver(subscription_id=subscription_id, delivery_id=delivery_id)
    flash(_("Delivery %(id)s will be sent again shortly.", id=delivery.id), "success")
    back = url_for("admin.webhooks_deliveries", subscription_id=subscription_id)
    return redirect(f"{back}#delivery-{delivery.id}")
