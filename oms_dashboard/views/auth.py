"""Login, logout, and the login requirement of every page (DESIGN §9)."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, flash, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, StringField
from wtforms.validators import DataRequired, Length

from ..actors import Actor
from ..errors import AppError
from ..i18n import SESSION_KEY
from ..services.accounts import end_sessions
from ..services.authentication import authenticate
from .htmx import redirect_to

auth_blueprint = Blueprint("auth", __name__)


class LoginForm(FlaskForm):
    username = StringField(
        _l("Username"), validators=[DataRequired(), Length(max=64)], render_kw={"autocomplete": "username"}
    )
    password = PasswordField(
        _l("Password"), validators=[DataRequired(), Length(max=200)], render_kw={"autocomplete": "current-password"}
    )
    remember = BooleanField(_l("Keep me signed in on this device"))


class LogoutForm(FlaskForm):
    pass


def current_actor() -> Actor:
    return Actor.for_user(current_user)


def require_login():
    """before_request of every page blueprint."""
    if not current_user.is_authenticated:
        return redirect_to(url_for("auth.login", next=_page_to_return_to()))
    return None


def _page_to_return_to() -> str:
    """After signing in again, the page the person was on: for an htmx request (a poll, an action)
    that is the page in the address bar, not the fragment's URL. `_safe_next` checks it when used."""
    if request.headers.get("HX-Request") == "true":
        current = urlsplit(request.headers.get("HX-Current-URL", ""))
        if current.path:
            return current.path + (f"?{current.query}" if current.query else "")
    return request.full_path.rstrip("?")


def _safe_next(target: str | None) -> str | None:
    """Only a path on this site: never an open redirect."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


@auth_blueprint.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect_to(url_for("locations.movements"))
    form = LoginForm()
    if not form.validate_on_submit():
        return render_template("auth/login.html", form=form)
    try:
        user = authenticate(
            username=form.username.data.strip(), password=form.password.data, client_address=request.remote_addr
        )
    except AppError as refusal:  # throttled: 429 with Retry-After, shown on the form
        return (
            render_template("auth/login.html", form=form, error=refusal.message),
            refusal.status_code,
            refusal.headers,
        )
    if user is None:
        form.password.errors.append(_("Unknown username or wrong password."))
        return render_template("auth/login.html", form=form), 401
    login_user(user, remember=form.remember.data)
    return redirect_to(_safe_next(request.args.get("next")) or url_for("locations.movements"))


@auth_blueprint.route("/logout", methods=["GET", "POST"])
def logout():
    form = LogoutForm()
    if request.method == "POST" and form.validate_on_submit():
        language = None
        if current_user.is_authenticated:
            language = current_user.locale
            end_sessions(user_id=current_user.id)  # copies of this user's cookies stop working too
        logout_user()
        if language:
            session[SESSION_KEY] = language  # the sign-in page keeps speaking the user's language
        flash(_("You are signed out."), "success")
        return redirect_to(url_for("auth.login"))
    if not current_user.is_authenticated:
        return redirect_to(url_for("auth.login"))
    return render_template("auth/logout.html", form=form)
