"""Admin: API tokens — create (the key is shown once), see when each was last used, revoke (DESIGN §7, §9).

Only a token's hash is stored, so its key can be shown only in the answer to the POST that made it:
never in a URL, a flash message or the session. A revoked token gets 401 from the API at once.
"""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from ...errors import AppError
from ...services.accounts import TOKEN_NAME_MAX_LENGTH, create_token, get_token, list_tokens, revoke_tokens
from . import admin_blueprint
from .formtools import show_errors
from .people import LOCATION_ALIAS, MultiCheckboxField, location_choices, refusal_text, storable, strip


class TokenForm(FlaskForm):
    name = StringField(
        _l("Name"),
        filters=[strip],
        validators=[DataRequired(), Length(max=TOKEN_NAME_MAX_LENGTH), storable],
        render_kw={"autocomplete": "off"},
    )
    locations = MultiCheckboxField(_l("Locations"), coerce=int)


@admin_blueprint.get("/tokens/")
def tokens():
    return render_template("admin/tokens.html", tokens=list_tokens())


@admin_blueprint.route("/tokens/new", methods=["GET", "POST"])
def tokens_new():
    form = TokenForm()
    form.locations.choices = location_choices()
    notices: list[str] = []
    if form.validate_on_submit():
        try:
            key = create_token(name=form.name.data, location_ids=form.locations.data)
        except AppError as refusal:
            notices = show_errors(form, refusal, LOCATION_ALIAS)
        else:
            # The one time the key exists outside the integrator's hands: in this answer only (no-store).
            chosen = set(form.locations.data)
            locations = [choice.label for choice in form.locations.choices if choice.value in chosen]
            return render_template("admin/tokens_created.html", key=key, name=form.name.data, locations=locations)
    status = 400 if request.method == "POST" else 200
    return render_template("admin/tokens_new.html", form=form, notices=notices), status


@admin_blueprint.route("/tokens/<id:token_id>/revoke", methods=["GET", "POST"])
def tokens_revoke(token_id: int):
    """A confirmation page (works without JavaScript); its POST revokes."""
    token = get_token(token_id=token_id)
    if request.method == "GET":
        return render_template("admin/tokens_revoke.html", token=token)
    try:
        revoke_tokens(token_id=token.id)
    except AppError as refusal:  # revoked meanwhile (another admin, the CLI)
        flash(refusal_text(refusal), "error")
    else:
        flash(
            _(
                "Token %(name)s (%(key)s…) revoked: the API refuses it from now on.",
                name=token.name,
                key=token.key_prefix,
            ),
            "success",
        )
    return redirect(url_for("admin.tokens"))
