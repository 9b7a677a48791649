"""Random sequences of intakes, stock pushes, package and transfer commands and reschedules (issue 8, item 6).

A hypothesis state machine drives the services (not HTTP) as the system actor in a small world:
three locations (Kadıköy with `max_quota` 2 and a default carrier, Ankara without a carrier, an
İzmir warehouse), four SKUs, 0–3 units of each everywhere, and a distribution scenario drawn per
example (the installed default, transfer first, split first), so that splits, transfers,
out-of-stock replanning and Reschedule are all reachable. Every package command the transitions
table offers for the package's state can be drawn, with inputs that are sometimes valid and
sometimes not; now and then a transition of another state is tried on purpose.

After every step every invariant of DESIGN §3 holds (`tests.invariants`), a refused step (an
`AppError`) changed nothing (`tests.helpers.snapshot`), and a step that succeeded did what §4 says:
the package is in the command's destination with exactly one new transition-log row, reported items
have their discrepancy, a push set exactly the quantities it names, and nothing was reserved beyond
what a shelf holds (§6).

CI runs a fixed, derandomized budget. A longer, randomized search on your machine:

    OMS_STATEFUL_EXAMPLES=2000 OMS_STATEFUL_STEPS=60 .venv/bin/pytest tests/test_stateful_invariants.py -x
    OMS_STATEFUL_REPORT=1 .venv/bin/pytest tests/test_stateful_invariants.py -s   # which commands were reached

A randomized run keeps what it found in `.hypothesis/` (git-ignored) and replays it first next time.
"""

from __future__ import annotations

import os
from collections import Counter
from typing import Any

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import func, select

from oms_dashboard.actors import SYSTEM
from oms_dashboard.errors import AppError
from oms_dashboard.extensions import db
from oms_dashboard.models import (
    CargoCompany,
    DenialReason,
    Discrepancy,
    Package,
    PackageItem,
    Product,
    Stock,
    StockLocation,
    TransferOrder,
    TransferTransition,
    Transition,
    TransitionLog,
)
from oms_dashboard.selectors.transitions import commands_for, transfer_commands_by_state
from oms_dashboard.services import catalog, orders
from oms_dashboard.services.commands import run_command, run_transfer_command
from oms_dashboard.services.rescheduling import reschedule_waiting_packages
from oms_dashboard.states import PackageStatus as S
from oms_dashboard.states import TransferStatus
from tests.helpers import fresh, location, product, reset_database, scenario, snapshot
from tests.invariants import assert_invariants

# --- the budget ---------------------------------------------------------------------------------

EXAMPLES = int(os.environ.get("OMS_STATEFUL_EXAMPLES", "0"))
STEPS = int(os.environ.get("OMS_STATEFUL_STEPS", "0"))

settings.register_profile(
    "oms-stateful-ci",
    # Reproducible: the same examples on every run and every machine (and no example database).
    derandomize=True,
    deadline=None,  # a step is a few database transactions; their time is not the property
    max_examples=25,
    stateful_step_count=40,
    print_blob=True,
)
CI_BUDGET = 25 * 40
settings.register_profile(
    "oms-stateful-search",
    deadline=None,
    max_examples=EXAMPLES or 500,
    stateful_step_count=STEPS or 40,
    print_blob=True,
)
PROFILE = "oms-stateful-search" if EXAMPLES or STEPS else "oms-stateful-ci"

# --- the world ----------------------------------------------------------------------------------

LOCATIONS: dict[str, dict[str, Any]] = {
    "L1": {"name": "Kadıköy", "priority": 80, "city": "İstanbul", "max_quota": 2, "cargo": "yurtici"},
    "L2": {"name": "Ankara", "priority": 70, "city": "Ankara", "cargo": None},
    "WH": {"name": "Warehouse", "priority": 40, "city": "İzmir", "kind": "warehouse", "cargo": "aras"},
}
BARCODES = {"A": "8690000000011", "B": "8690000000028", "C": "8690000000035", "D": "8690000000042"}
CODES = list(LOCATIONS)
SKUS = list(BARCODES)
CITIES = ["İstanbul", "Ankara", "İzmir", ""]
SCENARIOS: dict[str, list[dict] | None] = {
    "transfer first": [
        {"name": "Same-city store", "locations": {"types": ["store"]}, "conditions": ["SAME_CITY"]},
        {"name": "Transfer to the best store", "transferable": True, "conditions": ["SELECT_BY_QUOTA"]},
        {"name": "Split", "allow_split": True, "order_by": ["stock", "priority"]},
    ],
    "split first": [
        {"name": "One package", "conditions": ["SELECT_BY_QUOTA"], "order_by": ["priority", "stock"]},
        {"name": "Split by stock", "allow_split": True, "order_by": ["stock", "density"]},
        {"name": "Transfer", "transferable": True, "order_by": ["density", "priority"]},
    ],
    "default": None,  # installed by `oms install`: same city, any with quota, split, transfer
}
UNKNOWN_ID = 999_999
TRANSFER_PATHS = [
    ("TRANSFER_READY_FOR_DISPATCH", "waiting"),
    ("TRANSFER_DISPATCH", "ready_to_shipment"),
    ("TRANSFER_DELIVERED", "in_transit"),
    ("TRANSFER_OUT_OF_STOCK", "waiting"),
]
OPEN_TRANSFERS = [state.value for state in TransferStatus if state.is_open]
OPEN_STATUSES = [S.WAITING, S.WAITING_REMOTE_ACTION, S.PREPARING, S.BLOCKED, S.READY_FOR_PACKAGING]


def mostly(normal: Any, *odd: Any) -> st.SearchStrategy:
    """`normal` about three times in four (and what shrinking goes to), else one of `odd`."""
    return st.sampled_from([normal] * (3 * len(odd)) + list(odd))


# What the machine reached, over a whole test run: (kind, name, outcome) -> times.
REACHED: Counter[tuple[str, str, str]] = Counter()


def reached(kind: str, name: str, outcome: str) -> None:
    REACHED[(kind, name, outcome)] += 1


def no_reservation_beyond_stock(before: dict[str, Any]) -> None:
    """Planning never reserves beyond what is available (DESIGN §6).

    A push may leave a shelf with fewer units than are reserved, and an arriving transfer adds as many
    units as it reserves; but where a step reserved more than arrived, the row must cover them.
    """
    was = {stock_id: (quantity, reserved) for stock_id, quantity, reserved in before["stocks"]}
    fresh()
    for stock_id, quantity, reserved in db.session.execute(select(Stock.id, Stock.quantity, Stock.reserved)):
        old_quantity, old_reserved = was.get(stock_id, (0, 0))
        if reserved - old_reserved > quantity - old_quantity:
            assert reserved <= quantity, (
                f"stock {stock_id}: {reserved} reserved of {quantity} (was {old_reserved} of {old_quantity})"
            )


# --- the machine --------------------------------------------------------------------------------


class OmsMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        reset_database()  # every example starts from an empty installation
        for code, fields in LOCATIONS.items():
            location(code, **fields)
        for sku, barcode in BARCODES.items():
            product(sku, barcode=barcode)
        self.intakes: dict[str, list[int]] = {}  # order number -> the packages its intake made
        self.packages = 0  # how many packages there are (preconditions read these, refreshed after every step)
        self.open_transfers = 0
        self.waiting_for_stock = 0
        self.open_packages = 0
        self.focus: int | None = None  # the package the last step made or acted on
        self.focus_workable = False  # some transition starts from its status, or it waits for a transfer

    @initialize(
        scenario_name=st.sampled_from(list(SCENARIOS)),
        quantities=st.lists(st.integers(0, 3), min_size=len(CODES) * len(SKUS), max_size=len(CODES) * len(SKUS)),
    )
    def stock_and_scenario(self, scenario_name: str, quantities: list[int]) -> None:
        if SCENARIOS[scenario_name] is not None:
            scenario(*SCENARIOS[scenario_name], name=scenario_name)
        rows = [(code, sku) for code in CODES for sku in SKUS]
        catalog.upsert_stocks(rows=[(code, sku, units) for (code, sku), units in zip(rows, quantities, strict=True)])

    def teardown(self) -> None:
        db.session.remove()

    @invariant()
    def design_invariants_hold(self) -> None:
        assert_invariants()
        statuses = Counter(db.session.scalars(select(Package.status)))
        self.packages = sum(statuses.values())
        self.waiting_for_stock = statuses[S.OUT_OF_STOCK] + statuses[S.NEEDS_RESCHEDULING]
        self.open_packages = sum(statuses[status] for status in OPEN_STATUSES)
        self.open_transfers = db.session.scalar(
            select(func.count()).select_from(TransferOrder).where(TransferOrder.status.in_(OPEN_TRANSFERS))
        )
        for status in statuses:
            REACHED[("status", S(status).slug, "seen")] += 1
        focus = db.session.get(Package, self.focus) if self.focus is not None else None
        self.focus_workable = focus is not None and (
            focus.state is S.WAITING_FOR_TRANSFER or bool(commands_for(status=focus.status, visibility=None))
        )

    # --- order intake -----------------------------------------------------------------------------

    @rule(data=st.data())
    def order_intake(self, data: st.DataObject) -> None:
        repeat = bool(self.intakes) and data.draw(mostly(False, True), label="repeat an order number")
        number = (
            data.draw(st.sampled_from(sorted(self.intakes)), label="order number")
            if repeat
            else f"O{len(self.intakes) + 1}"
        )
        lines = data.draw(
            st.lists(st.tuples(st.sampled_from(SKUS), st.integers(1, 2)), min_size=1, max_size=3), label="lines"
        )
        city = data.draw(st.sampled_from(CITIES), label="city")
        odd = data.draw(mostly(None, "unknown sku", "unknown carrier"), label="odd")
        if odd is None and data.draw(st.booleans(), label="from a marketplace"):
            odd = "marketplace"  # comes with its carrier and tracking number (channel-based packing uses them)
        carrier = {"marketplace": "mng", "unknown carrier": "nope"}.get(odd)
        if odd == "unknown sku":
            lines = [*lines, ("NOPE", 1)]
        before = snapshot()
        try:
            result = orders.create_order(
                number=number,
                lines=lines,
                channel="web",
                customer={"first_name": "Ada"},
                shipping_address={"city": city},
                cargo_company_code=carrier,
                tracking_number="MP-1" if carrier else None,
                actor=SYSTEM,
            )
        except AppError:
            reached("intake", odd or "valid", "refused")
            assert not repeat, "a repeated order number was refused instead of answered"
            assert snapshot() == before, "a refused intake changed something"
            return
        if repeat:
            reached("intake", "repeat", "answered")
            assert not result.created and result.package_ids == self.intakes[number]
            assert snapshot() == before, "a repeated intake changed something"
            return
        reached("intake", odd or "valid", "created")
        no_reservation_beyond_stock(before)
        assert odd not in ("unknown sku", "unknown carrier"), f"intake with {odd} was accepted"
        assert result.created and result.package_ids
        self.intakes[number] = result.package_ids
        self.focus = result.package_ids[0]
        fresh()
        units = db.session.scalar(
            select(func.count())
            .select_from(PackageItem)
            .where(PackageItem.package_id.in_(result.package_ids), PackageItem.is_active)
        )
        assert units == sum(quantity for _, quantity in lines), "the intake's packages do not hold every unit"

    # --- stock push -------------------------------------------------------------------------------

    @rule(data=st.data())
    def stock_push(self, data: st.DataObject) -> None:
        rows = data.draw(
            st.lists(
                st.tuples(st.sampled_from(CODES), st.sampled_from(SKUS), st.integers(0, 5)),
                min_size=1,
                max_size=4,
                unique_by=lambda row: row[:2],
            ),
            label="rows",
        )
        odd = data.draw(mostly(None, "listed twice", "unknown location", "unknown sku"), label="odd")
        if odd == "listed twice":
            rows = [*rows, rows[0]]
        elif odd == "unknown location":
            rows = [*rows, ("XX", "A", 1)]
        elif odd == "unknown sku":
            rows = [*rows, ("L1", "NOPE", 1)]
        before = snapshot()
        reserved_before = self._stock_rows()
        try:
            catalog.upsert_stocks(rows=rows)
        except AppError:
            reached("stock push", odd or "valid", "refused")
            assert snapshot() == before, "a refused stock push changed something"
            return
        reached("stock push", odd or "valid", "applied")
        assert odd is None, f"a stock push with a row {odd} was applied"
        after = self._stock_rows()
        for code, sku, quantity in rows:  # quantities are set, reservations left alone (README)
            assert after[(code, sku)] == (quantity, reserved_before[(code, sku)][1])

    def _stock_rows(self) -> dict[tuple[str, str], tuple[int, int]]:
        fresh()
        return {
            (code, sku): (quantity, reserved)
            for code, sku, quantity, reserved in db.session.execute(
                select(StockLocation.erp_code, Product.sku, Stock.quantity, Stock.reserved)
                .join(StockLocation, StockLocation.id == Stock.stock_location_id)
                .join(Product, Product.id == Stock.product_id)
            )
        }

    # --- package commands -------------------------------------------------------------------------

    @precondition(lambda self: self.packages)
    @rule(data=st.data())
    def package_command(self, data: st.DataObject) -> None:
        fresh()
        everything = list(db.session.scalars(select(Package.id).order_by(Package.id)))
        workable = list(
            db.session.scalars(
                select(Package.id)
                .where(Package.status.in_(select(Transition.source_state).distinct()))
                .order_by(Package.id)
            )
        )
        any_package = not workable or data.draw(mostly(False, True), label="any package, not one with commands")
        self._package_command(
            data, data.draw(st.sampled_from(everything if any_package else workable), label="package")
        )

    @precondition(lambda self: self.open_packages)
    @rule(data=st.data())
    def command_on_an_open_package(self, data: st.DataObject) -> None:
        """A package still at its location (waiting … ready for packaging, blocked): where packing and
        not-found start."""
        fresh()
        open_ids = list(
            db.session.scalars(select(Package.id).where(Package.status.in_(OPEN_STATUSES)).order_by(Package.id))
        )
        self._package_command(data, data.draw(st.sampled_from(open_ids), label="package"))

    @precondition(lambda self: self.focus_workable)
    @rule(data=st.data())
    def next_command_on_the_same_package(self, data: st.DataObject) -> None:
        """Chains of commands on one package reach the deep states (delivered …); a package waiting for a
        transfer moves on through the transfer's commands."""
        fresh()
        transfers = db.session.execute(
            select(TransferOrder.id, TransferOrder.status)
            .where(TransferOrder.package_id == self.focus, TransferOrder.status.in_(OPEN_TRANSFERS))
            .order_by(TransferOrder.id)
        ).all()
        if transfers:
            self._transfer_command(data, *data.draw(st.sampled_from(transfers), label="its transfer"))
        else:
            self._package_command(data, self.focus)

    def _package_command(self, data: st.DataObject, package_id: int) -> None:
        self.focus = package_id
        fresh()
        package = db.session.get(Package, package_id)
        status = S(package.status)
        offered = {t.slug: t for t in commands_for(status=status, visibility=None)}
        wrong_state = not offered or data.draw(mostly(False, False, True), label="try another state's transition")
        if wrong_state:
            others = db.session.scalars(
                select(Transition).where(Transition.source_state != status).order_by(Transition.id)
            )
            offered = {t.slug: t for t in others}
        slug = data.draw(st.sampled_from(sorted(offered)), label="transition")
        transition = offered[slug]
        command, transition_id, destination = transition.command, transition.id, transition.destination_state
        inputs = self._inputs(data, command, package)
        name = f"{command} from {status.slug}"
        before_block = self._status_before(package_id, command)
        logs_before = self._logs_of(package_id)

        before = snapshot()
        try:
            result = run_command(
                package_id=package_id, actor=SYSTEM, transition_id=transition_id, input_parameters=inputs
            )
        except AppError as error:
            reached("package", "another state's transition" if wrong_state else name, f"refused {error.status_code}")
            assert snapshot() == before, f"{name} was refused ({error.message}) but changed something"
            if wrong_state:
                assert error.status_code == 406 and error.error.get("error_code") == "commands_100_1"
            return
        reached("package", name, "ran")
        no_reservation_beyond_stock(before)
        assert not wrong_state, f"{slug} ran on a package in {status.slug}"
        assert result.status_code in (200, 204)

        fresh()
        package = db.session.get(Package, package_id)
        now = S(package.status)
        [log] = self._logs_of(package_id)[len(logs_before) :]  # exactly one new row for the package (§4)
        assert (log.transition_id, log.from_status, log.to_status) == (transition_id, status, now)
        expected = self._expected_statuses(command, status, destination, inputs, before_block)
        assert now in expected, f"{name} left the package in {now.slug}, expected {[s.slug for s in expected]}"
        if command.startswith("DETECTED_OUT_OF_STOCK_ITEM"):
            self._check_reported(package, inputs)

    @staticmethod
    def _expected_statuses(
        command: str, status: S, destination: int | None, inputs: dict, before_block: S | None
    ) -> set[S]:
        ready = {S.WAITING, S.WAITING_REMOTE_ACTION}  # where a package starts at its location
        if command == "REPACK":
            return ready | {S.WAITING_FOR_TRANSFER}
        reported = S.WRONG_PRODUCT if inputs.get("reason") == "wrong_product" else S.OUT_OF_STOCK
        if command == "DETECTED_OUT_OF_STOCK_ITEM":
            return {S.WRONG_PRODUCT} if destination == S.WRONG_PRODUCT else {reported}
        if command == "DETECTED_OUT_OF_STOCK_ITEM_ADVANCED":  # keeps its state, unless every item was reported
            return {status, reported}
        if command == "UNBLOCK":
            return {before_block}
        if command == "REJECT_CANCELLATION":  # a transfer awaited may have arrived meanwhile
            return {before_block} | (ready if before_block is S.WAITING_FOR_TRANSFER else set())
        if command in ("COMPLETE_PACKAGING", "COMPLETE_PACKAGING_WITHOUT_SHIPMENT", "CHANNEL_BASED_COMPLETE_PACKAGING"):
            return {S.PACKED, S.WAITING_CARGO_LABEL, S.WAITING_INVOICE}  # by carrier and sales channel
        if command == "UPDATE_SHIPMENT_LABEL" and status is S.WAITING_CARGO_LABEL:
            return {S.PACKED, S.WAITING_INVOICE}
        return {S(destination)} if destination is not None else {status}

    @staticmethod
    def _check_reported(package: Package, inputs: dict) -> None:
        """The reported items keep what happened to them, with a discrepancy at the package's location."""
        reason = inputs.get("reason", "not_found")
        for item_id in set(inputs["package_items"]):
            item = db.session.get(PackageItem, item_id)
            assert item.status == ("wrong_product" if reason == "wrong_product" else "out_of_stock")
            assert item.package_id == package.id
            assert db.session.scalar(
                select(func.count())
                .select_from(Discrepancy)
                .where(
                    Discrepancy.package_item_id == item_id,
                    Discrepancy.stock_location_id == package.stock_location_id,
                    Discrepancy.reason == reason,
                )
            ), f"no discrepancy for reported item {item_id}"

    @staticmethod
    def _logs_of(package_id: int) -> list[TransitionLog]:
        fresh()
        return list(
            db.session.scalars(
                select(TransitionLog).where(TransitionLog.package_id == package_id).order_by(TransitionLog.id)
            )
        )

    def _status_before(self, package_id: int, command: str) -> S | None:
        """Where UNBLOCK and REJECT_CANCELLATION go back to: the status before the block or the request."""
        held = {"UNBLOCK": S.BLOCKED, "REJECT_CANCELLATION": S.CANCELLATION_WAITING}.get(command)
        entered = [log for log in self._logs_of(package_id) if held is not None and log.to_status == held]
        return S(entered[-1].from_status) if entered else None

    def _inputs(self, data: st.DataObject, command: str, package: Package) -> dict[str, Any]:
        """input_parameters for `command` on `package`: mostly valid, sometimes not."""
        active = [item.id for item in package.active_items]
        barcodes = [item.product.barcode for item in package.active_items]
        # An item that is not one of this package's active items: another package's, or none at all.
        foreign = db.session.scalar(
            select(PackageItem.id).where(PackageItem.id.not_in(active)).order_by(PackageItem.id.desc()).limit(1)
        )
        foreign = foreign or UNKNOWN_ID
        reasons = list(db.session.scalars(select(DenialReason.id).order_by(DenialReason.id)))
        carriers = list(db.session.scalars(select(CargoCompany.id).order_by(CargoCompany.id)))

        def some_items(minimum: int = 1) -> list[int]:
            return (
                data.draw(st.lists(st.sampled_from(active), min_size=minimum, unique=True), label="items")
                if active
                else []
            )

        if command in ("DETECTED_OUT_OF_STOCK_ITEM", "DETECTED_OUT_OF_STOCK_ITEM_ADVANCED"):
            odd = data.draw(mostly(None, "none listed", "foreign item", "unknown denial reason"), label="odd")
            items = some_items()
            inputs: dict[str, Any] = {
                "package_items": [] if odd == "none listed" else items + ([foreign] if odd == "foreign item" else []),
                "reason": data.draw(st.sampled_from(["not_found", "wrong_product"]), label="reason"),
            }
            denial = data.draw(st.sampled_from([None, *reasons]), label="denial reason")
            if odd == "unknown denial reason":
                denial = UNKNOWN_ID
            if denial is not None:
                inputs["denial_reason"] = denial
            return inputs
        if command == "REFUSE_WITH_DENIAL_REASON":
            odd = data.draw(mostly(None, "no denial reason", "unknown denial reason"), label="odd")
            if odd == "no denial reason":
                return {}
            return {"denial_reason": UNKNOWN_ID if odd else data.draw(st.sampled_from(reasons), label="denial reason")}
        if command == "CHANNEL_BASED_COMPLETE_PACKAGING":
            odd = data.draw(mostly(None, "one missing", "one extra", "another product"), label="odd")
            scanned = list(reversed(barcodes))  # the order does not matter
            if odd == "one missing":
                scanned = scanned[1:]
            elif odd == "one extra":
                scanned.append(BARCODES["D"])
            elif odd == "another product" and scanned:
                scanned[0] = next(code for code in BARCODES.values() if code != scanned[0])
            return {"barcodes": scanned}
        if command == "SHIP":
            odd = data.draw(mostly(None, "not every item", "foreign item"), label="odd")
            if odd is None:  # package_items is optional: every item, or not given
                return data.draw(st.sampled_from([{}, {"package_items": active}]), label="inputs")
            return {"package_items": active[:-1] if odd == "not every item" else [*active, foreign]}
        if command == "SHIP_ADVANCED":
            odd = data.draw(mostly(None, "no tracking number", "blank tracking number", "unknown carrier"), label="odd")
            inputs = {
                "tracking_number": "" if odd == "blank tracking number" else "TRK-1",
                "cargo_company": "nope"
                if odd == "unknown carrier"
                else data.draw(st.sampled_from([carriers[0], "aras"]), label="cargo_company"),
            }
            if odd == "no tracking number":
                del inputs["tracking_number"]
            return inputs
        if command == "UPDATE_SHIPMENT_STATUS":
            odd = data.draw(
                mostly(None, "no delivered_status", "not a boolean", "status with delivered", "unknown status")
            )
            valid = [
                {"delivered_status": True},
                {"delivered_status": False},
                {"delivered_status": False, "status": "attempted_delivery"},
                {"delivered_status": False, "status": "delivery_failed"},
            ]
            odd_inputs = {
                "no delivered_status": {"status": "delivery_failed"},
                "not a boolean": {"delivered_status": "yes"},
                "status with delivered": {"delivered_status": True, "status": "attempted_delivery"},
                "unknown status": {"delivered_status": False, "status": "lost"},
            }
            return odd_inputs[odd] if odd else data.draw(st.sampled_from(valid), label="inputs")
        if command == "UPDATE_SHIPMENT_INFO":
            odd = data.draw(mostly(None, "nothing given", "unknown carrier"), label="odd")
            valid = [
                {"tracking_number": "TRK-2"},
                {"cargo_company": "ptt"},
                {"tracking_number": "TRK-3", "cargo_company": carriers[-1]},
            ]
            odd_inputs = {"nothing given": {}, "unknown carrier": {"cargo_company": "nope"}}
            return odd_inputs[odd] if odd else data.draw(st.sampled_from(valid), label="inputs")
        if command == "UPDATE_INVOICE":
            odd = data.draw(mostly(None, "no number", "blank number", "not a web address"), label="odd")
            valid = [{"invoice_number": "INV-1"}, {"invoice_number": "INV-2", "invoice_url": "https://erp.example/2"}]
            odd_inputs = {
                "no number": {"invoice_url": "https://erp.example/3"},
                "blank number": {"invoice_number": ""},
                "not a web address": {"invoice_number": "INV-4", "invoice_url": "ftp://erp.example/4"},
            }
            return odd_inputs[odd] if odd else data.draw(st.sampled_from(valid), label="inputs")
        if command == "MANUAL_PLANNING":
            where = [data.draw(st.sampled_from(CODES), label=f"location of item {item}") for item in active]
            odd = data.draw(mostly(None, "unknown location", "item left out", "foreign item"), label="odd")
            groups: dict[str, list[int]] = {}
            for item, code in zip(active, where, strict=True):
                groups.setdefault(code, []).append(item)
            if odd == "unknown location":
                groups["XX"] = groups.pop(where[0], []) if where else [foreign]
            elif odd == "item left out" and active:
                groups[where[0]].remove(active[0])
            elif odd == "foreign item":
                groups.setdefault("L1", []).append(foreign)
            return {
                "assignment_groups": [
                    {"package_items": items, "stock_location": code} for code, items in groups.items() if items
                ]
            }
        return {}

    # --- transfer commands ------------------------------------------------------------------------

    @precondition(lambda self: self.open_transfers)
    @rule(data=st.data())
    def transfer_command(self, data: st.DataObject) -> None:
        fresh()
        closed = data.draw(mostly(False, True), label="a closed transfer too")
        transfers = select(TransferOrder.id, TransferOrder.status).order_by(TransferOrder.id)
        if not closed:
            transfers = transfers.where(TransferOrder.status.in_(OPEN_TRANSFERS))
        self._transfer_command(data, *data.draw(st.sampled_from(db.session.execute(transfers).all()), label="transfer"))

    @precondition(lambda self: self.open_transfers)
    @rule(data=st.data())
    def carry_a_transfer_through(self, data: st.DataObject) -> None:
        """An open transfer taken through the transitions it offers until it is closed (delivered or out
        of stock): transfers live only a few steps, so one-step rules alone seldom see one arrive."""
        fresh()
        open_transfers = select(TransferOrder.id, TransferOrder.status).where(TransferOrder.status.in_(OPEN_TRANSFERS))
        transfer_id, state = data.draw(
            st.sampled_from(db.session.execute(open_transfers.order_by(TransferOrder.id)).all())
        )
        while state in OPEN_TRANSFERS:
            self._transfer_command(data, transfer_id, state, offered_only=True)
            fresh()
            state = db.session.get(TransferOrder, transfer_id).status

    def _transfer_command(
        self, data: st.DataObject, transfer_id: int, state: str, *, offered_only: bool = False
    ) -> None:
        offered = {t.slug: t for t in transfer_commands_by_state(states=[state], visibility=None)[state]}
        wrong_state = not offered or (
            not offered_only and data.draw(mostly(False, False, True), label="try another state's transition")
        )
        if wrong_state:
            others = db.session.scalars(
                select(TransferTransition)
                .where(TransferTransition.source_state != state)
                .order_by(TransferTransition.id)
            )
            offered = {t.slug: t for t in others}
        slug = data.draw(st.sampled_from(sorted(offered)), label="transition")
        command, transition_id, destination = offered[slug].command, offered[slug].id, offered[slug].destination_state
        name = f"{command} from {state}"

        before = snapshot()
        try:
            run_transfer_command(transfer_id=transfer_id, actor=SYSTEM, transition_id=transition_id)
        except AppError as error:
            reached("transfer", "another state's transition" if wrong_state else name, f"refused {error.status_code}")
            assert snapshot() == before, f"{name} was refused ({error.message}) but changed something"
            if wrong_state:
                assert error.status_code == 406 and error.error.get("error_code") == "commands_100_1"
            return
        reached("transfer", name, "ran")
        no_reservation_beyond_stock(before)
        assert not wrong_state, f"{slug} ran on a transfer in {state}"
        fresh()
        assert db.session.get(TransferOrder, transfer_id).status == TransferStatus(destination)

    # --- reschedule -------------------------------------------------------------------------------

    @precondition(lambda self: self.waiting_for_stock)
    @rule()
    def reschedule(self) -> None:
        before = snapshot()
        waiting = dict(db.session.execute(select(Package.number, Package.status)).all())
        outcomes = reschedule_waiting_packages(actor=SYSTEM)
        moved = sum(outcome.rescheduled for outcome in outcomes)
        for outcome in outcomes:
            if outcome.rescheduled:
                reached("package", f"REPACK from {S(waiting[outcome.package_number]).slug}", "ran (reschedule)")
        reached("reschedule", f"{moved} of {len(outcomes)} packages", "rescheduled")
        if not moved:
            assert snapshot() == before, "a reschedule that moved nothing changed something"
        no_reservation_beyond_stock(before)


def test_random_sequences_of_intakes_pushes_and_commands_keep_every_invariant(app):
    REACHED.clear()
    run_state_machine_as_test(OmsMachine, settings=settings.get_profile(PROFILE))
    if os.environ.get("OMS_STATEFUL_REPORT"):
        print_report()
    used = settings.get_profile(PROFILE)
    if used.max_examples * used.stateful_step_count >= CI_BUDGET:  # not for a quick look with a small budget
        assert_the_budget_reached_the_interesting_paths()


def assert_the_budget_reached_the_interesting_paths() -> None:
    """A machine that stopped reaching the deep paths would still pass while testing little, so the budget
    must reach them (a change of the machine, the world or hypothesis that loses one shows here)."""
    outcomes = set(REACHED)
    ran = {name for kind, name, outcome in outcomes if kind == "package" and outcome == "ran"}
    seen = {name for kind, name, _ in outcomes if kind == "status"}
    assert len(ran) >= 20, f"only {len(ran)} package transitions ran: {sorted(ran)}"
    for command in ("DETECTED_OUT_OF_STOCK_ITEM", "MANUAL_PLANNING", "SHIP", "UNBLOCK"):
        assert any(name.startswith(f"{command} from") for name in ran), f"{command} never ran"
    assert {"refused 400", "refused 406"} <= {outcome for kind, _, outcome in outcomes if kind == "package"}
    transfers = {name.split(" from")[0] for kind, name, outcome in outcomes if kind == "transfer" and outcome == "ran"}
    assert transfers & {"TRANSFER_DELIVERED", "TRANSFER_OUT_OF_STOCK"}, f"no transfer arrived or ran out: {transfers}"
    assert any(kind == "reschedule" and not name.startswith("0 ") for kind, name, _ in outcomes), "none rescheduled"
    assert {("intake", "repeat", "answered"), ("stock push", "valid", "applied")} <= outcomes
    assert {"waiting_for_transfer", "out_of_stock", "needs_rescheduling", "shipped"} <= seen, sorted(seen)


def print_report() -> None:
    fresh()
    print(f"\n{db.engine.dialect.name}: what the state machine reached")
    for (kind, name, outcome), times in sorted(REACHED.items()):
        print(f"  {times:6d}  {kind:10s} {name:60s} {outcome}")
    ran = {name for (kind, name, outcome) in REACHED if kind == "package" and outcome.startswith("ran")}
    never = [
        f"{t.command} from {S(t.source_state).slug}"
        for t in db.session.scalars(select(Transition).order_by(Transition.id))
        if f"{t.command} from {S(t.source_state).slug}" not in ran
    ]
    print("  package transitions never run successfully: " + (", ".join(never) or "none"))
    seen = {name for (kind, name, _) in REACHED if kind == "status"}
    print("  statuses never seen: " + (", ".join(s.slug for s in S if s.slug not in seen) or "none"))
