"""`flask oms import FILE` (DESIGN §10): master data from JSON, YAML or CSV, checked like the API's bodies,
applied all or nothing, with a summary per kind and a progress bar for big kinds."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from oms_dashboard.config import PROJECT_ROOT
from oms_dashboard.extensions import db
from oms_dashboard.models import CargoCompany, DenialReason, Product, SalesChannel, Stock, StockLocation
from tests.helpers import available, fresh, location, product

EXAMPLES = PROJECT_ROOT / "examples"


def run_import(app, path: Path, *options: str):
    return app.test_cli_runner().invoke(args=["oms", "import", str(path), *options])


def write(tmp_path: Path, name: str, content: Any) -> Path:
    path = tmp_path / name
    if isinstance(content, str):
        path.write_text(content, encoding="utf-8")
    else:
        path.write_text(json.dumps(content), encoding="utf-8")
    return path


def master_data() -> dict[str, Any]:
    fresh()
    tables = (CargoCompany, StockLocation, Product, Stock, DenialReason, SalesChannel)
    return {
        model.__tablename__: sorted(tuple(row) for row in db.session.execute(select(model.__table__)).all())
        for model in tables
    }


def count(model) -> int:
    fresh()
    return db.session.scalar(select(func.count()).select_from(model))


WORLD = {
    "cargo_companies": [
        {"erp_code": "hepsijet", "name": "HepsiJET", "label_mode": "async"},
        {"erp_code": "aras", "name": "Aras Kargo", "tracking_url_template": "https://t.example/{tracking_number}"},
    ],
    "stock_locations": [
        {"erp_code": "S1", "name": "Kadıköy", "city": "İstanbul", "max_quota": 5, "default_cargo_company": "hepsijet"},
        {"erp_code": "W1", "name": "Gebze", "type": "warehouse", "city": "Kocaeli"},
    ],
    "products": [
        {"sku": "A", "name": "Tea Glass", "barcode": "8690000000011", "attributes": {"colour": "clear"}},
        {"sku": "B", "name": "Coffee Cup"},
    ],
    "stocks": [
        {"stock_location": "S1", "sku": "A", "quantity": 4},
        {"stock_location": "W1", "sku": "B", "quantity": 40},
    ],
    "denial_reasons": [{"title": "Store flooded", "priority": 90}],
    "sales_channels": [{"code": "web", "name": "Web store", "invoice_required": True}],
}


def test_a_json_file_is_imported_whole_with_a_summary_per_kind(app, tmp_path):
    result = run_import(app, write(tmp_path, "world.json", WORLD))

    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "cargo_companies: 1 created, 1 updated, 0 unchanged",  # aras comes with `oms install`
        "stock_locations: 2 created, 0 updated, 0 unchanged",
        "products: 2 created, 0 updated, 0 unchanged",
        "stocks: 2 created, 0 updated, 0 unchanged",
        "denial_reasons: 1 created, 0 updated, 0 unchanged",
        "sales_channels: 1 created, 0 updated, 0 unchanged",
    ]
    assert available("S1", "A") == (4, 0) and available("W1", "B") == (40, 0)
    s1 = db.session.scalars(select(StockLocation).where(StockLocation.erp_code == "S1")).one()
    assert (s1.max_quota, s1.default_cargo_company.erp_code, s1.city) == (5, "hepsijet", "İstanbul")

    again = run_import(app, write(tmp_path, "world.json", WORLD | {"stocks": [WORLD["stocks"][0] | {"quantity": 9}]}))
    assert "stocks: 0 created, 1 updated, 0 unchanged" in again.stdout
    assert "products: 0 created, 0 updated, 2 unchanged" in again.stdout


def test_the_example_yaml_file_onboards_a_brand(app):
    result = run_import(app, EXAMPLES / "onboarding.yaml")

    assert result.exit_code == 0, result.output
    assert "stock_locations: 3 created, 0 updated, 0 unchanged" in result.stdout
    assert "products: 6 created, 0 updated, 0 unchanged" in result.stdout
    assert "sales_channels: 1 created" in result.stdout
    fresh()
    stores = db.session.scalars(select(StockLocation).where(StockLocation.type == "store")).all()
    assert len(stores) == 2 and len({store.city for store in stores}) == 2
    assert count(Stock) > 0 and count(Product) == 6
    assert "0 created, 0 updated, 6 unchanged" in run_import(app, EXAMPLES / "onboarding.yaml").stdout


def test_the_example_csv_file_adds_products_with_attributes(app):
    result = run_import(app, EXAMPLES / "products.csv", "--kind", "products")

    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "products: 4 created, 0 updated, 0 unchanged"
    fresh()
    cap = db.session.scalars(select(Product).where(Product.sku == "CAP-NAVY")).one()
    assert cap.attributes == {"colour": "navy"} and cap.image_url.endswith("cap-navy.jpg")
    socks = db.session.scalars(select(Product).where(Product.sku == "SOCKS-3PK")).one()
    assert socks.attributes == {} and socks.name == "Socks, 3 pairs"


def test_csv_cells_are_typed_by_field_and_an_empty_cell_is_not_sent(app, tmp_path):
    location("L1", max_quota=10, city="İzmir")
    csv = (
        "erp_code,name,type,priority,max_quota,is_active,is_pickup_location,city\n"
        "L1,Alsancak,,5,null,no,YES,\n"  # max_quota null: unlimited; city left as it is
        "L2,Bornova,warehouse,-3,7,1,0,İzmir\n"
    )
    result = run_import(app, write(tmp_path, "locations.csv", csv), "--kind", "stock_locations")

    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "stock_locations: 1 created, 1 updated, 0 unchanged",
        "  L1 is inactive: planning no longer chooses it; 0 packages still open there.",  # notices follow
    ]
    fresh()
    rows = {row.erp_code: row for row in db.session.scalars(select(StockLocation))}
    l1, l2 = rows["L1"], rows["L2"]
    assert (l1.name, l1.priority, l1.max_quota, l1.is_active, l1.is_pickup_location, l1.city) == (
        "Alsancak",
        5,
        None,
        False,
        True,
        "İzmir",
    )
    assert (l2.type, l2.priority, l2.max_quota, l2.is_active, l2.is_pickup_location) == (
        "warehouse",
        -3,
        7,
        True,
        False,
    )


BAD_FILES = [
    (
        "duplicate_sku.json",
        {"products": [{"sku": "Z", "name": "a"}, {"sku": "Y", "name": "b"}, {"sku": "Z", "name": "c"}]},
        "products: sku: Item 2: Z is listed more than once.",
    ),
    ("missing_name.json", {"products": [{"sku": "Y"}]}, "products: name: Item 0: This field is required."),
    (
        "unknown_carrier.yaml",
        "stock_locations:\n  - {erp_code: S9, name: S, default_cargo_company: nope}\n",
        "stock_locations: default_cargo_company: Item 0: Unknown cargo company nope.",
    ),
    (
        "negative_quota.yaml",
        "stock_locations:\n  - {erp_code: S9, name: S, max_quota: -1}\n",
        "stock_locations: max_quota: Item 0:",
    ),
    (
        "quota_sent.json",
        {"stock_locations": [{"erp_code": "S9", "name": "S", "quota": 3}]},
        "stock_locations: quota: Item 0: Derived",
    ),
    ("sku_a_number.yaml", "products:\n  - {sku: 1001, name: Shirt}\n", "products: sku: Item 0: Not a valid string."),
    ("unknown_key.yaml", "products: []\nwarehouses: []\n", "Unknown key(s): warehouses."),
    ("not_a_mapping.json", [{"sku": "A"}], "Expected a mapping"),
    ("broken.json", '{"products": [', "is not valid JSON"),
    ("broken.yaml", "products: [\n", "is not valid YAML"),
    (
        "unknown_stock_sku.json",
        {**WORLD, "stocks": [{"stock_location": "S1", "sku": "NOPE", "quantity": 1}]},
        "stocks: sku: Item 0: unknown SKU NOPE.",
    ),  # found while applying: the kinds before it are rolled back
    (
        "bad_boolean.csv",
        "erp_code,name,is_active\nS8,a,yes\nS9,b,maybe\n",
        "stock_locations: is_active: Item 1 (line 3): Must be a valid boolean.",
    ),
    ("duplicate.csv", "erp_code,name\nS8,a\n\nS8,b\n", "stock_locations: erp_code: Item 1 (line 4): S8 is listed"),
    ("extra_cells.csv", "erp_code,name\nS8,a,b\n", "Item 0 (line 2): more cells than the header names"),
    ("no_header_name.csv", "erp_code,,name\n", "column 2 of the header has no name"),
    ("products.txt", "sku\n", "use a .json, .yaml, .yml or .csv file"),
]


@pytest.mark.parametrize("name, content, message", BAD_FILES, ids=[case[0] for case in BAD_FILES])
def test_a_bad_file_stores_nothing_and_names_kind_item_and_field(app, tmp_path, name, content, message):
    product("A")
    options = ("--kind", "stock_locations") if name.endswith(".csv") else ()
    before = master_data()

    result = run_import(app, write(tmp_path, name, content), *options)

    assert result.exit_code != 0
    assert message in result.output, result.output
    assert "Nothing was imported." in result.output
    assert master_data() == before


def test_csv_needs_a_kind_and_other_files_do_not_take_one(app, tmp_path):
    csv = run_import(app, write(tmp_path, "p.csv", "sku,name\nZ,Zed\n"))
    json_with_kind = run_import(app, write(tmp_path, "p.json", {"products": []}), "--kind", "products")

    assert csv.exit_code != 0 and "--kind" in csv.output
    assert json_with_kind.exit_code != 0 and "--kind is for CSV files" in json_with_kind.output


def test_twenty_thousand_products_import_in_seconds_with_a_progress_bar(app, tmp_path, backend):
    rows = [
        {"sku": f"SKU-{n:05d}", "name": f"Product {n}", "barcode": f"869{n:010d}", "attributes": {"size": n % 7}}
        for n in range(20_000)
    ]
    path = write(tmp_path, "catalog.json", {"products": rows})

    started = time.monotonic()
    result = run_import(app, path)
    elapsed = time.monotonic() - started

    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "products: 20000 created, 0 updated, 0 unchanged"
    assert "products (20000 rows)" in result.stderr  # the bar, on stderr
    assert count(Product) == 20_000
    if backend == "sqlite":
        assert elapsed < 15, f"{elapsed:.1f} s"  # a few seconds on the 2-core machine; generous for a busy one

    rows[5]["name"] = "Renamed"
    again = run_import(app, write(tmp_path, "catalog.json", {"products": rows}))
    assert again.stdout.strip() == "products: 0 created, 1 updated, 19999 unchanged"
