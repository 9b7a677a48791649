"""`python -m bench --size small|medium|full`: a fresh database, generated data, gunicorn, and every performance
target of the contract printed beside its measured figure and its floor (bench/README.md)."""

from __future__ import annotations

import argparse
import glob
import json
import math
import os
import re
import shutil
import statistics
import subprocess
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import sql

from bench import checks, load
from bench.capture import InProcessApp, pgbench_script, replay_p50
from bench.generate import Sizes, generate
from bench.http import Client
from bench.server import CpuMeter, flask, gunicorn, postgres_pids, rss_mb

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/oms_bench"
MANAGER, PASSWORD, CLIENTS = "bench-manager", "bench-password-1", 16
PGBENCH_ROW = "commands / pgbench with the same SQL"
PGBENCH_PACKAGES = 4  # per pgbench client: each works on its own waiting packages, as the app's clients do
CARDS_GET = re.compile(r'<section id="cards"[^>]*?hx-get="([^"]+)"', re.S)


@dataclass(frozen=True)
class Plan:
    stages: list[Sizes]  # cumulative additions: the second stage adds its packages to the first's
    page_seconds: float  # sampling time per page (HTTP) and per SQL replay
    load_seconds: float  # commands, intake, pgbench
    workers: int = 4


PLANS = {
    "small": Plan([Sizes(5, 200, 1_000, 300), Sizes(5, 200, 1_000, 300)], page_seconds=0.25, load_seconds=1.5),
    "medium": Plan([Sizes(500, 20_000, 50_000, 2_500), Sizes(500, 20_000, 150_000, 7_500)], 2, 8),
    "full": Plan([Sizes(500, 20_000, 50_000, 2_500), Sizes(500, 20_000, 950_000, 47_500)], 5, 20),
}


@dataclass
class Report:
    rows: list[tuple[str, str, str, str]] = field(default_factory=list)
    data: dict = field(default_factory=dict)

    def row(self, figure: str, measured: str, target: str, floor: str = "—") -> None:
        self.rows.append((figure, measured, target, floor))
        print(f"  {figure}: {measured}   [target {target}; floor {floor}]", flush=True)

    def table(self) -> str:
        header = ("figure", "measured", "target", "floor")
        widths = [max(len(row[column]) for row in [header, *self.rows]) for column in range(4)]
        lines = [" | ".join(cell.ljust(width) for cell, width in zip(header, widths, strict=True))]
        lines.append("-+-".join("-" * width for width in widths))
        lines += [" | ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)) for row in self.rows]
        return "\n".join(lines)


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def fresh_database(url: str) -> None:
    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    server = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(server, autocommit=True) as connection:
        connection.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def http_p50(
    client: Client, path: str, seconds: float, headers: dict | None = None, *, conditional: bool = False
) -> tuple[float, int, int]:
    """(p50 seconds, status, bytes) of GETting `path` again and again for `seconds` on one kept-alive connection."""
    samples, status, size = [], 0, 0
    client.get(path, headers)  # warm
    headers = dict(headers or {})
    # The refresh, as a browser's cache would make it (htmx requests go through it): conditional when it can be.
    if conditional and "etag" in client.last_headers:
        headers["If-None-Match"] = client.last_headers["etag"]
    if conditional and "last-modified" in client.last_headers:
        headers["If-Modified-Since"] = client.last_headers["last-modified"]
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline or len(samples) < 5:
        status, body, elapsed = client.get(path, headers)
        samples.append(elapsed)
        size = len(body)
    return statistics.median(samples), status, size


def pick(connection: psycopg.Connection, query: str, *arguments) -> list:
    return connection.execute(query, arguments).fetchall()


def command_slugs(connection: psycopg.Connection) -> dict[tuple, str]:
    return {
        (command, source, destination): slug
        for slug, command, source, destination in pick(
            connection, "SELECT slug, command, source_state, destination_state FROM transitions"
        )
    }


# Waiting shipping packages of the generator (one per order: id = order id), not used yet.
WAITING = """
    SELECT p.id FROM packages p JOIN orders o ON o.id = p.order_id
    WHERE p.status = 100 AND o.delivery_type = 'shipping' AND o.channel = 'Web' AND p.id = o.id
      AND NOT (p.id = ANY(%s))
      AND (SELECT count(*) FROM package_items pi WHERE pi.package_id = p.id) {items}
    ORDER BY p.id DESC LIMIT %s"""


class Bench:
    def __init__(self, url: str, plan: Plan, size: str, results: Path):
        self.url, self.plan, self.size, self.results = url, plan, size, results
        self.database = urlsplit(url).path.lstrip("/")
        self.report = Report()
        self.used: list[int] = []  # packages the load or pgbench already walked
        self.server_errors = 0
        self.pages: dict[str, dict[str, float]] = {}
        self.command_rates: dict[str, float] = {}

    # -- set-up -------------------------------------------------------------------------------------------
    def prepare(self) -> None:
        started = time.perf_counter()
        fresh_database(self.url)
        flask(self.url, "db", "upgrade")
        flask(self.url, "oms", "install")
        # Another engineer may add a command rebuilding the derived counters; when there is one, it runs after
        # each load (the generator recounts them in SQL all the same).
        self.recount = "recount" in flask(self.url, "oms", "--help").split()
        self.report.data["setup_s"] = time.perf_counter() - started

    def load_stage(self, index: int, sizes: Sizes) -> str:
        timings = generate(self.url, sizes, seed=index + 1)
        if self.recount:
            recounted = time.perf_counter()
            flask(self.url, "oms", "recount")
            timings["recount_cli_s"] = time.perf_counter() - recounted
        with psycopg.connect(self.url) as connection:
            total = connection.execute("SELECT count(*) FROM packages").fetchone()[0]
        label = f"{total // 1000}k" if total < 1_000_000 else f"{total / 1_000_000:g}M"
        self.report.data.setdefault("generation", {})[label] = timings | {"packages": total}
        self.report.row(
            f"[{label}] generation (+{sizes.packages:,} packages by COPY)", f"{timings['total_s']:.1f} s", "—"
        )
        if index == 0:
            flask(self.url, "oms", "create-user", MANAGER, "--role", "manager", "--password", PASSWORD)
            self.token = flask(self.url, "oms", "create-token", "bench").strip().splitlines()[-1]
        return label

    # -- pages --------------------------------------------------------------------------------------------
    def pages_stage(self, label: str, port: int) -> None:
        with psycopg.connect(self.url) as connection:
            biggest, count = pick(connection, "SELECT status, count(*) FROM packages GROUP BY 1 ORDER BY 2 DESC")[0]
            detail_ids = pick(
                connection,
                "(SELECT package_id FROM package_items GROUP BY 1 HAVING count(*) = 1 LIMIT 1) UNION ALL"
                " (SELECT package_id FROM package_items GROUP BY 1 ORDER BY count(*) DESC LIMIT 1)",
            )
        page = min(200, math.ceil(count / 25))
        in_process = InProcessApp(self.url)
        in_process.sign_in(MANAGER, PASSWORD)
        client = Client(port)
        client.sign_in(MANAGER, PASSWORD)
        home = in_process.warm("GET", "/")
        refresh_path = CARDS_GET.search(home.body.decode()).group(1).replace("&amp;", "&")
        figures = {}
        targets = {
            "/": ("Movements / (manager)", "p50 ≤ 50 ms, ≤ 3 SQL queries"),
            "refresh": ("Movements 10-s refresh (HX-Request)", "≤ 5 ms and a few hundred bytes when unchanged"),
            "/packages/": ("package list, first page", "p50 ≤ 20 ms"),
            "page200": (f"package list ?status={biggest}&page={page}", "p50 ≤ 20 ms"),
        }
        paths = {
            "/": ("/", None),
            "refresh": (refresh_path, {"HX-Request": "true"}),
            "/packages/": ("/packages/", None),
            "page200": (f"/packages/?status={biggest}&page={page}", None),
        }
        for key, (path, headers) in paths.items():
            captured = in_process.warm("GET", path, headers=headers or {}, conditional=key == "refresh")
            p50, status, size = http_p50(client, path, self.plan.page_seconds, headers, conditional=key == "refresh")
            floor = replay_p50(self.url, captured.statements, seconds=self.plan.page_seconds)
            figures[key] = p50
            name, target = targets[key]
            self.report.row(
                f"[{label}] {name}",
                f"p50 {ms(p50)}, {len(captured.statements)} SQL, HTTP {status}, {size:,} bytes",
                target,
                f"SQL replayed alone p50 {ms(floor)}",
            )
            self.server_errors += status >= 500
        counts = []
        for (package_id,) in detail_ids:
            captured = in_process.warm("GET", f"/packages/{package_id}")
            with psycopg.connect(self.url) as connection:
                items = pick(connection, "SELECT count(*) FROM package_items WHERE package_id = %s", package_id)[0][0]
            counts.append(f"{len(captured.statements)} SQL with {items} item{'s' if items > 1 else ''}")
        self.report.row(f"[{label}] package detail page", "; ".join(counts), "≤ 8 SQL queries whatever the items")
        client.close()
        self.pages[label] = figures

    # -- commands -----------------------------------------------------------------------------------------
    def take_waiting(self, count: int, *, single_item: bool = False) -> list[int]:
        with psycopg.connect(self.url) as connection:
            query = WAITING.format(items="= 1" if single_item else ">= 1")
            ids = [row[0] for row in pick(connection, query, self.used, count)]
        self.used += ids
        return ids

    def commands_stage(self, label: str, server) -> None:
        with psycopg.connect(self.url) as connection:
            slugs = command_slugs(connection)
        wanted = max(2, int(self.plan.load_seconds * 40 / len(load.CYCLE)) + 2)
        ids = self.take_waiting(wanted * CLIENTS)
        per_client = max(1, len(ids) // CLIENTS)
        if len(ids) < CLIENTS:
            raise RuntimeError(f"only {len(ids)} waiting packages for {CLIENTS} clients")
        packages = [ids[index * per_client : (index + 1) * per_client] for index in range(CLIENTS)]
        warm_up = [[package] for package in self.take_waiting(CLIENTS)]
        warm = load.commands(server.port, self.token, warm_up, slugs, min(1.0, self.plan.load_seconds / 2))
        self.server_errors += warm.server_errors
        workers = CpuMeter(server.worker_pids)
        database = CpuMeter(lambda: postgres_pids(self.database))
        result = load.commands(server.port, self.token, packages, slugs, self.plan.load_seconds)
        python_cpu, postgres_cpu = workers.used(), database.used()
        self.server_errors += result.server_errors
        self.command_rates[label] = result.per_second
        per = max(1, result.requests)
        self.report.row(
            f"[{label}] commands, JSON API, {CLIENTS} clients, {result.seconds:.0f} s",
            f"{result.per_second:.0f}/s, p50 {ms(result.percentile(0.5))}, p99 {ms(result.percentile(0.99))},"
            f" {result.requests} commands, answers {dict(result.statuses)}",
            "≥ 360 commands/s, p99 ≤ 100 ms",
            "pgbench below",
        )
        if result.errors:
            print("    first errors:", result.errors[:3])
        postgres_text = (
            f"PostgreSQL CPU {ms(postgres_cpu / per)}/command"
            if postgres_cpu is not None
            else ("PostgreSQL CPU n/a (its processes are not visible from here)")
        )
        self.report.row(
            f"[{label}] Python CPU per command (gunicorn workers)",
            ms(python_cpu / per),
            "≤ 4 ms",
            f"{postgres_text}; load generator {ms(result.client_cpu_s / per)}/command",
        )
        self.report.data.setdefault("commands", {})[label] = {
            "per_second": result.per_second,
            "p50_ms": result.percentile(0.5) * 1000,
            "p99_ms": result.percentile(0.99) * 1000,
            "statuses": dict(result.statuses),
            "python_cpu_ms": python_cpu / per * 1000,
            "postgres_cpu_ms": None if postgres_cpu is None else postgres_cpu / per * 1000,
            "client_cpu_ms": result.client_cpu_s / per * 1000,
        }

    def pgbench(self, label: str, packages: list[int]) -> None:
        """The statements of BLOCK and UNBLOCK, captured in-process, run by 16 pgbench clients on their packages."""
        binary = shutil.which("pgbench") or next(iter(sorted(glob.glob("/usr/lib/postgresql/*/bin/pgbench"))), None)
        app_rate = self.command_rates.get(label, 0.0)
        if binary is None:
            self.report.row(f"[{label}] {PGBENCH_ROW}", "floor n/a (pgbench not installed)", "≥ 25 %")
            return
        per_client = (len(packages) - 1) // CLIENTS
        if per_client < 1:
            self.report.row(f"[{label}] {PGBENCH_ROW}", "floor n/a (too few waiting packages)", "≥ 25 %")
            return
        capture_id, *ids = packages
        with psycopg.connect(self.url) as connection:
            slugs = command_slugs(connection)
            (order_id, item_id, order_item_id) = pick(
                connection,
                "SELECT p.order_id, pi.id, pi.order_item_id FROM packages p JOIN package_items pi"
                " ON pi.package_id = p.id WHERE p.id = %s",
                capture_id,
            )[0]
            connection.execute("DROP TABLE IF EXISTS bench_pgbench_packages")
            connection.execute(
                "CREATE TABLE bench_pgbench_packages AS SELECT row_number() OVER (ORDER BY p.id) - 1 AS n,"
                " p.id AS pkg, p.order_id AS ord, pi.id AS item, pi.order_item_id AS oitem"
                " FROM packages p JOIN package_items pi ON pi.package_id = p.id WHERE p.id = ANY(%s)",
                (ids,),
            )
            connection.execute("ALTER TABLE bench_pgbench_packages ADD PRIMARY KEY (n)")
            connection.commit()
            in_process = InProcessApp(self.url)
            headers = {"Authorization": f"Token {self.token}"}
            path = f"/api/v1/oms/packages/{capture_id}/command/"
            cycle = [{"slug": slugs[step], "input_parameters": {}} for step in load.ENDLESS]
            for body in cycle:  # warm
                in_process.request("POST", path, json=body, headers=headers)
            commands = [in_process.request("POST", path, json=body, headers=headers) for body in cycle]
            # pkg and item last: they win where the generator made an order's id equal its package's
            variables = {order_id: "ord", order_item_id: "oitem", capture_id: "pkg", item_id: "item"}
            script = pgbench_script(connection, [captured.statements for captured in commands], variables)
        self.results.mkdir(parents=True, exist_ok=True)
        script_path = self.results / f"pgbench-{self.size}-{label}.sql"  # kept: what the floor ran
        script_path.write_text(script)
        seconds = max(1, round(self.plan.load_seconds / 2))
        done = subprocess.run(
            [binary, "-n", "-c", str(CLIENTS), "-j", "2", "-T", str(seconds), "-f", str(script_path)]
            + ["-D", f"clients={CLIENTS}", "-D", f"per_client={per_client}", self.url],
            capture_output=True,
            text=True,
        )
        match = re.search(r"tps = ([0-9.]+)", done.stdout)
        failed = re.search(r"number of failed transactions: (\d+)", done.stdout)
        if done.returncode or not match:
            self.report.row(f"[{label}] {PGBENCH_ROW}", "floor n/a (pgbench failed)", "≥ 25 %")
            print(done.stdout[-1500:], done.stderr[-1500:])
            return
        floor_rate = float(match.group(1)) * len(cycle)  # one script run = the commands of the cycle
        sizes = [len(captured.statements) for captured in commands]
        self.report.row(
            f"[{label}] {PGBENCH_ROW}",
            f"{app_rate / floor_rate * 100:.0f} % ({app_rate:.0f} / {floor_rate:.0f} commands/s)",
            "≥ 25 %",
            f"pgbench {floor_rate:.0f} commands/s ({' + '.join(map(str, sizes))} statements for BLOCK + UNBLOCK,"
            f" {failed.group(1) if failed else 0} failed)",
        )
        self.report.data.setdefault("pgbench", {})[label] = {"commands_per_second": floor_rate, "statements": sizes}

    def intake(self, server) -> None:
        with psycopg.connect(self.url) as connection:
            skus = [
                row[0]
                for row in pick(
                    connection,
                    "SELECT DISTINCT p.sku FROM products p JOIN stocks s"
                    " ON s.product_id = p.id WHERE s.quantity > s.reserved + 3 LIMIT 5000",
                )
            ]
        result = load.intake(server.port, self.token, skus, CLIENTS, self.plan.load_seconds, f"BI{int(time.time())}")
        self.server_errors += result.server_errors
        self.report.row(
            f"order intake with planning, {CLIENTS} clients, 3 items an order",
            f"{result.per_second:.0f} orders/s, p50 {ms(result.percentile(0.5))}, p99 {ms(result.percentile(0.99))},"
            f" answers {dict(result.statuses)}",
            "≥ 150 orders/s",
        )
        if result.errors:
            print("    first errors:", result.errors[:3])
        self.report.data["intake"] = {"per_second": result.per_second, "statuses": dict(result.statuses)}

    def memory(self, server) -> None:
        app_rss = max(rss_mb(pid) for pid in server.worker_pids())
        with gunicorn(self.url, workers=1, application="bench.hello:app") as hello:
            client = Client(hello.port)
            client.get("/")
            client.close()
            floor = max(rss_mb(pid) for pid in hello.worker_pids())
        self.report.row(
            "worker memory (largest gunicorn worker's RSS)",
            f"{app_rss:.0f} MB",
            "≤ 150 MB",
            f"one-route Flask worker {floor:.0f} MB",
        )
        self.report.data["memory_mb"] = {"worker": app_rss, "floor": floor}

    # -- the run --------------------------------------------------------------------------------------------
    def run(self) -> Report:
        started = time.perf_counter()
        print(f"bench --size {self.size} on {self.url}", flush=True)
        self.prepare()
        labels = []
        for index, sizes in enumerate(self.plan.stages):
            label = self.load_stage(index, sizes)
            labels.append(label)
            last = index == len(self.plan.stages) - 1
            with gunicorn(self.url, workers=self.plan.workers) as server:
                self.pages_stage(label, server.port)
                pgbench_packages = self.take_waiting(1 + CLIENTS * PGBENCH_PACKAGES, single_item=True)
                self.commands_stage(label, server)
                self.pgbench(label, pgbench_packages)
                if last:
                    self.intake(server)
                    self.memory(server)
        first, last = labels[0], labels[-1]
        growth = [f"commands/s {self.command_rates[last] / self.command_rates[first]:.2f}"]
        growth += [f"{page} p50 {self.pages[last][page] / self.pages[first][page]:.2f}" for page in self.pages[first]]
        self.report.row(f"cost growth {last} / {first}", ", ".join(growth), "within 20 % (0.8–1.2)")
        broken = {name: count for name, count in checks.violations(self.url).items() if count}
        self.report.row(
            f"concurrency: {CLIENTS} clients racing, every run",
            f"{self.server_errors} 5xx; invariants " + ("hold" if not broken else f"BROKEN {broken}"),
            "zero 5xx, invariants hold",
        )
        self.report.data["server_errors"] = self.server_errors
        self.report.data["invariant_violations"] = broken
        self.report.data["total_s"] = time.perf_counter() - started
        return self.report


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    parser.add_argument("--size", choices=sorted(PLANS), default="small")
    parser.add_argument(
        "--url",
        default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL),
        help="the database to (re)create (BENCH_DATABASE_URL)",
    )
    parser.add_argument("--results", type=Path, default=Path(__file__).parent / "results")
    arguments = parser.parse_args()
    report = Bench(arguments.url, PLANS[arguments.size], arguments.size, arguments.results).run()
    print()
    print(report.table())
    print(f"\nwhole run {report.data['total_s']:.0f} s")
    arguments.results.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    path = arguments.results / f"{arguments.size}-{stamp}.json"
    path.write_text(json.dumps({"size": arguments.size, "rows": report.rows, **report.data}, indent=2) + "\n")
    print(f"results: {path}")


if __name__ == "__main__":
    main()
