"""Bulk data for the benchmarks: locations, SKUs, stock, orders and packages in a realistic status mix, by COPY.

Writes into a database already migrated (`flask db upgrade`) and installed (`flask oms install`): it reads the
transitions, cargo companies and denial reasons from there. Calling it again on a loaded database adds packages
(the locations, products and stock of the first call stay), so the benchmark can measure at 50k and then at 1M.

The rows satisfy what tests/invariants.py checks: one package per order, every order item in exactly one package,
active items carrying their package's status slug, a transition log from creation to the current status, shipments
for packed and shipped packages, reservations for every unit a holding package still holds (at the source of the
transfer for packages waiting for one), and `stocks.reserved` / `stock_locations.quota` recounted from the rows.
"""

from __future__ import annotations

import argparse
import random
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import psycopg

from oms_dashboard.search_keys import fold

# Open packages (work at the location): status, weight. History packages: the same for the rest.
OPEN_MIX = [
    ("waiting", 34),
    ("preparing", 14),
    ("ready_for_packaging", 10),
    ("waiting_for_transfer", 5),
    ("blocked", 3),
    ("cancellation_waiting", 2),
    ("waiting_cargo_label", 3),
    ("packed", 20),
    ("waiting_invoice", 3),
    ("ready_for_pickup", 6),
]
HISTORY_MIX = [
    ("delivered", 78),
    ("cancelled", 9),
    ("shipped", 4),
    ("attempted_delivery", 2),
    ("delivery_failed", 1),
    ("packed_for_refund", 1),
    ("out_of_stock", 2),
    ("wrong_product", 1),
    ("needs_rescheduling", 2),
]
STATUS = {
    "waiting_for_transfer": 50,
    "waiting": 100,
    "preparing": 200,
    "blocked": 300,
    "ready_for_packaging": 400,
    "waiting_cargo_label": 450,
    "packed": 500,
    "waiting_invoice": 550,
    "ready_for_pickup": 600,
    "shipped": 700,
    "attempted_delivery": 750,
    "delivery_failed": 760,
    "delivered": 800,
    "cancellation_waiting": 900,
    "cancelled": 910,
    "out_of_stock": 920,
    "wrong_product": 930,
    "needs_rescheduling": 940,
    "packed_for_refund": 1100,
}
W, P, R, K = 100, 200, 400, 500  # waiting, preparing, ready, packed
SHIPPED_PATH = [("COMPLETE_PACKAGING", W, K), ("SHIP", K, 700)]
# The commands that led from creation (waiting, or waiting for transfer) to each status: (command, from, to).
PATHS = {
    "waiting_for_transfer": [],
    "waiting": [],
    "preparing": [("PKG_STATE_TRANSITION", W, P)],
    "ready_for_packaging": [("PKG_STATE_TRANSITION", W, P), ("PKG_STATE_TRANSITION", P, R)],
    "blocked": [("BLOCK", W, 300)],
    "cancellation_waiting": [("REQUEST_CANCELLATION", W, 900)],
    "waiting_cargo_label": [("COMPLETE_PACKAGING_WITHOUT_SHIPMENT", W, K), ("SHIPMENT_ORDER", K, 450)],
    "packed": [("COMPLETE_PACKAGING", W, K)],
    "waiting_invoice": [("COMPLETE_PACKAGING", W, 550)],
    "ready_for_pickup": [("COMPLETE_PACKAGING", W, K), ("READY_FOR_PICKUP", K, 600)],
    "shipped": SHIPPED_PATH,
    "delivered": [*SHIPPED_PATH, ("UPDATE_SHIPMENT_STATUS", 700, 800)],
    "attempted_delivery": [*SHIPPED_PATH, ("UPDATE_SHIPMENT_STATUS", 700, 750)],
    "delivery_failed": [*SHIPPED_PATH, ("UPDATE_SHIPMENT_STATUS", 700, 760)],
    "cancelled": [("REQUEST_CANCELLATION", W, 900), ("CONFIRM_CANCELLATION", 900, 910)],
    "packed_for_refund": [("PACKED_FOR_REFUND", W, 1100)],
    "out_of_stock": [("DETECTED_OUT_OF_STOCK_ITEM", W, 920)],
    "wrong_product": [("DETECTED_OUT_OF_STOCK_ITEM", W, 930)],
    "needs_rescheduling": [("REFUSE_WITH_DENIAL_REASON", W, 940)],
}
# Statuses whose units are still reserved (packing consumes the reservations; waiting_cargo_label is packed).
RESERVING = {"waiting_for_transfer", "waiting", "preparing", "ready_for_packaging", "blocked", "cancellation_waiting"}
SHIPMENT_STATUS = {
    "waiting_cargo_label": "created",
    "packed": "created",
    "waiting_invoice": "created",
    "shipped": "shipped",
    "attempted_delivery": "attempted_delivery",
    "delivery_failed": "delivery_failed",
    "delivered": "delivered",
}
PACKED_OR_BEYOND = set(SHIPMENT_STATUS) | {"ready_for_pickup", "packed_for_refund"}
CITIES = ["Istanbul", "Ankara", "Izmir", "Bursa", "Antalya", "Adana", "Konya", "Gaziantep", "Kayseri", "Eskisehir"]
NAMES = ["Ayse", "Mehmet", "Zeynep", "Can", "Elif", "Burak", "Deniz", "Ece", "Murat", "Selin"]
SKUS_PER_LOCATION = 1000
N = r"\N"


@dataclass(frozen=True)
class Sizes:
    locations: int = 500
    skus: int = 20_000
    packages: int = 1_000_000
    open_packages: int = 50_000


@dataclass
class World:
    """What the first call made and later calls build on: ids and the stock layout."""

    locations: int
    skus: int
    location_base: int  # id of location 0 is location_base + 1
    product_base: int
    stock_base: int
    stocked: int  # SKUs per location
    step: int  # location l stocks products l*step .. l*step+stocked-1 (mod skus)
    pickup: list[bool]
    cargo: list[int]

    def stock_id(self, location: int, product: int) -> int | None:
        offset = (product - self.step * location) % self.skus
        return self.stock_base + location * self.stocked + offset + 1 if offset < self.stocked else None

    def product_at(self, location: int, offset: int) -> int:
        return (self.step * location + offset) % self.skus


def _copy(connection: psycopg.Connection, table: str, columns: str, lines: list[str]) -> None:
    if not lines:
        return
    with connection.cursor().copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
        for start in range(0, len(lines), 20_000):
            copy.write("".join(lines[start : start + 20_000]))


def _weighted(rng: random.Random, mix: list[tuple[str, int]], count: int) -> list[str]:
    return rng.choices([name for name, _ in mix], weights=[weight for _, weight in mix], k=count)


def _max_id(connection: psycopg.Connection, table: str) -> int:
    return connection.execute(f"SELECT coalesce(max(id), 0) FROM {table}").fetchone()[0]


def _master_data(connection: psycopg.Connection, sizes: Sizes, rng: random.Random, now: str) -> World:
    """Locations (cities, priorities, quotas), products and the stock rows; sales channels for the mix."""
    cargo_ids = [row[0] for row in connection.execute("SELECT id FROM cargo_companies ORDER BY id")]
    if not cargo_ids:
        raise SystemExit("no cargo companies: run `flask oms install` first")
    location_base, product_base, stock_base = (
        _max_id(connection, t) for t in ("stock_locations", "products", "stocks")
    )
    stocked = min(sizes.skus, SKUS_PER_LOCATION)
    world = World(
        locations=sizes.locations,
        skus=sizes.skus,
        location_base=location_base,
        product_base=product_base,
        stock_base=stock_base,
        stocked=stocked,
        step=max(1, sizes.skus // sizes.locations),
        pickup=[index % 5 != 4 for index in range(sizes.locations)],  # stores collect; every 5th is a warehouse
        cargo=[cargo_ids[index % len(cargo_ids)] for index in range(sizes.locations)],
    )
    lines = []
    for index in range(sizes.locations):
        store = world.pickup[index]
        kind, name = ("store", "Store") if store else ("warehouse", "Warehouse")
        city = CITIES[index % len(CITIES)]
        max_quota = "100000" if store else N
        lines.append(
            f"{location_base + index + 1}\tBL{index:04d}\t{city} {name} {index}\t{kind}\t{city}\t{rng.randrange(100)}"
            f"\t{max_quota}\t0\t{world.cargo[index]}\tt\t{now}\t{now}\tf\t{'t' if store else 'f'}\n"
        )
    _copy(
        connection,
        "stock_locations",
        "id, erp_code, name, type, city, priority, max_quota, quota, default_cargo_company_id, is_active,"
        " created_date, modified_date, remote_fulfilment, is_pickup_location",
        lines,
    )
    _copy(
        connection,
        "products",
        "id, sku, name, barcode, created_date, modified_date, sku_key, barcode_key",
        [
            f"{product_base + p + 1}\tBSKU-{p:06d}\tBench product {p}\t869{p:010d}\t{now}\t{now}"
            f"\tbsku-{p:06d}\t869{p:010d}\n"
            for p in range(sizes.skus)
        ],
    )
    lines = []
    for location in range(sizes.locations):
        for offset in range(stocked):
            stock_id = stock_base + location * stocked + offset + 1
            product_id = product_base + world.product_at(location, offset) + 1
            lines.append(
                f"{stock_id}\t{location_base + location + 1}\t{product_id}\t{rng.randrange(20, 200)}\t0\t{now}\n"
            )
    _copy(connection, "stocks", "id, stock_location_id, product_id, quantity, reserved, modified_date", lines)
    connection.execute(
        "INSERT INTO sales_channels (code, name, invoice_required, created_date, modified_date)"
        " VALUES ('Web', 'Web shop', false, now(), now()), ('B2B', 'Business orders', true, now(), now())"
        " ON CONFLICT (code) DO NOTHING"
    )
    return world


def _load_world(connection: psycopg.Connection) -> World | None:
    """The layout of an earlier call, read back from its rows (erp codes BL0000…, SKUs BSKU-000000…)."""
    locations = connection.execute(
        "SELECT id, is_pickup_location, default_cargo_company_id FROM stock_locations"
        " WHERE erp_code LIKE 'BL%' ORDER BY erp_code"
    ).fetchall()
    if not locations:
        return None
    skus, product_base = connection.execute(
        "SELECT count(*), min(id) - 1 FROM products WHERE sku LIKE 'BSKU-%'"
    ).fetchone()
    stock_base, stocked = connection.execute(
        "SELECT min(id) - 1, count(*) FROM stocks WHERE stock_location_id = %s", (locations[0][0],)
    ).fetchone()
    return World(
        locations=len(locations),
        skus=skus,
        location_base=locations[0][0] - 1,
        product_base=product_base,
        stock_base=stock_base,
        stocked=stocked,
        step=max(1, skus // len(locations)),
        pickup=[row[1] for row in locations],
        cargo=[row[2] for row in locations],
    )


class Batch:
    """The COPY lines of one batch of packages, table by table."""

    TABLES = {
        "orders": "id, number, channel, customer, shipping_address, package_sequence, created_date, modified_date,"
        " delivery_type, pickup_location_id, pickup_code, number_key, customer_key, customer_last_name_key",
        "order_items": "id, order_id, product_id, status, created_date, modified_date",
        "packages": "id, number, order_id, stock_location_id, status, denial_reason_id, created_date, modified_date,"
        " transfer_sequence, number_key, status_changed_date",
        "package_items": "id, package_id, order_item_id, product_id, status, created_date, modified_date",
        "reservations": "id, stock_id, package_item_id, created_date",
        "transition_logs": "id, package_id, transition_id, command, from_status, to_status, actor, input_parameters,"
        " created_date",
        "shipments": "id, package_id, cargo_company_id, tracking_number, status, label_version, created_date,"
        " modified_date, tracking_key",
        "transfer_orders": "id, number, order_id, package_id, source_location_id, destination_location_id, status,"
        " extra_information, created_date, modified_date",
        "transfer_items": "id, transfer_order_id, package_item_id, product_id, status",
        "transfer_logs": "id, transfer_order_id, command, from_state, to_state, actor, input_parameters, created_date",
    }

    # Two COPY streams on two connections: PostgreSQL parses each on its own core while Python makes the next batch.
    STREAMS = [
        ["transition_logs", "shipments", "transfer_orders", "transfer_items", "transfer_logs"],
        ["orders", "order_items", "packages", "package_items", "reservations"],
    ]

    def __init__(self, url: str) -> None:
        self.lines: dict[str, list[str]] = {table: [] for table in self.TABLES}
        self.connections = [psycopg.connect(url) for _ in self.STREAMS]
        for connection in self.connections:
            connection.execute("SET session_replication_role = replica")
        self.executor = ThreadPoolExecutor(len(self.STREAMS))
        self.pending: list[Future] = []

    def _stream(self, connection: psycopg.Connection, tables: dict[str, list[str]]) -> None:
        for table, lines in tables.items():
            _copy(connection, table, self.TABLES[table], lines)

    def flush(self) -> None:
        self.wait()
        for connection, tables in zip(self.connections, self.STREAMS, strict=True):
            self.pending.append(
                self.executor.submit(self._stream, connection, {table: self.lines[table] for table in tables})
            )
        self.lines = {table: [] for table in self.TABLES}

    def wait(self) -> None:
        for future in self.pending:
            future.result()
        self.pending.clear()

    def finish(self) -> None:
        self.flush()
        self.wait()
        self.executor.shutdown()
        for connection in self.connections:
            connection.commit()
            connection.close()


def _packages(
    connection: psycopg.Connection, batch: Batch, world: World, count: int, open_count: int, rng: random.Random
) -> None:
    transitions = {
        (command, source, destination): transition_id
        for transition_id, command, source, destination in connection.execute(
            "SELECT id, command, source_state, destination_state FROM transitions"
        )
    }
    denial_reason = connection.execute("SELECT min(id) FROM denial_reasons").fetchone()[0]
    ids = {table: _max_id(connection, table) for table in Batch.TABLES}
    statuses = _weighted(rng, HISTORY_MIX, count - open_count) + _weighted(rng, OPEN_MIX, open_count)
    start = datetime(2026, 1, 1, tzinfo=timezone.utc)
    days = [(start + timedelta(hours=hour)).isoformat(" ") for hour in range(24 * 300)]
    transfers_possible = world.stocked > world.step and world.locations > 1
    lines = batch.lines
    orders, order_items, packages, package_items, reservations, logs, shipments = _lists(lines)
    randrange, random_ = rng.randrange, rng.random
    for index, name in enumerate(statuses):
        when = days[index * len(days) // count]
        location = randrange(world.locations)
        location_id = world.location_base + location + 1
        if name == "ready_for_pickup" and not world.pickup[location]:
            name = "packed"
        if name == "waiting_for_transfer" and not (transfers_possible and location + 1 < world.locations):
            name = "waiting"
        status = STATUS[name]
        order_id = ids["orders"] = ids["orders"] + 1
        package_id = ids["packages"] = ids["packages"] + 1
        number = f"BN{order_id:09d}"
        pickup = name == "ready_for_pickup" or (world.pickup[location] and random_() < 0.05)
        channel = "B2B" if name == "waiting_invoice" else "Web"
        first = NAMES[order_id % len(NAMES)]
        city = CITIES[order_id % len(CITIES)]
        orders.append(
            f'{order_id}\t{number}\t{channel}\t{{"first_name": "{first}", "last_name": "Bench",'
            f' "email": "c{order_id}@example.com"}}\t{{"line": "Street {order_id % 97}", "city": "{city}"}}'
            f"\t1\t{when}\t{when}\t{'pickup' if pickup else 'shipping'}\t{location_id if pickup else N}"
            f"\t{'4711' if pickup else N}\t{fold(number)}\t{fold(first)} bench\tbench\n"
        )
        packages.append(
            f"{package_id}\t{number}P1\t{order_id}\t{location_id}\t{status}"
            f"\t{denial_reason if name == 'needs_rescheduling' else N}\t{when}\t{when}"
            f"\t{1 if name == 'waiting_for_transfer' else 0}\t{fold(number)}p1\t{when}\n"
        )
        roll = random_()
        units = 1 if roll < 0.6 else 2 if roll < 0.85 else 3 if roll < 0.95 else 4
        item_status = "cancelled" if name == "cancelled" else name
        order_item_status = (
            "cancelled" if name == "cancelled" else "preparing" if name in PACKED_OR_BEYOND else "waiting"
        )
        source = (location + 1) % world.locations
        item_ids = []
        for _ in range(units):
            if name == "waiting_for_transfer":  # a product both here and at the next location, which sends it
                product = world.product_at(source, randrange(world.stocked - world.step))
            else:
                product = world.product_at(location, randrange(world.stocked))
            product_id = world.product_base + product + 1
            order_item_id = ids["order_items"] = ids["order_items"] + 1
            item_id = ids["package_items"] = ids["package_items"] + 1
            item_ids.append((item_id, product_id))
            order_items.append(f"{order_item_id}\t{order_id}\t{product_id}\t{order_item_status}\t{when}\t{when}\n")
            package_items.append(
                f"{item_id}\t{package_id}\t{order_item_id}\t{product_id}\t{item_status}\t{when}\t{when}\n"
            )
            if name in RESERVING:
                held_at = source if name == "waiting_for_transfer" else location
                stock_id = world.stock_id(held_at, product)
                reservation_id = ids["reservations"] = ids["reservations"] + 1
                reservations.append(f"{reservation_id}\t{stock_id}\t{item_id}\t{when}\n")
        first_status = 50 if name == "waiting_for_transfer" else W
        log_id = ids["transition_logs"] = ids["transition_logs"] + 1
        logs.append(f"{log_id}\t{package_id}\t\\N\tORDER_CREATED\t\\N\t{first_status}\tsystem\t{{}}\t{when}\n")
        for command, source_state, destination in PATHS[name]:
            log_id = ids["transition_logs"] = ids["transition_logs"] + 1
            transition_id = transitions.get((command, source_state, destination), N)
            logs.append(
                f"{log_id}\t{package_id}\t{transition_id}\t{command}\t{source_state}\t{destination}\tsystem\t{{}}"
                f"\t{when}\n"
            )
        if name in SHIPMENT_STATUS and not pickup:
            shipment_id = ids["shipments"] = ids["shipments"] + 1
            tracking = N if name == "waiting_cargo_label" else f"BT{package_id:010d}"
            shipments.append(
                f"{shipment_id}\t{package_id}\t{world.cargo[location]}\t{tracking}\t{SHIPMENT_STATUS[name]}\t0"
                f"\t{when}\t{when}\t{N if tracking == N else fold(tracking)}\n"
            )
        if name == "waiting_for_transfer":
            _transfer(lines, ids, world, order_id, package_id, number, source, location, item_ids, when)
        if len(packages) >= 25_000:
            batch.flush()
            lines = batch.lines
            orders, order_items, packages, package_items, reservations, logs, shipments = _lists(lines)


def _lists(lines: dict[str, list[str]]) -> tuple[list[str], ...]:
    names = ["orders", "order_items", "packages", "package_items", "reservations", "transition_logs", "shipments"]
    return tuple(lines[name] for name in names)


def _transfer(lines, ids, world, order_id, package_id, number, source, location, item_ids, when) -> None:
    transfer_id = ids["transfer_orders"] = ids["transfer_orders"] + 1
    lines["transfer_orders"].append(
        f"{transfer_id}\t{number}P1T1\t{order_id}\t{package_id}\t{world.location_base + source + 1}"
        f"\t{world.location_base + location + 1}\twaiting\t{{}}\t{when}\t{when}\n"
    )
    for item_id, product_id in item_ids:
        transfer_item_id = ids["transfer_items"] = ids["transfer_items"] + 1
        lines["transfer_items"].append(f"{transfer_item_id}\t{transfer_id}\t{item_id}\t{product_id}\twaiting\n")
    log_id = ids["transfer_logs"] = ids["transfer_logs"] + 1
    lines["transfer_logs"].append(f"{log_id}\t{transfer_id}\tTRANSFER_CREATED\t\\N\twaiting\tsystem\t{{}}\t{when}\n")


RECOUNT = [
    # Derived counters, recounted from the rows (the app has no recount command to call).
    "UPDATE stocks SET reserved = 0 WHERE reserved <> 0",
    "UPDATE stocks SET reserved = held.units, quantity = greatest(quantity, held.units + 5)"
    " FROM (SELECT stock_id, count(*) AS units FROM reservations GROUP BY stock_id) AS held"
    " WHERE stocks.id = held.stock_id",
    "UPDATE stock_locations SET quota = (SELECT count(*) FROM packages WHERE packages.stock_location_id ="
    " stock_locations.id AND packages.status IN (50, 100, 150, 200, 300, 400, 450, 900))",
]
SEQUENCED = [
    "stock_locations",
    "products",
    "stocks",
    "sales_channels",
    *Batch.TABLES,
]


def _drop_secondary_indexes(connection: psycopg.Connection) -> list[str]:
    """Drop the bulk tables' indexes that back no constraint; their CREATE statements, to run after the load."""
    rows = connection.execute(
        "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.schemaname = 'public' AND i.tablename = ANY(%s)"
        " AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)",
        (list(Batch.TABLES),),
    ).fetchall()
    for name, _ in rows:
        connection.execute(f'DROP INDEX "{name}"')
    return [definition for _, definition in rows]


def generate(url: str, sizes: Sizes, *, seed: int = 1, defer_indexes: bool = True) -> dict[str, float]:
    """Load `sizes.packages` packages (`sizes.open_packages` of them open); master data only on the first call.

    `defer_indexes`: drop the secondary indexes of the bulk tables and build them after the load (measured
    faster: 300k packages in 8.9 s instead of 10.7 s with every index in place).
    """
    rng = random.Random(seed)
    timings = {}
    started = time.perf_counter()
    with psycopg.connect(url) as connection:
        # FK triggers off while loading: the generator makes every reference itself (superuser only).
        connection.execute("SET session_replication_role = replica")
        world = _load_world(connection)
        if world is None:
            world = _master_data(connection, sizes, rng, datetime.now(timezone.utc).isoformat(" "))
        deferred = _drop_secondary_indexes(connection) if defer_indexes else []
        connection.commit()  # the COPY streams' connections must not wait for these locks
        rng.seed(seed + _max_id(connection, "packages"))
        batch = Batch(url)
        _packages(connection, batch, world, sizes.packages, sizes.open_packages, rng)
        batch.finish()
        connection.commit()
        timings["copy_s"] = time.perf_counter() - started
        if deferred:
            connection.execute("SET maintenance_work_mem = '256MB'")
            for definition in deferred:
                connection.execute(definition)
            timings["indexes_s"] = time.perf_counter() - started - timings["copy_s"]
        for statement in RECOUNT:
            connection.execute(statement)
        for table in SEQUENCED:
            connection.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT coalesce(max(id), 0) + 1 FROM {table}),"
                " false)"
            )
        connection.commit()
    with psycopg.connect(url, autocommit=True) as connection:
        analysed = time.perf_counter()
        connection.execute("ANALYZE")
        timings["analyze_s"] = time.perf_counter() - analysed
    timings["total_s"] = time.perf_counter() - started
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("url", help="postgresql://… of a migrated and installed database")
    parser.add_argument("--locations", type=int, default=Sizes.locations)
    parser.add_argument("--skus", type=int, default=Sizes.skus)
    parser.add_argument("--packages", type=int, default=Sizes.packages)
    parser.add_argument("--open", dest="open_packages", type=int, default=Sizes.open_packages)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep-indexes", action="store_true", help="load with every index in place")
    arguments = parser.parse_args()
    sizes = Sizes(arguments.locations, arguments.skus, arguments.packages, arguments.open_packages)
    timings = generate(arguments.url, sizes, seed=arguments.seed, defer_indexes=not arguments.keep_indexes)
    print(", ".join(f"{key} {value:.1f}" for key, value in timings.items()))


if __name__ == "__main__":
    main()
