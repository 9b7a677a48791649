"""A brand onboarded with no demo data and no SQL (DESIGN §5.1, "Done when" of the master-data issue):
from an empty, migrated database, the command line and the JSON API alone take the first orders, and the
same world can be built from one `oms import` file."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from oms_dashboard.config import PROJECT_ROOT
from oms_dashboard.extensions import db
from oms_dashboard.models import CargoCompany, Product, StockLocation, Transition, User
from tests.helpers import ApiClient, fresh, reset_database


@pytest.fixture
def empty(app):
    """The database as `flask db upgrade` leaves it: every table empty, not even `oms install`'s defaults."""
    reset_database(install=False)
    fresh()
    for model in (Transition, CargoCompany, StockLocation, Product, User):
        assert db.session.scalar(select(func.count()).select_from(model)) == 0
    return app


def cli(app, *args: str) -> str:
    result = app.test_cli_runner().invoke(args=list(args))
    assert result.exit_code == 0, f"{' '.join(args)}: {result.output}"
    return result.stdout


def order_body(number: str, sku: str, city: str = "İstanbul") -> dict[str, Any]:
    return {
        "number": number,
        "channel": "web",
        "customer": {"first_name": "Ayşe", "last_name": "Yılmaz"},
        "shipping_address": {"city": city, "line": "Moda Cd. 1"},
        "items": [{"sku": sku, "quantity": 1}],
    }


def place(api: ApiClient, body: dict[str, Any]) -> dict[str, Any]:
    """Place an order and return its one package as `GET packages/{id}/` shows it."""
    response = api.post_raw("orders/", body)
    assert response.status_code == 201, response.get_data(as_text=True)
    [package_id] = response.get_json()["packages"]
    return api.get(f"packages/{package_id}/").get_json()


def ok(response, status: int = 200) -> dict[str, Any]:
    assert response.status_code == status, response.get_data(as_text=True)
    return response.get_json()


def test_a_fresh_installation_takes_its_first_orders_through_the_api_alone(empty, client):
    app = empty
    assert "Installed: " in cli(app, "oms", "install")
    cli(app, "oms", "create-user", "admin", "--role", "admin", "--password", "s3cret-admin")
    key = cli(app, "oms", "create-token", "erp").strip()
    api = ApiClient(client, key)

    template = "https://track.example.com/?code={tracking_number}"
    carrier = {"erp_code": "hepsijet", "name": "HepsiJET", "label_mode": "async", "tracking_url_template": template}
    assert ok(api.put("cargo-company/", [carrier]))["created"] == ["hepsijet"]
    stores = [
        {"erp_code": "KDK", "name": "Kadıköy", "city": "İstanbul", "priority": 80, "max_quota": 5},
        {"erp_code": "BJK", "name": "Beşiktaş", "city": "İstanbul", "priority": 70, "max_quota": 20},
    ]
    assert ok(api.put("stocklocations/", [s | {"default_cargo_company": "hepsijet"} for s in stores]))["created"] == [
        "KDK",
        "BJK",
    ]
    products = [{"sku": "TEA-GLASS", "name": "Tea Glass", "barcode": "8690000000011"}]
    assert ok(api.put("products/", products))["created"] == ["TEA-GLASS"]
    stock = [{"stock_location": code, "sku": "TEA-GLASS", "quantity": 10} for code in ("KDK", "BJK")]
    assert ok(api.put("stocks/", stock)) == {"updated": 2}

    first = place(api, order_body("WEB-1", "TEA-GLASS"))
    assert first["stock_location"]["erp_code"] == "KDK" and first["state"]["slug"] == "waiting"

    # Kadıköy may hold no more open packages than it holds now: the next order goes to Beşiktaş.
    [kadikoy] = ok(api.get("stocklocations/", erp_code="KDK"))["results"]
    assert kadikoy["quota"] == 1
    changed = ok(api.patch(f"stocklocations/{kadikoy['id']}/", {"max_quota": kadikoy["quota"]}))
    assert (changed["max_quota"], changed["available_quota"]) == (1, 0)

    second = place(api, order_body("WEB-2", "TEA-GLASS"))
    assert second["stock_location"]["erp_code"] == "BJK" and second["state"]["slug"] == "waiting"
    assert {row["stock_location"]: row["reserved"] for row in ok(api.get("stocks/"))["results"]} == {"KDK": 1, "BJK": 1}

    assert "Revoked 1 token named erp." in cli(app, "oms", "revoke-token", "erp")
    refused = api.get("stocklocations/")
    assert refused.status_code == 401 and refused.get_json()["status_code"] == 401


def test_the_same_world_comes_from_one_import_file(empty, client):
    app = empty
    cli(app, "oms", "install")
    summary = cli(app, "oms", "import", str(PROJECT_ROOT / "examples" / "onboarding.yaml"))
    assert "stock_locations: 3 created" in summary and "products: 6 created" in summary
    api = ApiClient(client, cli(app, "oms", "create-token", "erp").strip())

    in_istanbul = place(api, order_body("WEB-1", "TSHIRT-WHT-M"))
    in_ankara = place(api, order_body("WEB-2", "TSHIRT-WHT-M", city="Ankara"))

    assert in_istanbul["stock_location"]["erp_code"] == "ST-KADIKOY" and in_istanbul["state"]["slug"] == "waiting"
    assert in_ankara["stock_location"]["erp_code"] == "ST-CANKAYA"
    assert [item["barcode"] for item in in_istanbul["packageitem_set"]] == ["8691234500017"]
