"""`flask oms install`: the default package and transfer transitions (DESIGN §4), denial reasons,
cargo companies and distribution scenario.

Idempotent: rows are matched by slug / title / erp_code, missing ones are added and existing
ones are left as the installation may have changed them.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from ..database import run_in_transaction
from ..extensions import db
from ..models import CargoCompany, DenialReason, DistributionScenario, TransferTransition, Transition
from ..scenarios import DEFAULT_SCENARIO
from ..states import PackageStatus as S
from ..states import TransferStatus as T
from ..states import Visibility

ALL = [Visibility.THIRD_PARTY, Visibility.OMS_WEB, Visibility.INSTORE]
OFFICE = [Visibility.THIRD_PARTY, Visibility.OMS_WEB]
STORE = [Visibility.THIRD_PARTY, Visibility.INSTORE]
OPEN_FOR_PACKING = [S.WAITING, S.PREPARING, S.READY_FOR_PACKAGING]
# DESIGN §4.1: what a cancellation request may still stop.
CANCELLABLE = [
    S.WAITING,
    S.WAITING_REMOTE_ACTION,
    S.PREPARING,
    S.BLOCKED,
    S.READY_FOR_PACKAGING,
    S.WAITING_FOR_TRANSFER,
]
WAITING_FOR_STOCK = [S.OUT_OF_STOCK, S.WRONG_PRODUCT, S.NEEDS_RESCHEDULING]
DELIVERY_UNDER_WAY = [S.SHIPPED, S.ATTEMPTED_DELIVERY, S.DELIVERY_FAILED]
PREVIOUS_STATE_SLUG = "previous_state"


@dataclass(frozen=True)
class DefaultTransition:
    command: str
    label: str
    sources: list[S]
    destination: S | None  # None: the status before the block (UNBLOCK)
    visibility: list[Visibility]
    same_state: bool = False  # the package keeps its state (destination = source)


DEFAULT_TRANSITIONS = [
    DefaultTransition(
        "PKG_STATE_TRANSITION", "Start Preparing", [S.WAITING, S.WAITING_REMOTE_ACTION], S.PREPARING, ALL
    ),
    DefaultTransition("PKG_STATE_TRANSITION", "Ready for Packaging", [S.PREPARING], S.READY_FOR_PACKAGING, ALL),
    DefaultTransition(
        "PKG_DEALLOCATE_RESERVATIONS", "Start Preparing, Release Reservations", [S.WAITING], S.PREPARING, OFFICE
    ),
    DefaultTransition("COMPLETE_PACKAGING", "Packaging Completed", OPEN_FOR_PACKING, S.PACKED, ALL),
    DefaultTransition(
        "COMPLETE_PACKAGING_WITHOUT_SHIPMENT",
        "Packaging Completed without Shipment",
        OPEN_FOR_PACKING,
        S.PACKED,
        OFFICE,
    ),
    DefaultTransition(
        "CHANNEL_BASED_COMPLETE_PACKAGING", "Packaging Completed by Barcode Scan", OPEN_FOR_PACKING, S.PACKED, ALL
    ),
    DefaultTransition(
        "DETECTED_OUT_OF_STOCK_ITEM", "Product Not Found / Wrong Product", OPEN_FOR_PACKING, S.OUT_OF_STOCK, ALL
    ),
    DefaultTransition("DETECTED_OUT_OF_STOCK_ITEM", "Defective Product Found", OPEN_FOR_PACKING, S.WRONG_PRODUCT, ALL),
    DefaultTransition(
        "DETECTED_OUT_OF_STOCK_ITEM_ADVANCED",
        "Product Not Found / Wrong Product (Keep Package)",
        OPEN_FOR_PACKING,
        None,
        OFFICE,
        same_state=True,
    ),
    DefaultTransition("REPACK", "Reschedule", [S.OUT_OF_STOCK, S.WRONG_PRODUCT, S.NEEDS_RESCHEDULING], S.WAITING, ALL),
    DefaultTransition(
        "PACKED_FOR_REFUND",
        "Packed for Refund",
        [S.WAITING, S.OUT_OF_STOCK, S.WRONG_PRODUCT],
        S.PACKED_FOR_REFUND,
        ALL,  # seed 002: run from the store screens
    ),
    DefaultTransition(
        "REFUSE_WITH_DENIAL_REASON",
        "Refuse",
        [S.WAITING, S.WAITING_REMOTE_ACTION, S.PREPARING],
        S.NEEDS_RESCHEDULING,
        ALL,
    ),
    DefaultTransition(
        "BLOCK", "Block", [S.WAITING, S.WAITING_REMOTE_ACTION, S.PREPARING, S.READY_FOR_PACKAGING], S.BLOCKED, OFFICE
    ),
    DefaultTransition("UNBLOCK", "Unblock", [S.BLOCKED], None, OFFICE),
    DefaultTransition("SHIP", "Ship", [S.PACKED], S.SHIPPED, ALL),
    DefaultTransition("SHIP_ADVANCED", "Advanced Ship", [S.PACKED], S.SHIPPED, ALL),
    DefaultTransition(
        "SHIP_WITHOUT_SHIPMENT_INTEGRATION", "Ship without Shipment Integration", [S.PACKED], S.SHIPPED, ALL
    ),
    DefaultTransition(
        "SHIPMENT_ORDER", "Shipment Order", [S.PACKED, S.WAITING_CARGO_LABEL], S.WAITING_CARGO_LABEL, ALL
    ),
    DefaultTransition("UPDATE_SHIPMENT_LABEL", "Shipping Label Received", [S.WAITING_CARGO_LABEL], S.PACKED, OFFICE),
    DefaultTransition(
        "UPDATE_SHIPMENT_LABEL", "Update Shipping Label", [S.PACKED, S.SHIPPED], None, OFFICE, same_state=True
    ),
    # Seed 003: run from the store screens. One transition per outcome, so each names where it leads.
    DefaultTransition("UPDATE_SHIPMENT_STATUS", "Delivered", DELIVERY_UNDER_WAY, S.DELIVERED, ALL),
    DefaultTransition(
        "UPDATE_SHIPMENT_STATUS", "Delivery Attempted", [S.SHIPPED, S.DELIVERY_FAILED], S.ATTEMPTED_DELIVERY, ALL
    ),
    DefaultTransition(
        "UPDATE_SHIPMENT_STATUS", "Delivery Failed", [S.SHIPPED, S.ATTEMPTED_DELIVERY], S.DELIVERY_FAILED, ALL
    ),
    DefaultTransition("READY_FOR_PICKUP", "Ready for Pickup", [S.PACKED], S.READY_FOR_PICKUP, ALL),
    DefaultTransition("SELF_SERVICE_DELIVERY", "Handed to the Customer", [S.READY_FOR_PICKUP], S.DELIVERED, ALL),
    DefaultTransition("REQUEST_CANCELLATION", "Request Cancellation", CANCELLABLE, S.CANCELLATION_WAITING, OFFICE),
    DefaultTransition("CONFIRM_CANCELLATION", "Confirm Cancellation", [S.CANCELLATION_WAITING], S.CANCELLED, ALL),
    DefaultTransition("REJECT_CANCELLATION", "Reject Cancellation", [S.CANCELLATION_WAITING], None, ALL),
    # Nothing is held anywhere for a package waiting for stock: it is cancelled without asking the store.
    DefaultTransition("CANCEL_PACKAGE", "Cancel", WAITING_FOR_STOCK, S.CANCELLED, OFFICE),
    DefaultTransition(
        "UPDATE_SHIPMENT_INFO",
        "Update Shipment Info",
        [S.PACKED, S.SHIPPED, S.DELIVERED, S.ATTEMPTED_DELIVERY],
        None,
        OFFICE,
        same_state=True,
    ),
    DefaultTransition(
        "MANUAL_PLANNING",
        "Manual Planning",
        [S.WAITING, S.PREPARING, S.NEEDS_RESCHEDULING, S.OUT_OF_STOCK, S.WRONG_PRODUCT],
        S.CANCELLED,
        OFFICE,
    ),
    DefaultTransition("UPDATE_INVOICE", "Invoice Issued", [S.WAITING_INVOICE], S.PACKED, OFFICE),
    DefaultTransition(
        "UPDATE_INVOICE",
        "Update Invoice",
        [
            S.PACKED,
            S.READY_FOR_PICKUP,
            S.SHIPPED,
            S.ATTEMPTED_DELIVERY,
            S.DELIVERY_FAILED,
            S.DELIVERED,
        ],
        None,
        OFFICE,
        same_state=True,
    ),
]

# Transfer transitions: (command, label, sources, destination, side of the transfer that runs it[, visibility]);
# without a visibility, every kind of caller. TRANSFER_ITEMS_NOT_FOUND keeps the transfer waiting when some of
# its items remain (it goes out of stock when every item is listed); TRANSFER_CANCEL is the office's (DESIGN §4).
DEFAULT_TRANSFER_TRANSITIONS = [
    ("TRANSFER_READY_FOR_DISPATCH", "Ready for Dispatch", [T.WAITING], T.READY_TO_SHIPMENT, "source"),
    ("TRANSFER_DISPATCH", "Dispatch", [T.WAITING, T.READY_TO_SHIPMENT], T.IN_TRANSIT, "source"),
    ("TRANSFER_DELIVERED", "Delivered", [T.IN_TRANSIT], T.TRANSFERRED, "destination"),
    ("TRANSFER_OUT_OF_STOCK", "Product Not Found", [T.WAITING], T.OUT_OF_STOCK, "source"),
    ("TRANSFER_ORDER_ADVANCED", "Transfer Order Advanced", [T.WAITING], T.READY_TO_SHIPMENT, "source"),
    ("TRANSFER_ITEMS_NOT_FOUND", "Product for Transfer Not Found & Wrong Product", [T.WAITING], T.WAITING, "source"),
    ("TRANSFER_CANCEL", "Cancel Transfer", [T.WAITING, T.READY_TO_SHIPMENT], T.CANCELLED, "either", OFFICE),
]

DEFAULT_DENIAL_REASONS = [
    ("Product not found on the shelf", 10),
    ("Product damaged or defective", 20),
    ("Wrong product in stock", 30),
    ("Not enough staff to prepare", 40),
    ("Store closed", 50),
]

DEFAULT_CARGO_COMPANIES = [
    ("yurtici", "Yurtiçi Kargo"),
    ("aras", "Aras Kargo"),
    ("mng", "MNG Kargo"),
    ("ptt", "PTT Kargo"),
]


def transition_slug(command: str, source: S, destination: S | None) -> str:
    """Akinon's pattern `package__<command>__<source>__<destination>`, lower case."""
    target = destination.slug if destination is not None else PREVIOUS_STATE_SLUG
    return f"package__{command.lower()}__{source.slug}__{target}"


def default_transition_rows() -> list[dict]:
    rows = []
    for default in DEFAULT_TRANSITIONS:
        for source in default.sources:
            destination = source if default.same_state else default.destination
            rows.append(
                {
                    "slug": transition_slug(default.command, source, destination),
                    "label": default.label,
                    "command": default.command,
                    "source_state": source.value,
                    "destination_state": destination.value if destination is not None else None,
                    "ui_visibility": [visibility.value for visibility in default.visibility],
                }
            )
    return rows


def default_transfer_transition_rows() -> list[dict]:
    return [
        {
            "slug": f"transfer__{command.lower()}__{source.value}__{destination.value}",
            "label": label,
            "command": command,
            "source_state": source.value,
            "destination_state": destination.value,
            "ui_visibility": [visibility.value for visibility in (shown[0] if shown else ALL)],
            "config": {"side": side},
        }
        for command, label, sources, destination, side, *shown in DEFAULT_TRANSFER_TRANSITIONS
        for source in sources
    ]


def install_defaults() -> dict[str, int]:
    """Add what is missing; returns how many rows of each kind were added."""

    def work() -> dict[str, int]:
        added = {
            "transitions": 0,
            "transfer_transitions": 0,
            "denial_reasons": 0,
            "cargo_companies": 0,
            "scenarios": 0,
        }
        existing = set(db.session.scalars(select(Transition.slug)))
        for row in default_transition_rows():
            if row["slug"] not in existing:
                db.session.add(Transition(**row, config={}))
                added["transitions"] += 1
        existing = set(db.session.scalars(select(TransferTransition.slug)))
        for row in default_transfer_transition_rows():
            if row["slug"] not in existing:
                db.session.add(TransferTransition(**row))
                added["transfer_transitions"] += 1
        if db.session.scalars(select(DistributionScenario.id)).first() is None:
            db.session.add(
                DistributionScenario(
                    name=DEFAULT_SCENARIO.name,
                    description=DEFAULT_SCENARIO.description,
                    definition=DEFAULT_SCENARIO.model_dump(mode="json"),
                    is_active=True,
                )
            )
            added["scenarios"] += 1
        titles = set(db.session.scalars(select(DenialReason.title)))
        for title, priority in DEFAULT_DENIAL_REASONS:
            if title not in titles:
                db.session.add(DenialReason(title=title, priority=priority))
                added["denial_reasons"] += 1
        codes = set(db.session.scalars(select(CargoCompany.erp_code)))
        for erp_code, name in DEFAULT_CARGO_COMPANIES:
            if erp_code not in codes:
                db.session.add(CargoCompany(erp_code=erp_code, name=name))
                added["cargo_companies"] += 1
        return added

    return run_in_transaction(work)
