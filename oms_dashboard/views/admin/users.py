"""Admin: users — who may sign in, with which role, at which locations (DESIGN §7, §9).

A new role or new locations apply from the user's next request; deactivating or a new password ends
every session of the user at once. An admin cannot deactivate themself or drop their own admin role.
"""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_login import current_user, login_user
from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, EqualTo, InputRequired, Length, ValidationError

from ...errors import AppError
from ...models import Role, User
from ...services.accounts import (
    FULL_NAME_MAX_LENGTH,
    MAX_PASSWORD_LENGTH,
    MIN_PASSWORD_LENGTH,
    STAFF_NEED_LOCATIONS,
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

ROLE_CHOICES = [
    SelectChoice(Role.STORE_STAFF.value, "Store staff"),
    SelectChoice(Role.MANAGER.value, "Manager"),
    SelectChoice(Role.ADMIN.value, "Admin"),
]
PASSWORD_LENGTH = Length(
    min=MIN_PASSWORD_LENGTH,
    max=MAX_PASSWORD_LENGTH,
    message=f"Between {MIN_PASSWORD_LENGTH} and {MAX_PASSWORD_LENGTH} characters.",
)


class UserForm(FlaskForm):
    """What an admin may change of a user."""

    full_name = StringField(
        "Full name", filters=[strip], validators=[Length(max=FULL_NAME_MAX_LENGTH), storable], default=""
    )
    role = SelectField("Role", choices=ROLE_CHOICES, validators=[InputRequired()], default=Role.STORE_STAFF.value)
    locations = MultiCheckboxField("Locations", coerce=int)
    is_active = BooleanField("Active: may sign in", default=True)

    def validate_locations(self, field: MultiCheckboxField) -> None:
        """The service's rule, checked here too so the page shows it with every other mistake at once."""
        if self.role.data == Role.STORE_STAFF and not field.data and not field.errors:
            raise ValidationError(f"{STAFF_NEED_LOCATIONS}: tick at least one.")


class NewUserForm(UserForm):
    username = StringField(
        "Username",
        filters=[strip],
        validators=[DataRequired(), Length(max=USERNAME_MAX_LENGTH), storable],
        render_kw={"autocomplete": "off", "autocapitalize": "none", "spellcheck": "false"},
    )
    password = PasswordField(
        "Initial password", validators=[DataRequired(), PASSWORD_LENGTH], render_kw={"autocomplete": "new-password"}
    )
    confirm = PasswordField(
        "Repeat the password",
        validators=[EqualTo("password", "The two passwords differ.")],
        render_kw={"autocomplete": "new-password"},
    )


class PasswordForm(FlaskForm):
    password = PasswordField(
        "New password", validators=[DataRequired(), PASSWORD_LENGTH], render_kw={"autocomplete": "new-password"}
    )
    confirm = PasswordField(
        "Repeat the password",
        validators=[EqualTo("password", "The two passwords differ.")],
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
            flash(f"User {form.username.data} created: they can sign in now.", "success")
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
        return f"Nothing to change for {user.username}."
    message = f"{user.username}: {', '.join(changed)} saved."
    if "deactivated" in changed:
        message += " They can no longer sign in, and every session they had has ended."
    return message


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
        flash(f"{user.username} was already {'active' if is_active else 'inactive'}.", "success")
    elif is_active:
        flash(f"{user.username} reactivated: they can sign in again.", "success")
    else:
        flash(
            f"{user.username} deactivated: they can no longer sign in, and every session they had has ended.", "success"
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
                flash("Your password is changed; your other sessions have ended.", "success")
            else:
                flash(f"New password set for {user.username}; every session they had has ended.", "success")
            return redirect(url_for("admin.users"))
    return _page(
        "admin/users_password.html", invalid=bool(form.errors or notices), form=form, user=user, notices=notices
    )
