"""The landing page until the staff dashboard arrives."""

from __future__ import annotations

from flask import Blueprint, render_template

home_blueprint = Blueprint("home", __name__)


@home_blueprint.get("/")
def index():
    return render_template("home.html")
