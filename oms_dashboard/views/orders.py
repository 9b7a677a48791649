"""The order page: an order, its items, and every package and transfer made for it (DESIGN §7)."""

from __future__ import annotations

from flask import Blueprint, render_template

from ..selectors.orders import order_page
from .auth import current_actor, require_login

orders_blueprint = Blueprint("orders", __name__, url_prefix="/orders")
orders_blueprint.before_request(require_login)


@orders_blueprint.get("/<path:number>")  # an ERP order number may hold a slash
def detail(number: str):
    actor = current_actor()
    page = order_page(number=number, actor=actor)
    return render_template("orders/detail.html", page=page, order=page.order, actor=actor)
