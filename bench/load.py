"""Concurrent clients on keep-alive connections: the command cycle and order intake, over a fixed duration."""

from __future__ import annotations

import os
import random
import threading
import time
from collections import Counter
from dataclasses import dataclass, field

from bench.http import Client

# Each package walks this path (each step a real state change), ending delivered; a client whose packages are
# all delivered keeps blocking and unblocking its last one. (command, from status, to status)
CYCLE = [
    ("BLOCK", 100, 300),
    ("UNBLOCK", 300, None),
    ("PKG_STATE_TRANSITION", 100, 200),
    ("PKG_STATE_TRANSITION", 200, 400),
    ("COMPLETE_PACKAGING", 400, 500),
    ("SHIP", 500, 700),
    ("UPDATE_SHIPMENT_STATUS", 700, 800),
]
ENDLESS = [("BLOCK", 100, 300), ("UNBLOCK", 300, None)]


@dataclass
class LoadResult:
    requests: int = 0
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    statuses: Counter = field(default_factory=Counter)
    client_cpu_s: float = 0.0
    errors: list[str] = field(default_factory=list)

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def percentile(self, fraction: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] if ordered else float("nan")

    @property
    def server_errors(self) -> int:
        return sum(count for status, count in self.statuses.items() if status >= 500)


def _run(clients: int, seconds: float, work) -> LoadResult:
    """`work(index, deadline, record)` in one thread per client; record(status, latency, note)."""
    result = LoadResult()
    lock = threading.Lock()
    start_gate = threading.Barrier(clients + 1)

    def record(status: int, latency: float, note: str = "") -> None:
        with lock:
            result.requests += 1
            result.latencies.append(latency)
            result.statuses[status] += 1
            if status >= 400 and len(result.errors) < 5:
                result.errors.append(f"{status} {note}"[:300])

    deadline_box: list[float] = []

    def thread_main(index: int) -> None:
        start_gate.wait()
        work(index, deadline_box[0], record)

    threads = [threading.Thread(target=thread_main, args=(index,)) for index in range(clients)]
    for thread in threads:
        thread.start()
    cpu_before = sum(os.times()[:2])
    started = time.perf_counter()
    deadline_box.append(started + seconds)
    start_gate.wait()
    for thread in threads:
        thread.join()
    result.seconds = time.perf_counter() - started
    result.client_cpu_s = sum(os.times()[:2]) - cpu_before
    return result


def commands(port: int, token: str, packages: list[list[int]], slugs: dict[tuple, str], seconds: float) -> LoadResult:
    """Each client walks its own packages through CYCLE via POST packages/{id}/command/."""

    def work(index: int, deadline: float, record) -> None:
        client = Client(port, token=token)
        own = packages[index]
        steps = [(package, step) for package in own[:-1] for step in CYCLE]
        position = 0
        while time.perf_counter() < deadline:
            if position < len(steps):
                package, step = steps[position]
            else:
                package, step = own[-1], ENDLESS[(position - len(steps)) % 2]
            position += 1
            body = {"slug": slugs[step], "input_parameters": {}}
            status, answer, latency = client.request("POST", f"/api/v1/oms/packages/{package}/command/", body)
            record(status, latency, f"{step[0]} on {package}: {answer[:200]!r}")
        client.close()

    return _run(len(packages), seconds, work)


def intake(port: int, token: str, skus: list[str], clients: int, seconds: float, prefix: str) -> LoadResult:
    """Orders of 3 items (SKUs with stock somewhere) through POST orders/."""

    def work(index: int, deadline: float, record) -> None:
        client = Client(port, token=token)
        rng = random.Random(index)
        number = 0
        while time.perf_counter() < deadline:
            number += 1
            body = {
                "number": f"{prefix}-{index}-{number}",
                "channel": "Web",
                "customer": {"first_name": "Bench", "last_name": "Client", "email": "bench@example.com"},
                "shipping_address": {"line": "Bench Street 1", "city": rng.choice(["Istanbul", "Ankara"])},
                "items": [{"sku": sku, "quantity": 1} for sku in rng.sample(skus, 3)],
            }
            status, answer, latency = client.request("POST", "/api/v1/oms/orders/", body)
            record(status, latency, f"intake: {answer[:200]!r}")
        client.close()

    return _run(clients, seconds, work)
