"""Order intake: store the order, plan its items into packages, all in one transaction."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ..actors import SYSTEM, Actor
from ..database import run_in_transaction
from ..errors import AppError
from ..extensions import db
from ..models import Order, OrderItem, Package, Product, StockLocation, TransitionLog
from ..states import PackageStatus
from . import lookups
from .history import emit_events, log_transition
from .packages import create_package, create_planned_package
from .planning import plan_items

ORDER_CREATED = "ORDER_CREATED"


@dataclass(frozen=True)
class OrderResult:
    order_id: int
    number: str
    package_ids: list[int]  # the packages the intake made, in order
    created: bool  # False: the order existed, nothing was done


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
) -> OrderResult:
    """Store the order with one order item per unit and plan it; idempotent on `number`.

    Items nothing can serve wait in an out-of-stock package for Reschedule, placed at the
    highest-priority active location (a package always belongs to a location).
    """

    def work() -> OrderResult:
        if (existing := _intake_result(number)) is not None:
            return existing
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

        plan = plan_items(order=order, order_items=order.items, prefer_location_id=prefer_location_id)
        packages = [create_planned_package(order=order, group=group, actor=actor) for group in plan.groups]
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
        return OrderResult(order.id, order.number, [package.id for package in packages], created=True)

    try:
        return run_in_transaction(work)
    except IntegrityError:
        # The same order sent twice at once: the one that committed first answers both.
        if (existing := _intake_result(number)) is not None:
            return existing
        raise


def _intake_result(number: str) -> OrderResult | None:
    order_id = db.session.scalar(select(Order.id).where(Order.number == number))
    if order_id is None:
        return None
    package_ids = db.session.scalars(
        select(Package.id)
        .join(TransitionLog, TransitionLog.package_id == Package.id)
        .where(Package.order_id == order_id, TransitionLog.command == ORDER_CREATED)
        .order_by(Package.id)
    )
    return OrderResult(order_id, number, list(package_ids), created=False)


def _products(skus: list[str]) -> dict[str, Product]:
    found = {p.sku: p for p in db.session.scalars(select(Product).where(Product.sku.in_(set(skus))))}
    unknown = [sku for sku in dict.fromkeys(skus) if sku not in found]
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
