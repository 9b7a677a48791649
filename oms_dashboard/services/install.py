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
from ..i18n import N_
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
        "PKG_STATE_TRANSITION", N_("Start Preparing"), [S.WAITING, S.WAITING_REMOTE_ACTION], S.PREPARING, ALL
    ),
    DefaultTransition("PKG_STATE_TRANSITION", N_("Ready for Packaging"), [S.PREPARING], S.READY_FOR_PACKAGING, ALL),
    DefaultTransition(
        "PKG_DEALLOCATE_RESERVATIONS", N_("Start Preparing, Release Reservations"), [S.WAITING], S.PREPARING, OFFICE
    ),
    DefaultTransition("COMPLETE_PACKAGING", N_("Packaging Completed"), OPEN_FOR_PACKING, S.PACKED, ALL),
    DefaultTransition(
        "COMPLETE_PACKAGING_WITHOUT_SHIPMENT",
        N_("Packaging Completed without Shipment"),
        OPEN_FOR_PACKING,
        S.PACKED,
        OFFICE,
    ),
    DefaultTransition(
        "CHANNEL_BASED_COMPLETE_PACKAGING", N_("Packaging Completed by Barcode Scan"), OPEN_FOR_PACKING, S.PACKED, ALL
    ),
    DefaultTransition(
        "DETECTED_OUT_OF_STOCK_ITEM", N_("Product Not Found / Wrong Product"), OPEN_FOR_PACKING, S.OUT_OF_STOCK, ALL
    ),
    DefaultTransition(
        "DETECTED_OUT_OF_STOCK_ITEM", N_("Defective Product Found"), OPEN_FOR_PACKING, S.WRONG_PRODUCT, ALL
    ),
    DefaultTransition(
        "DETECTED_OUT_OF_STOCK_ITEM_ADVANCED",
        N_("Product Not Found / Wrong Product (Keep Package)"),
        OPEN_FOR_PACKING,
        None,
        OFFICE,
        same_state=True,
    ),
    DefaultTransition(
        "REPACK", N_("Reschedule"), [S.OUT_OF_STOCK, S.WRONG_PRODUCT, S.NEEDS_RESCHEDULING], S.WAITING, ALL
    ),
    DefaultTransition(
        "PACKED_FOR_REFUND",
        N_("Packed for Refund"),
        [S.WAITING, S.OUT_OF_STOCK, S.WRONG_PRODUCT],
        S.PACKED_FOR_REFUND,
        ALL,  # seed 002: run from the store screens
    ),
    DefaultTransition(
        "REFUSE_WITH_DENIAL_REASON",
        N_("Refuse"),
        [S.WAITING, S.WAITING_REMOTE_ACTION, S.PREPARING],
        S.NEEDS_RESCHEDULING,
        ALL,
    ),
    DefaultTransition(
        "BLOCK",
        N_("Block"),
        [S.WAITING, S.WAITING_REMOTE_ACTION, S.PREPARING, S.READY_FOR_PACKAGING],
        S.BLOCKED,
        OFFICE,
    ),
    DefaultTransition("UNBLOCK", N_("Unblock"), [S.BLOCKED], None, OFFICE),
    DefaultTransition("SHIP", N_("Ship"), [S.PACKED], S.SHIPPED, ALL),
    DefaultTransition("SHIP_ADVANCED", N_("Advanced Ship"), [S.PACKED], S.SHIPPED, ALL),
    DefaultTransition(
        "SHIP_WITHOUT_SHIPMENT_INTEGRATION", N_("Ship without Shipment Integration"), [S.PACKED], S.SHIPPED, ALL
    ),
    DefaultTransition(
        "SHIPMENT_ORDER", N_("Shipment Order"), [S.PACKED, S.WAITING_CARGO_LABEL], S.WAITING_CARGO_LABEL, ALL
    ),
    DefaultTransition(
        "UPDATE_SHIPMENT_LABEL", N_("Shipping Label Received"), [S.WAITING_CARGO_LABEL], S.PACKED, OFFICE
    ),
    DefaultTransition(
        "UPDATE_SHIPMENT_LABEL", N_("Update Shipping Label"), [S.PACKED, S.SHIPPED], None, OFFICE, same_state=True
    ),
    # Seed 003: run from the store screens. One transition per outcome, so each names where it leads.
    DefaultTransition("UPDATE_SHIPMENT_STATUS", N_("Delivered"), DELIVERY_UNDER_WAY, S.DELIVERED, ALL),
    DefaultTransition(
        "UPDATE_SHIPMENT_STATUS", N_("Delivery Attempted"), [S.SHIPPED, S.DELIVERY_FAILED], S.ATTEMPTED_DELIVERY, ALL
    ),
    DefaultTransition(
        "UPDATE_SHIPMENT_STATUS", N_("Delivery Failed"), [S.SHIPPED, S.ATTEMPTED_DELIVERY], S.DELIVERY_FAILED, ALL
    ),
    DefaultTransition("READY_FOR_PICKUP", N_("Ready for Pickup"), [S.PACKED], S.READY_FOR_PICKUP, ALL),
    DefaultTransition("SELF_SERVICE_DELIVERY", N_("Handed to the Customer"), [S.READY_FOR_PICKUP], S.DELIVERED, ALL),
    DefaultTransition("REQUEST_CANCELLATION", N_("Request Cancellation"), CANCELLABLE, S.CANCELLATION_WAITING, OFFICE),
    DefaultTransition("CONFIRM_CANCELLATION", N_("Confirm Cancellation"), [S.CANCELLATION_WAITING], S.CANCELLED, ALL),
    DefaultTransition("REJECT_CANCELLATION", N_("Reject Cancellation"), [S.CANCELLATION_WAITING], None, ALL),
    # Nothing is held anywhere for a package waiting for stock: it is cancelled without asking the store.
    DefaultTransition("CANCEL_PACKAGE", N_("Cancel"), WAITING_FOR_STOCK, S.CANCELLED, OFFICE),
    DefaultTransition(
        "UPDATE_SHIPMENT_INFO",
        N_("Update Shipment Info"),
        [S.PACKED, S.SHIPPED, S.DELIVERED, S.ATTEMPTED_DELIVERY],
        None,
        OFFICE,
        same_state=True,
    ),
    DefaultTransition(
        "MANUAL_PLANNING",
        N_("Manual Planning"),
        [S.WAITING, S.PREPARING, S.NEEDS_RESCHEDULING, S.OUT_OF_STOCK, S.WRONG_PRODUCT],
        S.CANCELLED,
        OFFICE,
    ),
    DefaultTransition("UPDATE_INVOICE", N_("Invoice Issued"), [S.WAITING_INVOICE], S.PACKED, OFFICE),
    DefaultTransition(
        "UPDATE_INVOICE",
        N_("Update Invoice"),
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
    ("TRANSFER_READY_FOR_DISPATCH", N_("Ready for Dispatch"), [T.WAITING], T.READY_TO_SHIPMENT, "source"),
    ("TRANSFER_DISPATCH", N_("Dispatch"), [T.WAITING, T.READY_TO_SHIPMENT], T.IN_TRANSIT, "source"),
    ("TRANSFER_DELIVERED", N_("Delivered"), [T.IN_TRANSIT], T.TRANSFERRED, "destination"),
    ("TRANSFER_OUT_OF_STOCK", N_("Product Not Found"), [T.WAITING], T.OUT_OF_STOCK, "source"),
    ("TRANSFER_ORDER_ADVANCED", N_("Transfer Order Advanced"), [T.WAITING], T.READY_TO_SHIPMENT, "source"),
    (
        "TRANSFER_ITEMS_NOT_FOUND",
        N_("Product for Transfer Not Found & Wrong Product"),
        [T.WAITING],
        T.WAITING,
        "source",
    ),
    ("TRANSFER_CANCEL", N_("Cancel Transfer"), [T.WAITING, T.READY_TO_SHIPMENT], T.CANCELLED, "either", OFFICE),
]

DEFAULT_DENIAL_REASONS = [
    (N_("Product not found on the shelf"), 10),
    (N_("Product damaged or defective"), 20),
    (N_("Wrong product in stock"), 30),
    (N_("Not enough staff to prepare"), 40),
    (N_("Store closed"), 50),
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
