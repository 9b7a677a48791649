"""Storing an order and planning its items into packages."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select

from ..actors import SYSTEM, Actor
from ..database import run_in_transaction
from ..errors import AppError
from ..extensions import db
from ..models import Order, OrderItem, Product, StockLocation
from ..states import PackageStatus
from . import lookups
from .history import emit_events, log_transition
from .packages import create_package, create_planned_package
from .planning import plan_items

ORDER_CREATED = "ORDER_CREATED"


def create_order(
    *,
    number: str,
    lines: Sequence[tuple[str, int]],
    channel: str = "",
    customer: dict[str, Any] | None = None,
    shipping_address: dict[str, Any] | None = None,
    notes: str | None = None,
    cargo_company_code: str | None = None,
    tracking_number: str | None = None,
    prefer_location_id: int | None = None,
    actor: Actor = SYSTEM,
) -> list[int]:
    """Store the order with one order item per unit, plan it, and return the new package ids.

    Items no location can serve wait in an out-of-stock package for REPACK, placed at the
    highest-priority active location (a package always belongs to a location).
    """

    def work() -> list[int]:
        if db.session.scalars(select(Order.id).where(Order.number == number)).first() is not None:
            raise AppError.field("number", f"An order numbered {number} already exists.")
        order = Order(
            number=number,
            channel=channel,
            customer=customer or {},
            shipping_address=shipping_address or {},
            notes=notes,
            tracking_number=tracking_number,
            cargo_company=lookups.cargo_company(cargo_company_code) if cargo_company_code else None,
        )
        products = _products([sku for sku, _ in lines])
        order.items = [OrderItem(product=products[sku]) for sku, quantity in lines for _ in range(quantity)]
        db.session.add(order)
        db.session.flush()

        plan = plan_items(order_items=order.items, prefer_location_id=prefer_location_id)
        packages = [create_planned_package(order=order, group=group) for group in plan.groups]
        if plan.unplanned:
            packages.append(
                create_package(
                    order=order,
                    location=_fallback_location(),
                    status=PackageStatus.OUT_OF_STOCK,
                    order_items=plan.unplanned,
                )
            )
        for package in packages:
            log_transition(package=package, from_status=None, command=ORDER_CREATED, actor=actor)
        emit_events(("package.created", package) for package in packages)
        return [package.id for package in packages]

    return run_in_transaction(work)


def _products(skus: list[str]) -> dict[str, Product]:
    found = {p.sku: p for p in db.session.scalars(select(Product).where(Product.sku.in_(set(skus))))}
    unknown = sorted(set(skus) - set(found))
    if unknown:
        raise AppError.field("items", f"Unknown SKU: {', '.join(unknown)}.")
    return found


def _fallback_location() -> StockLocation:
    location = db.session.scalars(
        select(StockLocation).where(StockLocation.is_active).order_by(StockLocation.priority.desc(), StockLocation.id)
    ).first()
    if location is None:
        raise AppError.field("items", "No active stock location exists to hold the order.")
    return location
