"""Admin: users — who may sign in, with which role, at which locations (DESIGN §7, §9).

A new role or new locations apply from the user's next request; deactivating or a new password ends
every session of the user at once. An admin cannot deactivate themself or drop their own admin role.
"""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_user
from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, EqualTo, InputRequired, Length, ValidationError

from ...actors import ROLE_NAMES
from ...errors import AppError
from ...models import Role, User
from ...services.accounts import (
    FULL_NAME_MAX_LENGTH,
    MAX_PASSWORD_LENGTH,
    MIN_PASSWORD_LENGTH,
    STAFF_NEED_LOCATIONS_MESSAGE,
    USERNAME_MAX_LENGTH,
    create_user,
    get_user,
    list_users,
    reset_password,
    set_user_active,
    update_user,
)
from . import admin_blueprint
from .formtools import show_errors
from .people import LOCATION_ALIAS, MultiCheckboxField, location_choices, refusal_text, storable, strip

ROLE_CHOICES = [SelectChoice(role.value, _l(ROLE_NAMES[role])) for role in (Role.STORE_STAFF, Role.MANAGER, Role.ADMIN)]
# WTForms fills in %(min)d and %(max)d.
PASSWORD_LENGTH = Length(
    min=MIN_PASSWORD_LENGTH, max=MAX_PASSWORD_LENGTH, message=_l("Between %(min)d and %(max)d characters.")
)
PASSWORDS_DIFFER = _l("The two passwords differ.")


class UserForm(FlaskForm):
    """What an admin may change of a user."""

    full_name = StringField(
        _l("Full name"), filters=[strip], validators=[Length(max=FULL_NAME_MAX_LENGTH), storable], default=""
    )
    role = SelectField(_l("Role"), choices=ROLE_CHOICES, validators=[InputRequired()], default=Role.STORE_STAFF.value)
    locations = MultiCheckboxField(_l("Locations"), coerce=int)
    is_active = BooleanField(_l("Active: may sign in"), default=True)

    def validate_locations(self, field: MultiCheckboxField) -> None:
        """The service's rule, checked here too so the page shows it with every other mistake at once."""
        if self.role.data == Role.STORE_STAFF and not field.data and not field.errors:
            raise ValidationError(_(STAFF_NEED_LOCATIONS_MESSAGE))


class NewUserForm(UserForm):
    username = StringField(
        _l("Username"),
        filters=[strip],
        validators=[DataRequired(), Length(max=USERNAME_MAX_LENGTH), storable],
        render_kw={"autocomplete": "off", "autocapitalize": "none", "spellcheck": "false"},
    )
    password = PasswordField(
        _l("Initial password"),
        validators=[DataRequired(), PASSWORD_LENGTH],
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        _l("Repeat the password"),
        validators=[EqualTo("password", PASSWORDS_DIFFER)],
        render_kw={"autocomplete": "new-password"},
    )


class PasswordForm(FlaskForm):
    password = PasswordField(
        _l("New password"), validators=[DataRequired(), PASSWORD_LENGTH], render_kw={"autocomplete": "new-password"}
    )
    confirm = PasswordField(
        _l("Repeat the password"),
        validators=[EqualTo("password", PASSWORDS_DIFFER)],
        render_kw={"autocomplete": "new-password"},
    )


def _page(template: str, *, invalid: bool, **context) -> tuple[str, int]:
    """A form page; 400 when it comes back with what was refused."""
    return render_template(template, **context), 400 if invalid else 200


@admin_blueprint.get("/users/")
def users():
    role_labels = {choice.value: choice.label for choice in ROLE_CHOICES}
    return render_template("admin/users.html", users=list_users(), role_labels=role_labels)


@admin_blueprint.route("/users/new", methods=["GET", "POST"])
def users_new():
    form = NewUserForm()
    form.locations.choices = location_choices()
    notices: list[str] = []
    if form.validate_on_submit():
        try:
            create_user(
                username=form.username.data,
                full_name=form.full_name.data,
                role=form.role.data,
                location_ids=form.locations.data,
                password=form.password.data,
            )
        except AppError as refusal:
            notices = show_errors(form, refusal, LOCATION_ALIAS)
        else:
            flash(_("User %(username)s created: they can sign in now.", username=form.username.data), "success")
            return redirect(url_for("admin.users"))
    return _page("admin/users_new.html", invalid=bool(form.errors or notices), form=form, notices=notices)


@admin_blueprint.route("/users/<id:user_id>/edit", methods=["GET", "POST"])
def users_edit(user_id: int):
    user = get_user(user_id=user_id)
    form = UserForm(
        data={
            "full_name": user.full_name,
            "role": user.role,
            "locations": [location.id for location in user.locations],
            "is_active": user.is_active,
        }
    )
    form.locations.choices = location_choices()
    notices: list[str] = []
    if form.validate_on_submit():
        try:
            changed = update_user(
                user_id=user.id,
                full_name=form.full_name.data,
                role=form.role.data,
                location_ids=form.locations.data,
                is_active=form.is_active.data,
                by_user_id=current_user.id,
            )
        except AppError as refusal:
            notices = show_errors(form, refusal, LOCATION_ALIAS)
        else:
            flash(_saved_message(user, changed), "success")
            return redirect(url_for("admin.users"))
    return _page("admin/users_edit.html", invalid=bool(form.errors or notices), form=form, user=user, notices=notices)


def _saved_message(user: User, changed: list[str]) -> str:
    if not changed:
        return _("Nothing to change for %(username)s.", username=user.username)
    changes = ", ".join(_(name) for name in changed)  # update_user's words, marked there
    if "deactivated" in changed:
        return _(
            "%(username)s: %(changes)s saved. They can no longer sign in, and every session they had has ended.",
            username=user.username,
            changes=changes,
        )
    return _("%(username)s: %(changes)s saved.", username=user.username, changes=changes)


@admin_blueprint.post("/users/<id:user_id>/deactivate")
def users_deactivate(user_id: int):
    return _set_active(user_id, False)


@admin_blueprint.post("/users/<id:user_id>/reactivate")
def users_reactivate(user_id: int):
    return _set_active(user_id, True)


def _set_active(user_id: int, is_active: bool):
    """The list's buttons (CSRF is checked for every form post before any view runs)."""
    user = get_user(user_id=user_id)
    try:
        changed = set_user_active(user_id=user.id, is_active=is_active, by_user_id=current_user.id)
    except AppError as refusal:
        flash(refusal_text(refusal), "error")
        return redirect(url_for("admin.users"))
    if not changed:
        if is_active:
            flash(_("%(username)s was already active.", username=user.username), "success")
        else:
            flash(_("%(username)s was already inactive.", username=user.username), "success")
    elif is_active:
        flash(_("%(username)s reactivated: they can sign in again.", username=user.username), "success")
    else:
        flash(
            _(
                "%(username)s deactivated: they can no longer sign in, and every session they had has ended.",
                username=user.username,
            ),
            "success",
        )
    return redirect(url_for("admin.users"))


@admin_blueprint.route("/users/<id:user_id>/password", methods=["GET", "POST"])
def users_password(user_id: int):
    user = get_user(user_id=user_id)
    form = PasswordForm()
    notices: list[str] = []
    if form.validate_on_submit():
        try:
            reset_password(user_id=user.id, password=form.password.data)
        except AppError as refusal:
            notices = show_errors(form, refusal, LOCATION_ALIAS)
        else:
            if user.id == current_user.id:
                # Every session of the user ended, this one too: the admin who just chose it stays signed in here.
                login_user(get_user(user_id=user.id))
                flash(_("Your password is changed; your other sessions have ended."), "success")
            else:
                flash(
                    _("New password set for %(username)s; every session they had has ended.", username=user.username),
                    "success",
                )
            return redirect(url_for("admin.users"))
    return _page(
        "admin/users_password.html", invalid=bool(form.errors or notices), form=form, user=user, notices=notices
    )
