"""`flask oms seed-demo`: locations, stock, orders and packages in every state the screens show."""

from __future__ import annotations

import unicodedata

from sqlalchemy import select

from ..actors import SYSTEM
from ..extensions import db
from ..models import (
    DenialReason,
    Package,
    PackageItem,
    Product,
    Stock,
    StockLocation,
    TransferOrder,
    Transition,
    User,
)
from ..scenarios import DEFAULT_SCENARIO, LocationSelection, Rule, ScenarioDefinition
from ..states import PackageStatus, TransferStatus
from ..validation import parse
from .accounts import create_user, set_password
from .catalog import add_location, add_product, set_stock
from .commands import run_command, run_transfer_command
from .masterdata.reference import upsert_sales_channels
from .masterdata.rows import SalesChannelRow
from .orders import create_order
from .scenarios import save_scenario

DEMO_PASSWORD = "oms-demo"
FIRST_LOCATION = "IST-KDK"

LOCATIONS = [
    # erp_code, name, type, city, priority, max_quota, default cargo company
    ("IST-KDK", "Kadıköy Store", "store", "İstanbul", 80, 60, "yurtici"),
    ("IST-BSK", "Beşiktaş Store", "store", "İstanbul", 70, 40, "aras"),
    ("ANK-KZL", "Kızılay Store", "store", "Ankara", 60, 30, "mng"),
    ("IZM-ALS", "Alsancak Store", "store", "İzmir", 50, 30, "yurtici"),
    ("WH-IST", "İstanbul Warehouse", "warehouse", "İstanbul", 40, None, "aras"),
    ("WH-ANK", "Ankara Warehouse", "warehouse", "Ankara", 30, None, "ptt"),
    ("3PL-DRP", "Dropship Partner (3PL)", "warehouse", "Bursa", 5, None, "mng"),
]
# Kadıköy is also a pickup point; the 3PL is run by the ERP (its packages wait for a remote action).
PICKUP_LOCATION = FIRST_LOCATION
REMOTE_LOCATION = "3PL-DRP"
# Only the 3PL has it: its orders are planned there.
DROPSHIP = ("DRP-500-OAK", "Oak Side Table (dropship)", "8690000000127")
# code, name, invoice_required
CHANNELS = [("Web", "Web shop", False), ("Marketplace", "Marketplace", False), ("B2B", "Business orders", True)]

PRODUCTS = [
    ("TSH-001-BLK-M", "Basic T-Shirt, Black, M", "8690000000011"),
    ("TSH-001-WHT-L", "Basic T-Shirt, White, L", "8690000000028"),
    ("JNS-204-IND-32", "Slim Jeans, Indigo, 32", "8690000000035"),
    ("SNK-330-WHT-42", "Canvas Sneakers, White, 42", "8690000000042"),
    ("HDY-115-GRY-M", "Hoodie, Grey, M", "8690000000059"),
    ("SCF-020-RED", "Wool Scarf, Red", "8690000000066"),
    ("BAG-450-BRN", "Leather Tote Bag, Brown", "8690000000073"),
    ("SCK-005-MIX", "Socks 3-Pack, Mixed", "8690000000080"),
    ("JKT-780-NVY-L", "Rain Jacket, Navy, L", "8690000000097"),
    ("CAP-011-BLK", "Baseball Cap, Black", "8690000000103"),
]
# Stocked at the first location only: when it is not found there, nothing else can take it,
# so the demo has an out-of-stock package that waits for Reschedule.
LIMITED = ("LTD-900-GLD", "Limited Edition Watch, Gold", "8690000000110")

CUSTOMERS = [
    ("Ayşe", "Yılmaz", "Caferağa Mah. Moda Cad. 12", "İstanbul"),
    ("Mehmet", "Demir", "Sinanpaşa Mah. Ihlamurdere Cad. 5", "İstanbul"),
    ("Zeynep", "Kaya", "Kızılay Mah. Atatürk Blv. 101", "Ankara"),
    ("Can", "Öztürk", "Alsancak Mah. Kıbrıs Şehitleri Cad. 40", "İzmir"),
]

S = PackageStatus
Step = tuple[str, dict, PackageStatus | None]  # command, input, destination when the command has several
SHIPPED: list[Step] = [("COMPLETE_PACKAGING", {}, None), ("SHIP", {}, None)]
# The path from a fresh package to each demo state, and what is special about its order; at every store.
PATHS: list[tuple[str, list[Step], dict]] = [
    ("waiting", [], {}),
    ("waiting", [], {}),
    ("waiting", [], {}),
    ("preparing", [("PKG_STATE_TRANSITION", {}, None)], {}),
    ("preparing", [("PKG_STATE_TRANSITION", {}, None)], {}),
    ("ready_for_packaging", [("PKG_STATE_TRANSITION", {}, None), ("PKG_STATE_TRANSITION", {}, None)], {}),
    ("waiting_cargo_label", [("COMPLETE_PACKAGING_WITHOUT_SHIPMENT", {}, None), ("SHIPMENT_ORDER", {}, None)], {}),
    ("packed", [("COMPLETE_PACKAGING", {}, None)], {}),
    ("packed", [("COMPLETE_PACKAGING", {}, None)], {}),
    ("waiting_invoice", [("COMPLETE_PACKAGING", {}, None)], {"channel": "B2B"}),
    ("shipped", SHIPPED, {}),
    ("delivered", [*SHIPPED, ("UPDATE_SHIPMENT_STATUS", {}, S.DELIVERED)], {}),
    ("attempted_delivery", [*SHIPPED, ("UPDATE_SHIPMENT_STATUS", {}, S.ATTEMPTED_DELIVERY)], {}),
    ("delivery_failed", [*SHIPPED, ("UPDATE_SHIPMENT_STATUS", {}, S.DELIVERY_FAILED)], {}),
    ("blocked", [("BLOCK", {}, None)], {}),
    ("cancellation_waiting", [("REQUEST_CANCELLATION", {}, None)], {}),
    ("cancelled", [("REQUEST_CANCELLATION", {}, None), ("CONFIRM_CANCELLATION", {}, None)], {}),
    ("needs_rescheduling", [("REFUSE_WITH_DENIAL_REASON", {"denial_reason": "first"}, None)], {}),
    ("packed_for_refund", [("PACKED_FOR_REFUND", {}, None)], {}),
    ("out_of_stock", [("DETECTED_OUT_OF_STOCK_ITEM", {"package_items": "all"}, S.OUT_OF_STOCK)], {}),
    ("wrong_product", [("DETECTED_OUT_OF_STOCK_ITEM", {"package_items": "all"}, S.WRONG_PRODUCT)], {}),
]
# Only where the demo has a pickup point (Kadıköy): collected orders.
PICKUP_PATHS: list[tuple[str, list[Step], dict]] = [
    ("ready_for_pickup", [("COMPLETE_PACKAGING", {}, None), ("READY_FOR_PICKUP", {}, None)], {}),
    (
        "delivered",
        [("COMPLETE_PACKAGING", {}, None), ("READY_FOR_PICKUP", {}, None), ("SELF_SERVICE_DELIVERY", {}, None)],
        {},
    ),
]


def demo_present() -> bool:
    return (
        db.session.scalars(select(StockLocation.id).where(StockLocation.erp_code == FIRST_LOCATION)).first() is not None
    )


def seed_demo(password: str | None = None) -> bool:
    """Create the demo data once; returns False (and only resets passwords if given) when it exists."""
    if demo_present():
        if password:
            for username in ("admin", "manager", "store1"):
                set_password(username=username, password=password)
        return False
    password = password or DEMO_PASSWORD
    upsert_sales_channels(
        rows=[
            parse(SalesChannelRow, {"code": code, "name": name, "invoice_required": invoiced})
            for code, name, invoiced in CHANNELS
        ]
    )
    for erp_code, name, kind, city, priority, max_quota, cargo in LOCATIONS:
        add_location(
            erp_code=erp_code,
            name=name,
            type=kind,
            city=city,
            priority=priority,
            max_quota=max_quota,
            default_cargo_company_code=cargo,
            is_pickup_location=erp_code == PICKUP_LOCATION,
            remote_fulfilment=erp_code == REMOTE_LOCATION,
        )
    for sku, name, barcode in [*PRODUCTS, LIMITED, DROPSHIP]:
        add_product(sku=sku, name=name, barcode=barcode)
    set_stock(location_erp_code=FIRST_LOCATION, sku=LIMITED[0], quantity=5)
    set_stock(location_erp_code=REMOTE_LOCATION, sku=DROPSHIP[0], quantity=40)
    for index, (erp_code, *_rest) in enumerate(LOCATIONS[:-1]):
        for number, (sku, _name, _barcode) in enumerate(PRODUCTS):
            # Every location lacks a few products, so planning has choices to make.
            if (index + number) % 4 != 3:
                set_stock(location_erp_code=erp_code, sku=sku, quantity=10 + (index * 7 + number * 3) % 25)
    create_user(username="admin", password=password, role="admin", full_name="Ada Admin")
    create_user(username="manager", password=password, role="manager", full_name="Murat Manager")
    create_user(
        username="store1",
        password=password,
        role="store_staff",
        full_name="Selin Store",
        location_codes=[FIRST_LOCATION],
    )
    _demo_orders()
    _demo_dropship_orders()
    _demo_transfers()
    return True


def _demo_orders() -> None:
    locations = list(db.session.scalars(select(StockLocation).order_by(StockLocation.id)))
    denial_reason_id = db.session.scalars(select(DenialReason.id).order_by(DenialReason.priority)).first()
    sequence = 0
    for location in locations[:4]:
        skus = _skus_in_stock(location)
        paths = PATHS + (PICKUP_PATHS if location.erp_code == PICKUP_LOCATION else [])
        for index, (state, steps, fields) in enumerate(paths):
            sequence += 1
            first, last, street, city = CUSTOMERS[sequence % len(CUSTOMERS)]
            lines = [(skus[(sequence + offset) % len(skus)], 1) for offset in range(1 + index % 3)]
            if state in ("out_of_stock", "wrong_product") and location.erp_code == FIRST_LOCATION:
                lines = [(LIMITED[0], 1)]
            pickup = {}
            if (state, steps, fields) in PICKUP_PATHS:
                pickup = {"delivery_type": "pickup", "pickup_location_code": PICKUP_LOCATION, "pickup_code": "4711"}
            result = create_order(
                number=f"{100200 + sequence}",
                channel=fields.get("channel") or ("Web" if sequence % 3 else "Marketplace"),
                customer={"first_name": first, "last_name": last, "email": f"{_ascii(first).lower()}@example.com"},
                shipping_address={"line": street, "city": city},
                lines=lines,
                prefer_location_id=location.id,
                **pickup,
            )
            for command, parameters, to in steps:
                _run(result.package_ids[0], command, parameters, denial_reason_id, to=to)


def _demo_dropship_orders() -> None:
    """Orders of a product only the 3PL has: planned there, they wait for the ERP's remote action."""
    for number in ("100800", "100801"):
        create_order(
            number=number,
            channel="Web",
            customer={"first_name": "Ece", "last_name": "Arslan", "email": "ece@example.com"},
            shipping_address={"line": "Nilüfer Cad. 8", "city": "Bursa"},
            lines=[(DROPSHIP[0], 1)],
        )


def _demo_transfers() -> None:
    """Two orders planned through a transfer, one of them already on its way, for the Transfers page."""
    save_scenario(definition=TRANSFER_DEMO, activate=True)
    try:
        for number, dispatch in (("100900", False), ("100901", True)):
            result = create_order(
                number=number,
                channel="Web",
                customer={"first_name": "Deniz", "last_name": "Aydın", "email": "deniz@example.com"},
                shipping_address={"line": "Moda Cad. 40", "city": "İstanbul"},
                lines=[(PRODUCTS[0][0], 1), (LIMITED[0], 1)],
            )
            if dispatch:
                transfer_id = db.session.scalars(
                    select(TransferOrder.id).where(TransferOrder.package_id == result.package_ids[0])
                ).first()
                slug = f"transfer__transfer_dispatch__{TransferStatus.WAITING}__{TransferStatus.IN_TRANSIT}"
                run_transfer_command(transfer_id=transfer_id, actor=SYSTEM, slug=slug)
    finally:
        save_scenario(definition=DEFAULT_SCENARIO, activate=True)


# Pack at Beşiktaş, bringing the limited watch from Kadıköy: a demo of transfers.
TRANSFER_DEMO = ScenarioDefinition(
    name="Demo: pack at Beşiktaş",
    description="Used once by the demo data to make transfer orders.",
    rules=[
        Rule(name="Beşiktaş, transfer the rest", locations=LocationSelection(erp_codes=["IST-BSK"]), transferable=True)
    ],
)


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text.replace("ı", "i")).encode("ascii", "ignore").decode()


def _skus_in_stock(location: StockLocation) -> list[str]:
    return list(
        db.session.scalars(
            select(Product.sku)
            .join(Stock, Stock.product_id == Product.id)
            .where(Stock.stock_location_id == location.id, Stock.quantity > 0, Product.sku != LIMITED[0])
            .order_by(Product.id)
        )
    )


def _run(
    package_id: int, command: str, parameters: dict, denial_reason_id: int | None, *, to: PackageStatus | None
) -> None:
    status = db.session.scalar(select(Package.status).where(Package.id == package_id))
    query = select(Transition).where(Transition.command == command, Transition.source_state == status)
    if to is not None:
        query = query.where(Transition.destination_state == to)
    transition = db.session.scalars(query.order_by(Transition.id)).first()
    if transition is None:
        raise RuntimeError(f"demo: no {command} from {PackageStatus(status).slug}")
    parameters = dict(parameters)
    if parameters.get("denial_reason") == "first":
        parameters["denial_reason"] = denial_reason_id
    if parameters.get("package_items") == "all":
        parameters["package_items"] = list(
            db.session.scalars(select(PackageItem.id).where(PackageItem.package_id == package_id))
        )
    run_command(package_id=package_id, actor=SYSTEM, transition_id=transition.id, input_parameters=parameters)


def demo_users() -> list[User]:
    return list(
        db.session.scalars(select(User).where(User.username.in_(["admin", "manager", "store1"])).order_by(User.id))
    )
