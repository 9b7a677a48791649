"""Login, logout, and the login requirement of every page (DESIGN §9)."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, flash, render_template, request, url_for
from flask_login import current_user, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, StringField
from wtforms.validators import DataRequired, Length

from ..actors import Actor
from ..services.accounts import authenticate
from .htmx import redirect_to

auth_blueprint = Blueprint("auth", __name__)


class LoginForm(FlaskForm):
    username = StringField(
        "Username", validators=[DataRequired(), Length(max=64)], render_kw={"autocomplete": "username"}
    )
    password = PasswordField(
        "Password", validators=[DataRequired(), Length(max=200)], render_kw={"autocomplete": "current-password"}
    )
    remember = BooleanField("Keep me signed in on this device")


class LogoutForm(FlaskForm):
    pass


def current_actor() -> Actor:
    return Actor.for_user(current_user)


def require_login():
    """before_request of every page blueprint."""
    if not current_user.is_authenticated:
        return redirect_to(url_for("auth.login", next=request.full_path.rstrip("?")))
    return None


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
    status = 200
    if form.validate_on_submit():
        user = authenticate(username=form.username.data.strip(), password=form.password.data)
        if user is not None:
            login_user(user, remember=form.remember.data)
            return redirect_to(_safe_next(request.args.get("next")) or url_for("locations.movements"))
        form.password.errors.append("Unknown username or wrong password.")
        status = 401
    return render_template("auth/login.html", form=form), status


@auth_blueprint.route("/logout", methods=["GET", "POST"])
def logout():
    form = LogoutForm()
    if request.method == "POST" and form.validate_on_submit():
        logout_user()
        flash("You are signed out.", "success")
        return redirect_to(url_for("auth.login"))
    if not current_user.is_authenticated:
        return redirect_to(url_for("auth.login"))
    return render_template("auth/logout.html", form=form)
