"""DESIGN §11's last row: 16 clients racing random commands, intakes, stock pushes and transfer
commands on the same few packages and SKUs. No answer is a 5xx and every invariant holds after.

Bounded by a fixed number of operations (not by time). The seed fixes what each client tries;
the interleaving is whatever the threads and PostgreSQL make of it.
"""

from __future__ import annotations

import random
import threading
from collections import Counter
from typing import Any

import pytest

from tests.helpers import ApiClient, location, order, product, stock, token
from tests.invariants import assert_invariants

pytestmark = pytest.mark.postgresql_only

CLIENTS = 16
OPERATIONS_PER_CLIENT = 30
SKUS = ("A", "B", "C")
LOCATIONS = ("L1", "L2", "L3")


@pytest.fixture
def crowded_world(app):
    """Little stock and a small quota, so that orders fight for units and slots, split and transfer."""
    location("L1", priority=80, max_quota=6)
    location("L2", priority=70, max_quota=10)
    location("L3", priority=60, kind="warehouse", city="Ankara")
    for sku in SKUS:
        product(sku, barcode=f"8690{sku}")
    for code in LOCATIONS:
        for sku in SKUS:
            stock(code, sku, 4)
    for number in range(10):
        order(f"SEED{number}", SKUS[number % 3], SKUS[(number + 1) % 3])
    return token()


def _inputs(command: str, package: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    """Plausible input_parameters for a command (sometimes wrong: that must be a 4xx, not a 5xx)."""
    items = [item for item in package["packageitem_set"] if item["state"]["slug"] == package["state"]["slug"]]
    ids = [item["id"] for item in items] or [1]
    if command.startswith("DETECTED_OUT_OF_STOCK_ITEM"):
        return {
            "package_items": rng.sample(ids, rng.randint(1, len(ids))),
            "reason": rng.choice(["not_found", "wrong_product"]),
        }
    if command == "REFUSE_WITH_DENIAL_REASON":
        return {"denial_reason": 1}
    if command in ("SHIP_ADVANCED", "UPDATE_SHIPMENT_INFO"):
        return {"tracking_number": f"T{rng.randrange(10**6)}", "cargo_company": "yurtici"}
    if command == "UPDATE_SHIPMENT_STATUS":
        return {"delivered_status": rng.random() < 0.5}
    if command == "CHANNEL_BASED_COMPLETE_PACKAGING":
        return {"barcodes": [item["barcode"] for item in items]}
    if command == "UPDATE_INVOICE":
        return {"invoice_number": f"INV{rng.randrange(10**6)}"}
    if command == "MANUAL_PLANNING":
        return {"assignment_groups": [{"package_items": ids, "stock_location": rng.choice(LOCATIONS)}]}
    return {}


class Client:
    def __init__(self, app, key: str, seed: int, answers: Counter, failures: list):
        self.api = ApiClient(app.test_client(), key)
        self.rng = random.Random(seed)
        self.seed = seed
        self.answers = answers
        self.failures = failures

    def note(self, what: str, response) -> Any:
        self.answers[response.status_code] += 1
        if response.status_code >= 500:
            self.failures.append((what, response.status_code, response.get_data(as_text=True)[:500]))
        return response.get_json(silent=True) if response.status_code == 200 else None

    def package_command(self) -> None:
        listing = self.note("list", self.api.get("packages/", page_size=100))
        if not listing or not listing["results"]:
            return
        package = self.rng.choice(listing["results"])
        if not package["commands"]:
            return
        command = self.rng.choice(package["commands"])
        body = {"slug": command["slug"], "input_parameters": _inputs(command["command"], package, self.rng)}
        self.note(f"{command['command']} on {package['number']}", self.api.command(package["id"], body))

    def intake(self, number: int) -> None:
        items = [
            {"sku": self.rng.choice(SKUS), "quantity": self.rng.randint(1, 2)} for _ in range(self.rng.randint(1, 3))
        ]
        city = self.rng.choice(["İstanbul", "Ankara"])
        body = {"number": f"O{self.seed}-{number}", "shipping_address": {"city": city}, "items": items}
        self.note("intake", self.api.post_raw("orders/", body))

    def stock_push(self) -> None:
        pairs = self.rng.sample([(code, sku) for code in LOCATIONS for sku in SKUS], self.rng.randint(1, 3))
        body = [{"stock_location": code, "sku": sku, "quantity": self.rng.randint(0, 6)} for code, sku in pairs]
        response = self.api.client.put(
            "/api/v1/oms/stocks/", json=body, headers=self.api.headers | {"Content-Type": "application/json"}
        )
        self.note("stock push", response)

    def transfer_command(self) -> None:
        listing = self.note("transfers", self.api.get("transfer_orders/", page_size=100))
        candidates = [transfer for transfer in (listing or {}).get("results", []) if transfer["commands"]]
        if not candidates:
            return
        transfer = self.rng.choice(candidates)
        command = self.rng.choice(transfer["commands"])
        response = self.api.post_raw(f"transfer_orders/{transfer['id']}/command/", {"slug": command["slug"]})
        self.note(f"{command['command']} on {transfer['number']}", response)

    def run(self) -> None:
        for number in range(OPERATIONS_PER_CLIENT):
            roll = self.rng.random()
            if roll < 0.45:
                self.package_command()
            elif roll < 0.70:
                self.intake(number)
            elif roll < 0.85:
                self.stock_push()
            else:
                self.transfer_command()


def test_sixteen_clients_racing_on_few_packages_and_skus_get_no_5xx_and_keep_every_invariant(app, crowded_world):
    answers: Counter = Counter()
    failures: list = []
    clients = [Client(app, crowded_world, seed, answers, failures) for seed in range(CLIENTS)]
    threads = [threading.Thread(target=client.run) for client in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert not failures, failures[:5]
    assert sum(answers.values()) >= CLIENTS * OPERATIONS_PER_CLIENT
    assert answers[200] and answers[201] and answers[204], answers  # the race did real work
    assert_invariants()
