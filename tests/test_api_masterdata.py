"""Master data through the JSON API (DESIGN §5.1 "Master data"): upserts of stock locations, products and
cargo companies, changes to one location, denial reasons; who may write them; bad input refused whole.

The lists (`GET products/`, `GET stocks/`, `GET cargo-company/`) are in test_api_masterdata_lists.py.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import select

from oms_dashboard.extensions import db
from oms_dashboard.models import CargoCompany, DenialReason, OutboxEvent, Product, Stock, StockLocation
from tests.helpers import ApiClient, clear_outbox, fresh, location, location_id, order, product, stock, token

FORBIDDEN_DETAIL = "Only a token without a location restriction may change master data."


@pytest.fixture
def world(app):
    """Kadıköy (L1, at most 10 open packages) and Beşiktaş (L2); products A and B in stock at both."""
    location("L1", priority=80, name="Kadıköy", max_quota=10)
    location("L2", priority=70, name="Beşiktaş", cargo="aras")
    product("A", barcode="8690000000011", name="Tea Glass")
    product("B", barcode="8690000000028", name="Coffee Cup")
    for code in ("L1", "L2"):
        stock(code, "A", 20)
        stock(code, "B", 20)


@pytest.fixture
def api(client, world):
    clear_outbox()  # the world's own locations announced themselves; the tests count their own events
    return ApiClient(client, token(name="ERP"))


@pytest.fixture
def kadikoy(client, world):
    """A token restricted to L1."""
    return ApiClient(client, token("L1", name="Kadıköy till"))


def master_data() -> dict[str, Any]:
    """Every master-data row and event, to show a refused request stored nothing."""
    fresh()
    tables = (StockLocation, Product, CargoCompany, DenialReason, Stock, OutboxEvent)
    return {
        model.__tablename__: sorted(tuple(row) for row in db.session.execute(select(model.__table__)).all())
        for model in tables
    }


@contextmanager
def nothing_stored():
    before = master_data()
    yield
    assert master_data() == before


def assert_refused(response, field: str, *fragments: str) -> None:
    assert response.status_code == 400, response.get_data(as_text=True)
    body = response.get_json()
    assert body["status_code"] == 400 and field in body["error"], body
    message = " ".join(body["error"][field])
    assert all(fragment in message for fragment in fragments), message


def events(event_type: str) -> list[OutboxEvent]:
    fresh()
    return list(db.session.scalars(select(OutboxEvent).where(OutboxEvent.event_type == event_type)))


# --- PUT stocklocations/ -----------------------------------------------------------------------------


def test_location_upsert_answers_what_it_created_updated_and_left_alone(api):
    response = api.put(
        "stocklocations/",
        [
            {"erp_code": "L3", "name": "Üsküdar", "city": "İstanbul", "max_quota": 5, "default_cargo_company": "mng"},
            {"erp_code": "L1", "name": "Kadıköy Çarşı"},
            {"erp_code": "L2", "name": "Beşiktaş", "priority": 70},
        ],
    )

    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json() == {"created": ["L3"], "updated": ["L1"], "unchanged": ["L2"], "notices": []}
    [l3] = api.get("stocklocations/", erp_code="L3").get_json()["results"]
    assert l3 | {"id": 0} == {
        "id": 0,
        "name": "Üsküdar",
        "erp_code": "L3",
        "type": "store",
        "priority": 0,
        "max_quota": 5,
        "quota": 0,
        "available_quota": 5,
        "is_active": True,
        "city": "İstanbul",
        "default_cargo_company": {"id": l3["default_cargo_company"]["id"], "name": "MNG Kargo", "erp_code": "mng"},
        "remote_fulfilment": False,
        "is_pickup_location": False,
        "timezone": None,
    }
    [l1] = api.get("stocklocations/", erp_code="L1").get_json()["results"]
    assert (l1["name"], l1["max_quota"], l1["priority"]) == ("Kadıköy Çarşı", 10, 80)  # only the fields sent change


def test_location_changes_are_outbox_events_naming_the_location(api):
    api.put("stocklocations/", [{"erp_code": "L3", "name": "Üsküdar"}, {"erp_code": "L1", "max_quota": 3, "name": "K"}])

    [created] = events("stock_location.created")
    [updated] = events("stock_location.updated")
    assert created.stock_location_id == location_id("L3") and created.payload["payload"]["erp_code"] == "L3"
    assert updated.stock_location_id == location_id("L1") and updated.payload["payload"]["max_quota"] == 3

    api.put("stocklocations/", [{"erp_code": "L1", "max_quota": 3}])  # unchanged: no event
    assert len(events("stock_location.updated")) == 1


# --- PATCH stocklocations/{id}/ ----------------------------------------------------------------------


def test_patching_a_location_answers_it_as_the_list_shows_it(api):
    response = api.patch(f"stocklocations/{location_id('L2')}/", {"max_quota": 4, "default_cargo_company": "ptt"})

    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()
    [listed] = api.get("stocklocations/", erp_code="L2").get_json()["results"]
    assert body == listed | {"notices": []}
    assert body["default_cargo_company"]["erp_code"] == "ptt" and body["available_quota"] == 4
    [event] = events("stock_location.updated")
    assert event.payload["payload"]["default_cargo_company"]["erp_code"] == "ptt"


def test_patching_an_unknown_location_is_404(api):
    with nothing_stored():
        response = api.patch("stocklocations/987654/", {"max_quota": 4})
    assert response.status_code == 404
    assert response.get_json() == {"error": {"detail": "Not found."}, "status_code": 404}


def test_deactivating_a_location_says_how_many_packages_are_still_open_there(api):
    for number in ("1001", "1002", "1003"):
        order(number, "A", prefer="L1")

    response = api.patch(f"stocklocations/{location_id('L1')}/", {"is_active": False})

    assert response.status_code == 200
    assert response.get_json()["is_active"] is False
    assert response.get_json()["notices"] == [
        "L1 is inactive: planning no longer chooses it; 3 packages still open there."
    ]
    batch = api.put("stocklocations/", [{"erp_code": "L2", "name": "Beşiktaş", "is_active": False}]).get_json()
    assert batch["updated"] == ["L2"]
    assert batch["notices"] == ["L2 is inactive: planning no longer chooses it; 0 packages still open there."]


def test_lowering_max_quota_below_the_quota_in_use_leaves_available_quota_at_zero(api):
    order("1001", "A", prefer="L1")
    order("1002", "B", prefer="L1")

    body = api.patch(f"stocklocations/{location_id('L1')}/", {"max_quota": 1}).get_json()

    assert (body["max_quota"], body["quota"], body["available_quota"]) == (1, 2, 0)
    [listed] = api.get("stocklocations/", erp_code="L1").get_json()["results"]
    assert listed["available_quota"] == 0


# --- products, carriers, denial reasons ----------------------------------------------------------------


def test_product_upsert_creates_updates_and_leaves_alone_by_sku(api):
    rows = [
        {"sku": "C", "name": "Saucer", "barcode": "8690000000035", "attributes": {"colour": "white", "set": 6}},
        {"sku": "A", "name": "Tea Glass", "barcode": "8690000000042"},
        {"sku": "B", "name": "Coffee Cup"},
    ]
    response = api.put("products/", rows)

    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json() == {"created": ["C"], "updated": ["A"], "unchanged": ["B"], "notices": []}
    [c] = api.get("products/", sku="C").get_json()["results"]
    assert c["attributes"] == {"colour": "white", "set": 6} and c["image_url"] is None
    assert api.put("products/", rows).get_json()["unchanged"] == ["C", "A", "B"]
    # JSON's true is not 1, though Python finds them equal
    flag = api.put("products/", [{"sku": "C", "name": "Saucer", "attributes": {"colour": "white", "set": True}}])
    assert flag.get_json()["updated"] == ["C"]
    assert api.get("products/", sku="C").get_json()["results"][0]["attributes"] == {"colour": "white", "set": True}


def test_carrier_upsert_creates_and_updates_by_erp_code(api):
    template = "https://track.example.com/?code={tracking_number}"
    response = api.put(
        "cargo-company/",
        [
            {"erp_code": "hepsijet", "name": "HepsiJET", "label_mode": "async", "tracking_url_template": template},
            {"erp_code": "aras", "name": "Aras Kargo", "is_active": False},
            {"erp_code": "mng", "name": "MNG Kargo"},
        ],
    )

    assert response.get_json() == {"created": ["hepsijet"], "updated": ["aras"], "unchanged": ["mng"], "notices": []}
    fresh()
    carrier = db.session.scalars(select(CargoCompany).where(CargoCompany.erp_code == "hepsijet")).one()
    assert (carrier.label_mode, carrier.tracking_url_template, carrier.is_active) == ("async", template, True)


def test_denial_reasons_are_added_changed_and_deactivated(api):
    created = api.post_raw("packages/package_denial_reason/", {"title": "Address unreachable", "priority": 60})

    assert created.status_code == 201, created.get_data(as_text=True)
    reason = created.get_json()
    assert reason == {"id": reason["id"], "title": "Address unreachable", "is_active": True, "priority": 60}

    changed = api.patch(f"packages/package_denial_reason/{reason['id']}/", {"is_active": False})
    assert changed.status_code == 200
    assert changed.get_json() == reason | {"is_active": False}
    listed = api.get("packages/package_denial_reason/", page_size=100).get_json()["results"]
    assert reason | {"is_active": False} in listed

    with nothing_stored():
        taken = api.post_raw("packages/package_denial_reason/", {"title": "Address unreachable"})
        unknown = api.patch("packages/package_denial_reason/987654/", {"is_active": False})
    assert_refused(taken, "title", "already exists")
    assert unknown.status_code == 404


# --- who may write -----------------------------------------------------------------------------------

WRITES = [
    ("PUT", "stocklocations/", [{"erp_code": "L9", "name": "New"}]),
    ("PATCH", "stocklocations/{L1}/", {"max_quota": 1}),
    ("PUT", "products/", [{"sku": "Z", "name": "Zed"}]),
    ("PUT", "cargo-company/", [{"erp_code": "new", "name": "New Kargo"}]),
    ("POST", "packages/package_denial_reason/", {"title": "New reason"}),
    ("PATCH", "packages/package_denial_reason/1/", {"is_active": False}),
    ("PUT", "products/", "not even a list"),  # 403 before the body is read
]


@pytest.mark.parametrize("method, path, body", WRITES, ids=[f"{m} {p}" for m, p, _ in WRITES])
def test_a_location_restricted_token_may_not_write_master_data(kadikoy, method, path, body):
    with nothing_stored():
        response = kadikoy.send(method, path.format(L1=location_id("L1")), body)

    assert response.status_code == 403, response.get_data(as_text=True)
    assert response.get_json() == {"error": {"detail": FORBIDDEN_DETAIL}, "status_code": 403}


def test_a_location_restricted_token_may_read_master_data(kadikoy):
    for path in ("products/", "cargo-company/", "packages/package_denial_reason/", "stocklocations/", "stocks/"):
        assert kadikoy.get(path).status_code == 200, path


# --- bad input: 400 naming the item and the field, nothing stored --------------------------------------

LONG = "x" * 129
BAD_LOCATIONS = [
    ("duplicate_erp_code", [{"erp_code": "L5", "name": "a"}, {"erp_code": "L5", "name": "b"}], "erp_code", "Item 1"),
    ("unknown_carrier", [{"erp_code": "L5", "name": "a", "default_cargo_company": "nope"}], "default_cargo_company"),
    (
        "negative_max_quota",
        [{"erp_code": "L5", "name": "a"}, {"erp_code": "L6", "name": "b", "max_quota": -1}],
        "max_quota",
        "Item 1",
    ),
    ("name_too_long", [{"erp_code": "L5", "name": LONG}], "name", "Item 0"),
    ("erp_code_too_long", [{"erp_code": "x" * 65, "name": "a"}], "erp_code", "Item 0"),
    ("priority_a_word", [{"erp_code": "L5", "name": "a", "priority": "high"}], "priority", "Item 0"),
    ("max_quota_a_fraction", [{"erp_code": "L5", "name": "a", "max_quota": 2.5}], "max_quota", "Item 0"),
    ("is_active_a_string", [{"erp_code": "L5", "name": "a", "is_active": "yes"}], "is_active", "Item 0"),
    ("unknown_type", [{"erp_code": "L5", "name": "a", "type": "kiosk"}], "type", "Item 0"),
    ("quota_sent", [{"erp_code": "L1", "name": "K", "quota": 0}], "quota", "Item 0", "Derived"),
    ("available_quota_sent", [{"erp_code": "L1", "name": "K", "available_quota": 3}], "available_quota", "Derived"),
    ("unknown_field", [{"erp_code": "L5", "name": "a", "colour": "red"}], "colour", "Unknown field"),
    ("missing_name", [{"erp_code": "L5"}], "name", "Item 0", "required"),
    ("empty_list", [], "non_field_errors"),
]


@pytest.mark.parametrize(
    "case, body, field, fragments",
    [(c[0], c[1], c[2], c[3:]) for c in BAD_LOCATIONS],
    ids=[c[0] for c in BAD_LOCATIONS],
)
def test_bad_location_rows_are_refused_whole(api, case, body, field, fragments):
    good = {"erp_code": "L7", "name": "Would be new"}
    with nothing_stored():
        response = api.put("stocklocations/", body if case in {"duplicate_erp_code", "empty_list"} else [*body, good])
    assert_refused(response, field, *fragments)


@pytest.mark.parametrize(
    "body, field, fragment",
    [
        ({"quota": 2}, "quota", "Derived"),
        ({"max_quota": -5}, "max_quota", "greater than or equal to 0"),
        ({"max_quota": "ten"}, "max_quota", "integer"),
        ({"name": None}, "name", ""),
        ({"default_cargo_company": "nope"}, "default_cargo_company", "Unknown cargo company nope"),
        ({"city": "y" * 65}, "city", "64"),
    ],
)
def test_bad_location_changes_are_refused(api, body, field, fragment):
    with nothing_stored():
        response = api.patch(f"stocklocations/{location_id('L1')}/", body)
    assert_refused(response, field, fragment)


# Sent after a good row (item 0): the bad one is item 1 (the repeated SKU is item 2).
BAD_PRODUCTS = [
    ("duplicate_sku", [{"sku": "Z", "name": "a"}, {"sku": "Z", "name": "b"}], "sku", "Item 2", "more than once"),
    ("name_too_long", [{"sku": "Z", "name": "n" * 256}], "name", "Item 1"),
    ("barcode_a_number", [{"sku": "Z", "name": "a", "barcode": 869}], "barcode", "Item 1"),
    ("nested_attribute", [{"sku": "Z", "name": "a", "attributes": {"size": {"eu": 42}}}], "attributes", "Item 1"),
    ("too_many_attributes", [{"sku": "Z", "name": "a", "attributes": {f"k{n}": n for n in range(51)}}], "attributes"),
]


@pytest.mark.parametrize(
    "body, field, fragments", [(c[1], c[2], c[3:]) for c in BAD_PRODUCTS], ids=[c[0] for c in BAD_PRODUCTS]
)
def test_bad_product_rows_are_refused_whole(api, body, field, fragments):
    with nothing_stored():
        response = api.put("products/", [{"sku": "NEW", "name": "Would be new"}, *body])
    assert_refused(response, field, *fragments)


BAD_CARRIERS = [
    ("duplicate_erp_code", [{"erp_code": "x", "name": "a"}, {"erp_code": "x", "name": "b"}], "erp_code"),
    ("unknown_label_mode", [{"erp_code": "x", "name": "a", "label_mode": "later"}], "label_mode"),
    (
        "template_without_placeholder",
        [{"erp_code": "x", "name": "a", "tracking_url_template": "https://t"}],
        "tracking_url_template",
    ),
]


@pytest.mark.parametrize("case, body, field", BAD_CARRIERS, ids=[c[0] for c in BAD_CARRIERS])
def test_bad_carrier_rows_are_refused_whole(api, case, body, field):
    with nothing_stored():
        response = api.put("cargo-company/", [{"erp_code": "new", "name": "Would be new"}, *body])
    assert_refused(response, field, "Item")
