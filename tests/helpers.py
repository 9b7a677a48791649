"""Building test worlds through the services, and the API as an integrator calls it."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import delete, func, select, text

from oms_dashboard.actors import SYSTEM, Actor
from oms_dashboard.extensions import db
from oms_dashboard.models import (
    Discrepancy,
    Order,
    OrderItem,
    OutboxEvent,
    Package,
    PackageItem,
    Reservation,
    Shipment,
    Stock,
    StockLocation,
    TransferItem,
    TransferLog,
    TransferOrder,
    Transition,
    TransitionLog,
)
from oms_dashboard.services import accounts, catalog, orders
from oms_dashboard.services.commands import CommandResult, run_command
from oms_dashboard.services.install import install_defaults
from oms_dashboard.states import PackageStatus

API = "/api/v1/oms"


def reset_database(*, install: bool = True) -> None:
    """Empty every table and install `oms install`'s defaults: the start of every test (and example).

    `install=False` leaves the database as `db upgrade` makes it: empty tables (a fresh installation)."""
    tables = list(reversed(db.metadata.sorted_tables))  # children first
    if db.engine.dialect.name == "postgresql":
        # A connection of the previous test may still be closing: wait for it longer than the app would.
        db.session.execute(text("SET LOCAL lock_timeout = '30s'"))
        # DELETE, not TRUNCATE: on a few rows a TRUNCATE of every table costs ~70 ms, these ~6 ms.
        # Restarting the tables' own sequences keeps ids from 1, as TRUNCATE … RESTART IDENTITY did.
        statements = [f'DELETE FROM "{table.name}"' for table in tables]
        statements += [f'ALTER SEQUENCE "{name}" RESTART' for name in _owned_sequences()]
        db.session.connection().exec_driver_sql(";".join(statements))
    else:
        for table in tables:
            db.session.execute(table.delete())
    db.session.commit()
    if install:
        install_defaults()
    db.session.remove()


def _owned_sequences() -> list[str]:
    """The sequences of the tables' serial and identity columns."""
    return db.session.scalars(
        text(
            "SELECT s.relname FROM pg_class s JOIN pg_depend d ON d.objid = s.oid AND d.deptype IN ('a', 'i')"
            " JOIN pg_class t ON t.oid = d.refobjid JOIN pg_namespace n ON n.oid = s.relnamespace"
            " WHERE s.relkind = 'S' AND n.nspname = current_schema()"
        )
    ).all()


def location(
    erp_code: str,
    *,
    priority: int = 50,
    max_quota: int | None = None,
    city: str = "İstanbul",
    cargo: str | None = "yurtici",
    kind: str = "store",
    name: str | None = None,
    **flags: bool,  # remote_fulfilment, is_pickup_location
) -> int:
    return catalog.add_location(
        **flags,
        erp_code=erp_code,
        name=name or f"{erp_code} Store",
        type=kind,
        city=city,
        priority=priority,
        max_quota=max_quota,
        default_cargo_company_code=cargo,
    )


def product(sku: str, *, barcode: str | None = None, name: str | None = None) -> int:
    return catalog.add_product(
        sku=sku, name=name or f"Product {sku}", barcode=barcode or f"869{abs(hash(sku)) % 10**10:010d}"
    )


def stock(erp_code: str, sku: str, quantity: int) -> None:
    catalog.set_stock(location_erp_code=erp_code, sku=sku, quantity=quantity)


def order(number: str, *skus: str, prefer: str | None = None, **fields: Any) -> list[int]:
    """An order with one unit per SKU given (repeat a SKU for more units); returns its package ids."""
    prefer_id = location_id(prefer) if prefer else None
    lines = [(sku, 1) for sku in skus]
    return orders.create_order(number=number, lines=lines, prefer_location_id=prefer_id, **fields).package_ids


def location_id(erp_code: str) -> int:
    return db.session.scalar(select(StockLocation.id).where(StockLocation.erp_code == erp_code))


def token(*location_codes: str, name: str = "ERP") -> str:
    return accounts.create_token(name=name, location_codes=location_codes)


def clear_outbox() -> None:
    """Forget the events a test's world wrote while it was built, so the test sees only its own."""
    db.session.execute(delete(OutboxEvent))
    db.session.commit()


def fresh() -> None:
    """End the test's read transaction so the next read sees what requests committed."""
    db.session.rollback()


def package(package_id: int) -> Package:
    fresh()
    return db.session.get(Package, package_id)


def status_of(package_id: int) -> PackageStatus:
    return package(package_id).state


def item_ids(package_id: int) -> list[int]:
    fresh()
    return list(
        db.session.scalars(select(PackageItem.id).where(PackageItem.package_id == package_id).order_by(PackageItem.id))
    )


def skus_in(package_id: int) -> list[str]:
    return sorted(item.product.sku for item in package(package_id).active_items)


def transition(command: str, status: PackageStatus | int, to: PackageStatus | None = None) -> Transition:
    """The command's transition from `status`; `to` picks one when it has several (one per outcome)."""
    fresh()
    query = select(Transition).where(Transition.command == command, Transition.source_state == int(status))
    if to is not None:
        query = query.where(Transition.destination_state == int(to))
    return db.session.scalars(query.order_by(Transition.id)).first()


def slug(command: str, status: PackageStatus | int, to: PackageStatus | None = None) -> str:
    return transition(command, status, to).slug


def run(
    package_id: int, command: str, actor: Actor = SYSTEM, *, to: PackageStatus | None = None, **inputs: Any
) -> CommandResult:
    """Run `command` from the package's current state, as the system."""
    row = transition(command, status_of(package_id), to)
    return run_command(package_id=package_id, actor=actor, transition_id=row.id, input_parameters=inputs)


def available(erp_code: str, sku: str) -> tuple[int, int]:
    """(quantity, reserved) of a stock row."""
    fresh()
    from oms_dashboard.models import Product

    row = db.session.execute(
        select(Stock.quantity, Stock.reserved)
        .join(StockLocation, StockLocation.id == Stock.stock_location_id)
        .join(Product, Product.id == Stock.product_id)
        .where(StockLocation.erp_code == erp_code, Product.sku == sku)
    ).one()
    return row.quantity, row.reserved


def quota(erp_code: str) -> int:
    fresh()
    return db.session.scalar(select(StockLocation.quota).where(StockLocation.erp_code == erp_code))


def snapshot() -> dict[str, Any]:
    """Everything a failed command must leave untouched."""
    fresh()
    models = (
        Package,
        PackageItem,
        Reservation,
        Discrepancy,
        Shipment,
        TransitionLog,
        OutboxEvent,
        Order,
        OrderItem,
        TransferOrder,
        TransferItem,
        TransferLog,
    )
    row = db.session.execute(select(*(select(func.count()).select_from(m).scalar_subquery() for m in models))).one()
    counts: dict[str, Any] = {model.__tablename__: count for model, count in zip(models, row, strict=True)}
    counts["package_states"] = sorted(
        db.session.execute(select(Package.id, Package.status, Package.stock_location_id)).all()
    )
    counts["item_states"] = sorted(
        db.session.execute(select(PackageItem.id, PackageItem.status, PackageItem.replanned_to_id)).all()
    )
    counts["stocks"] = sorted(db.session.execute(select(Stock.id, Stock.quantity, Stock.reserved)).all())
    counts["quotas"] = sorted(db.session.execute(select(StockLocation.id, StockLocation.quota)).all())
    counts["transfer_states"] = sorted(db.session.execute(select(TransferOrder.id, TransferOrder.status)).all())
    counts["shipments"] = sorted(
        db.session.execute(
            select(Shipment.package_id, Shipment.status, Shipment.cargo_company_id, Shipment.tracking_number)
        ).all()
    )
    return counts


@contextmanager
def nothing_changes() -> Iterator[None]:
    """The request inside the block must leave every table a command touches as it was."""
    before = snapshot()
    yield
    assert snapshot() == before


def user(username: str, role: str = "store_staff", *location_codes: str, password: str = "pass1234") -> int:
    return accounts.create_user(username=username, password=password, role=role, location_codes=location_codes)


CSRF_FIELD = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"')


def csrf_token(html: str) -> str:
    match = CSRF_FIELD.search(html)
    assert match, "no CSRF token on the page"
    return match.group(1) or match.group(2)


def sign_in(client, username: str, password: str = "pass1234"):
    """Log in through the login form, as a person would (CSRF token included)."""
    token = csrf_token(client.get("/login").get_data(as_text=True))
    response = client.post("/login", data={"username": username, "password": password, "csrf_token": token})
    assert response.status_code == 302, response.get_data(as_text=True)
    return response


class ApiClient:
    """The JSON API as an ERP calls it."""

    def __init__(self, client, key: str):
        self.client = client
        self.headers = {"Authorization": f"Token {key}"}

    def get(self, path: str, **params: Any):
        return self.client.get(f"{API}/{path}", query_string=params, headers=self.headers)

    def post_raw(self, path: str, data: Any, headers: dict[str, str] | None = None):
        body = data if isinstance(data, (str, bytes)) else json.dumps(data)
        return self.client.post(
            f"{API}/{path}", data=body, headers=self.headers | {"Content-Type": "application/json"} | (headers or {})
        )

    def send(self, method: str, path: str, data: Any):
        """Any method with a JSON body (a str or bytes body is sent as it is)."""
        body = data if isinstance(data, (str, bytes)) else json.dumps(data)
        return self.client.open(
            f"{API}/{path}", method=method, data=body, headers=self.headers | {"Content-Type": "application/json"}
        )

    def put(self, path: str, data: Any):
        return self.send("PUT", path, data)

    def patch(self, path: str, data: Any):
        return self.send("PATCH", path, data)

    def command(self, package_id: int, body: dict[str, Any], headers: dict[str, str] | None = None):
        return self.post_raw(f"packages/{package_id}/command/", body, headers)

    def run(
        self,
        package_id: int,
        command: str,
        headers: dict[str, str] | None = None,
        to: PackageStatus | None = None,
        **inputs: Any,
    ):
        """The command from the package's current state, by slug, with `input_parameters`."""
        body = {"slug": slug(command, status_of(package_id), to), "input_parameters": inputs}
        return self.command(package_id, body, headers)


def scenario(*rules: dict, name: str = "Test") -> None:
    """Make `rules` (dicts in the scenario file format) the active distribution scenario."""
    from oms_dashboard.scenarios import ScenarioDefinition
    from oms_dashboard.services.scenarios import save_scenario

    save_scenario(definition=ScenarioDefinition(name=name, rules=list(rules)), activate=True)


def transfer_command(client_or_api, transfer_id: int, command: str, headers: dict[str, str] | None = None):
    """Run a transfer command through the API by slug, from the transfer's current state."""
    from oms_dashboard.models import TransferOrder, TransferTransition

    fresh()
    state = db.session.get(TransferOrder, transfer_id).status
    slug = db.session.scalars(
        select(TransferTransition.slug).where(
            TransferTransition.command == command, TransferTransition.source_state == state
        )
    ).one()
    return client_or_api.post_raw(f"transfer_orders/{transfer_id}/command/", {"slug": slug}, headers)


def waiting_transfer(order_number: str = "3001") -> int:
    """In the two-store world: an order whose Coffee Cup comes from a new warehouse (WH) by transfer.
    Returns the package id (waiting for the transfer)."""
    location("WH", priority=40, kind="warehouse", name="Warehouse", cargo="aras")
    stock("L1", "B", 0)
    stock("L2", "B", 0)
    stock("WH", "B", 5)
    scenario({"name": "Pack at the best store", "transferable": True, "locations": {"types": ["store"]}})
    [package_id] = order(order_number, "A", "B")
    return package_id
