"""Sales channels: list, create, edit. The code is the key orders carry (`orders.channel`): fixed once created."""

from __future__ import annotations

from typing import Any

from flask import flash, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, StringField

from ...errors import AppError
from ...models import SalesChannel
from ...selectors import admin as selectors
from ...services.masterdata.reference import create_sales_channel, upsert_sales_channels
from ...services.masterdata.rows import SalesChannelRow
from ...states import PackageStatus
from ...validation import parse
from ..htmx import redirect_to
from . import admin_blueprint
from .formtools import show_errors, values


class ChannelForm(FlaskForm):
    name = StringField(_l("Name"), render_kw={"maxlength": 128})
    invoice_required = BooleanField(
        _l("Invoice required before shipping"),
        description=_l(
            "Packed packages of this channel wait in %(state)s until the invoice is sent.",
            state=_l(PackageStatus.WAITING_INVOICE.label),
        ),
    )

    def row(self) -> dict[str, Any]:
        return values(self, "name", "invoice_required")


class NewChannelForm(ChannelForm):
    code = StringField(
        _l("Code"),
        description=_l("The channel orders name (their “channel”); cannot be changed later."),
        render_kw={"maxlength": 64},
    )

    def row(self) -> dict[str, Any]:
        return values(self, "code") | super().row()


@admin_blueprint.get("/channels")
def channels():
    return render_template(
        "admin/channels.html", channels=selectors.sales_channels(), invoice_status=PackageStatus.WAITING_INVOICE
    )


@admin_blueprint.route("/channels/new", methods=["GET", "POST"])
def channels_new():
    form = NewChannelForm()
    errors: list[str] = []
    if form.validate_on_submit():
        try:
            channel = create_sales_channel(row=parse(SalesChannelRow, form.row()))
        except AppError as error:
            errors = show_errors(form, error)
        else:
            flash(_("Sales channel %(code)s created.", code=channel.code), "success")
            return redirect_to(url_for("admin.channels"))
    status = 400 if request.method == "POST" else 200
    return render_template("admin/channels_form.html", form=form, channel=None, errors=errors), status


@admin_blueprint.route("/channels/<id:channel_id>/edit", methods=["GET", "POST"])
def channels_edit(channel_id: int):
    channel = selectors.one(SalesChannel, channel_id)
    form = ChannelForm(data={"name": channel.name, "invoice_required": channel.invoice_required})
    errors: list[str] = []
    if form.validate_on_submit():
        code = channel.code  # the key the upsert matches; never taken from the form
        try:
            upsert_sales_channels(rows=[parse(SalesChannelRow, {"code": code} | form.row())])
        except AppError as error:
            errors = show_errors(form, error)
        else:
            flash(_("Sales channel %(code)s saved.", code=code), "success")
            return redirect_to(url_for("admin.channels"))
    status = 400 if request.method == "POST" else 200
    return render_template("admin/channels_form.html", form=form, channel=channel, errors=errors), status
