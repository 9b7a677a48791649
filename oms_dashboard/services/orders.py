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
from .planning import plan_for_order

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
    delivery_type: str = "shipping",
    pickup_location_code: str | None = None,
    pickup_code: str | None = None,
    fingerprint: str | None = None,
    actor: Actor = SYSTEM,
) -> OrderResult:
    """Store the order with one order item per unit and plan it; idempotent on `number`.

    `fingerprint` (a hash of the request) tells a repeat from a different order sent under a number
    already taken: the repeat gets the first answer, the other a 409 naming `number`. A pickup order's
    items all go to its pickup location (reserved there or transferred in). Items nothing can serve
    wait in an out-of-stock package for Reschedule, placed at the pickup location, else at the
    highest-priority active location (a package always belongs to a location).
    """

    def work() -> OrderResult:
        if (existing := _intake_result(number, fingerprint)) is not None:
            return existing
        pickup_location = _pickup_location(pickup_location_code) if delivery_type == "pickup" else None
        order = Order(
            number=number,
            channel=channel,
            customer=customer or {},
            shipping_address=shipping_address or {},
            notes=notes,
            tracking_number=tracking_number,
            cargo_company=lookups.cargo_company(cargo_company_code) if cargo_company_code else None,
            delivery_type=delivery_type,
            pickup_location=pickup_location,
            pickup_code=pickup_code,
            intake_fingerprint=fingerprint,
        )
        products = _products([sku for sku, _ in lines])
        order.items = [OrderItem(product=products[sku]) for sku, quantity in lines for _ in range(quantity)]
        db.session.add(order)
        db.session.flush()

        plan = plan_for_order(order=order, order_items=order.items, prefer_location_id=prefer_location_id)
        packages = [create_planned_package(order=order, group=group, actor=actor) for group in plan.groups]
        if plan.unplanned:
            packages.append(
                create_package(
                    order=order,
                    location=pickup_location or _fallback_location(),
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
        if (existing := _intake_result(number, fingerprint)) is not None:
            return existing
        raise


def _intake_result(number: str, fingerprint: str | None) -> OrderResult | None:
    found = db.session.execute(select(Order.id, Order.intake_fingerprint).where(Order.number == number)).first()
    if found is None:
        return None
    order_id, first_fingerprint = found
    if fingerprint is not None and first_fingerprint is not None and fingerprint != first_fingerprint:
        raise AppError(409, {"number": [f"Order {number} was already taken with other contents; send a new number."]})
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


def _pickup_location(erp_code: str | None) -> StockLocation:
    location = (
        db.session.scalars(select(StockLocation).where(StockLocation.erp_code == erp_code)).first()
        if erp_code
        else None
    )
    if location is None or not location.is_active or not location.is_pickup_location:
        raise AppError.field("pickup_location", f"{erp_code or 'None'} is not an active pickup location.")
    return location


def _fallback_location() -> StockLocation:
    location = db.session.scalars(
        select(StockLocation).where(StockLocation.is_active).order_by(StockLocation.priority.desc(), StockLocation.id)
    ).first()
    if location is None:
        raise AppError.field("items", "No active stock location exists to hold the order.")
    return location
