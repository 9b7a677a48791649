"""The JSON API contract of DESIGN §5: command responses (§5.3), malformed requests, authentication
and location scope, the package shape (§5.1, §5.2), lists, reference data and Idempotency-Key.

The 200 bodies of the out-of-stock commands are checked in test_out_of_stock.py.
"""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from sqlalchemy import func, select

from oms_dashboard.extensions import db
from oms_dashboard.i18n import label_translations
from oms_dashboard.models import (
    ApiToken,
    CargoCompany,
    DenialReason,
    IdempotencyRecord,
    Transition,
    TransitionLog,
)
from oms_dashboard.selectors.transitions import runnable
from oms_dashboard.services.accounts import hash_key
from oms_dashboard.states import PackageStatus
from tests.helpers import (
    API,
    ApiClient,
    fresh,
    item_ids,
    location,
    location_id,
    nothing_changes,
    order,
    package,
    product,
    run,
    slug,
    snapshot,
    status_of,
    stock,
    token,
    transition,
)
from tests.invariants import assert_invariants

WAITING, PREPARING, PACKED, SHIPPED = (
    PackageStatus.WAITING,
    PackageStatus.PREPARING,
    PackageStatus.PACKED,
    PackageStatus.SHIPPED,
)

# DESIGN §5.3, byte for byte.
NEITHER_TRANSITION_NOR_SLUG = {"error": {"non_field_errors": "transition or slug required"}, "status_code": 400}
ID_SLUG_MISMATCH = {
    "error": {"non_field_errors": "Command id and slug mismatch", "error_code": "commands_100_5"},
    "status_code": 406,
}
COMMAND_NOT_ALLOWED = {
    "error": {
        "non_field_errors": (
            "Command definition is not allowed! Check source & destination states of command to be created"
        ),
        "error_code": "commands_100_1",
    },
    "status_code": 406,
}
NOT_FOUND = {"error": {"detail": "Not found."}, "status_code": 404}
NO_CREDENTIALS = {"error": {"detail": "Authentication credentials were not provided."}, "status_code": 401}
INVALID_TOKEN = {"error": {"detail": "Invalid token."}, "status_code": 401}

PACKAGE_KEYS = {
    "id",
    "number",
    "state",
    "stock_location",
    "order",
    "shipment",
    "packageitem_set",
    "commands",
    "created_date",
    "modified_date",
}
ITEM_KEYS = {"id", "order_item", "sku", "product_name", "barcode", "state"}
COMMAND_KEYS = {
    "id",
    "label",
    "ui_visibility",
    "slug",
    "created_date",
    "modified_date",
    "translations",
    "command",
    "source_state",
    "destination_state",
}


# --- the world -------------------------------------------------------------------------------


@pytest.fixture
def world(app):
    """Kadıköy (L1, at most 10 open packages) and Beşiktaş (L2, unlimited); A and B in stock at both."""
    location("L1", priority=80, name="Kadıköy", max_quota=10)
    location("L2", priority=70, name="Beşiktaş", kind="warehouse", cargo="aras")
    product("A", barcode="8690000000011", name="Tea Glass")
    product("B", barcode="8690000000028", name="Coffee Cup")
    for code in ("L1", "L2"):
        stock(code, "A", 200)
        stock(code, "B", 200)


@pytest.fixture
def api(client, world):
    """A token that may act on every location."""
    return ApiClient(client, token())


@pytest.fixture
def here(world):
    """Order 1001 (A and B): one package, waiting at L1."""
    [package_id] = order("1001", "A", "B", prefer="L1")
    return package_id


@pytest.fixture
def there(world):
    """Order 1002 (A): one package, waiting at L2."""
    [package_id] = order("1002", "A", prefer="L2")
    return package_id


def add_transition(
    *,
    slug: str,
    visibility: list[str],
    command: str = "PKG_STATE_TRANSITION",
    source: PackageStatus = WAITING,
    destination: PackageStatus = PREPARING,
) -> int:
    """A transition row as an installation could add it."""
    fresh()
    row = Transition(
        slug=slug,
        label=f"Custom {slug}",
        command=command,
        source_state=int(source),
        destination_state=int(destination),
        ui_visibility=visibility,
        config={},
    )
    db.session.add(row)
    db.session.commit()
    return row.id


def log_rows() -> int:
    fresh()
    return db.session.scalar(select(func.count()).select_from(TransitionLog))


def assert_bad_request(response, field: str, case: object = None) -> None:
    """400 `{"error": {"<field>": [messages]}, "status_code": 400}` naming exactly this field."""
    assert response.status_code == 400, (case, response.get_data(as_text=True))
    body = response.get_json()
    assert set(body) == {"error", "status_code"} and body["status_code"] == 400
    assert list(body["error"]) == [field], (case, body)
    messages = body["error"][field]
    if field == "non_field_errors":  # a string, as in seed 001's "transition or slug required"
        assert isinstance(messages, str) and messages
    else:
        assert isinstance(messages, list) and messages and all(isinstance(m, str) and m for m in messages)


def ids_of(response) -> set[int]:
    assert response.status_code == 200, response.get_data(as_text=True)
    return {package["id"] for package in response.get_json()["results"]}


# --- §5.3: every response of POST packages/{id}/command/ ---------------------------------------


def test_neither_transition_nor_slug_is_400_with_the_seed_body(api, here):
    for body in ({}, {"input_parameters": {}}, {"transition": None, "slug": None}, {"slug": ""}):
        with nothing_changes():
            response = api.command(here, body)
        assert response.status_code == 400
        assert response.get_json() == NEITHER_TRANSITION_NOR_SLUG


def test_transition_id_and_slug_naming_different_transitions_is_406_commands_100_5(api, here):
    start = transition("PKG_STATE_TRANSITION", WAITING)
    pack = transition("COMPLETE_PACKAGING", WAITING)

    with nothing_changes():
        response = api.command(here, {"transition": start.id, "slug": pack.slug})

    assert response.status_code == 406
    assert response.get_json() == ID_SLUG_MISMATCH


def test_transition_id_and_slug_naming_the_same_transition_run_it(api, here):
    start = transition("PKG_STATE_TRANSITION", WAITING)

    response = api.command(here, {"transition": start.id, "slug": start.slug})

    assert response.status_code == 204
    assert status_of(here) is PREPARING


def test_unknown_transition_id_is_406_commands_100_1(api, here):
    with nothing_changes():
        response = api.command(here, {"transition": 987654})
    assert response.status_code == 406
    assert response.get_json() == COMMAND_NOT_ALLOWED


def test_unknown_slug_is_406_commands_100_1(api, here):
    with nothing_changes():
        response = api.command(here, {"slug": "package__no_such_command__waiting__preparing"})
    assert response.status_code == 406
    assert response.get_json() == COMMAND_NOT_ALLOWED


def test_transition_from_another_state_is_406_commands_100_1(api, here):
    ship = transition("SHIP", PACKED)  # the package is waiting, not packed
    for body in ({"transition": ship.id}, {"slug": ship.slug}, {"transition": ship.id, "slug": ship.slug}):
        with nothing_changes():
            response = api.command(here, body)
        assert response.status_code == 406
        assert response.get_json() == COMMAND_NOT_ALLOWED
    assert status_of(here) is WAITING


def test_transition_not_visible_to_third_parties_is_406_commands_100_1(api, here):
    hidden = add_transition(slug="package__pkg_state_transition__waiting__preparing__managers", visibility=["oms_web"])

    for body in ({"transition": hidden}, {"slug": "package__pkg_state_transition__waiting__preparing__managers"}):
        with nothing_changes():
            response = api.command(here, body)
        assert response.status_code == 406
        assert response.get_json() == COMMAND_NOT_ALLOWED
    assert status_of(here) is WAITING


def test_unknown_package_is_404_not_found(api, here):
    with nothing_changes():
        response = api.command(here + 1000, {"slug": slug("PKG_STATE_TRANSITION", WAITING)})
    assert response.status_code == 404
    assert response.get_json() == NOT_FOUND


def test_state_only_command_answers_204_with_an_empty_body(api, here):
    logged = log_rows()

    response = api.command(here, {"slug": slug("PKG_STATE_TRANSITION", WAITING)})

    assert response.status_code == 204
    assert response.data == b""
    assert status_of(here) is PREPARING
    assert log_rows() == logged + 1
    assert_invariants()


def test_parameters_given_at_the_top_level_are_accepted_as_in_seed_000(api, here):
    a_item, b_item = item_ids(here)
    row = transition("DETECTED_OUT_OF_STOCK_ITEM", WAITING)

    response = api.command(here, {"transition": row.id, "slug": row.slug, "package": here, "package_items": [a_item]})

    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json()["is_same_location"] is True
    assert status_of(here) is PackageStatus.OUT_OF_STOCK
    detail = api.get(f"packages/{here}/").get_json()
    states = {item["id"]: item["state"]["slug"] for item in detail["packageitem_set"]}
    assert states == {a_item: "out_of_stock", b_item: "replanned"}
    assert_invariants()


@pytest.fixture
def other_order_item(world):
    """An item of another package (order 1099 at L2)."""
    [package_id] = order("1099", "B", prefer="L2")
    return item_ids(package_id)[0]


def test_bad_out_of_stock_input_is_400_naming_the_field(api, here, other_order_item):
    first = item_ids(here)[0]
    cases = [
        ({}, "package_items"),
        ({"package_items": "x"}, "package_items"),
        ({"package_items": [True]}, "package_items"),
        ({"package_items": ["one"]}, "package_items"),
        ({"package_items": []}, "package_items"),
        ({"package_items": 5}, "package_items"),
        ({"package_items": [987654]}, "package_items"),
        ({"package_items": [other_order_item]}, "package_items"),
        ({"package_items": [first, other_order_item]}, "package_items"),
        ({"package_items": [first], "denial_reason": 987654}, "denial_reason"),
        ({"package_items": [first], "denial_reason": "often"}, "denial_reason"),
        ({"package_items": [first], "reason": "lost"}, "reason"),
    ]
    for inputs, field in cases:
        with nothing_changes():
            response = api.run(here, "DETECTED_OUT_OF_STOCK_ITEM", **inputs)
        assert_bad_request(response, field, inputs)
    assert status_of(here) is WAITING


def test_refusing_without_a_known_denial_reason_is_400_naming_it(api, here):
    for inputs in ({}, {"denial_reason": 987654}, {"denial_reason": None}, {"denial_reason": [1]}):
        with nothing_changes():
            response = api.run(here, "REFUSE_WITH_DENIAL_REASON", **inputs)
        assert_bad_request(response, "denial_reason", inputs)


def test_inactive_denial_reason_is_refused_like_an_unknown_one(api, here):
    fresh()
    reason = db.session.scalars(select(DenialReason).order_by(DenialReason.id)).first()
    reason.is_active = False
    db.session.commit()

    with nothing_changes():
        response = api.run(here, "REFUSE_WITH_DENIAL_REASON", denial_reason=reason.id)

    assert_bad_request(response, "denial_reason")


@pytest.fixture
def packed(here):
    run(here, "COMPLETE_PACKAGING")
    return here


BAD_ADVANCED_SHIP_INPUTS = [
    ({"tracking_number": "TR123", "cargo_company": 987654}, "cargo_company"),
    ({"tracking_number": "TR123", "cargo_company": "no-such-carrier"}, "cargo_company"),
    ({"tracking_number": "TR123", "cargo_company": True}, "cargo_company"),
    ({"tracking_number": "TR123"}, "cargo_company"),
    ({"cargo_company": "aras"}, "tracking_number"),
    ({"tracking_number": "", "cargo_company": "aras"}, "tracking_number"),
    ({"tracking_number": 12.5, "cargo_company": "aras"}, "tracking_number"),
]


def test_bad_advanced_ship_input_is_400_naming_the_field(api, packed):
    for inputs, field in BAD_ADVANCED_SHIP_INPUTS:
        with nothing_changes():
            response = api.run(packed, "SHIP_ADVANCED", **inputs)
        assert_bad_request(response, field, inputs)
    assert status_of(packed) is PACKED


def test_advanced_ship_with_a_known_cargo_company_ships(api, packed):
    aras = db.session.scalars(select(CargoCompany).where(CargoCompany.erp_code == "aras")).one()

    response = api.run(packed, "SHIP_ADVANCED", tracking_number="AR-1", cargo_company=aras.id)

    assert response.status_code == 204
    shipment = api.get(f"packages/{packed}/").get_json()["shipment"]
    assert shipment["tracking_number"] == "AR-1" and shipment["cargo_company"]["erp_code"] == "aras"
    assert status_of(packed) is SHIPPED


@pytest.fixture
def shipped(packed):
    run(packed, "SHIP")
    return packed


def test_delivered_status_not_a_boolean_is_400_naming_it(api, shipped):
    for inputs in ({"delivered_status": value} for value in ("yes", "true", 1, 0, [True])):
        with nothing_changes():
            response = api.run(shipped, "UPDATE_SHIPMENT_STATUS", **inputs)
        assert_bad_request(response, "delivered_status", inputs)
    assert status_of(shipped) is SHIPPED


def test_delivered_status_true_delivers(api, shipped):
    assert api.run(shipped, "UPDATE_SHIPMENT_STATUS", delivered_status=True).status_code == 204
    assert status_of(shipped) is PackageStatus.DELIVERED


def test_ship_listing_only_some_items_is_400_naming_package_items(api, packed):
    first, _ = item_ids(packed)
    with nothing_changes():
        response = api.run(packed, "SHIP", package_items=[first])
    assert_bad_request(response, "package_items")


# --- malformed requests ----------------------------------------------------------------------


START_PREPARING = "package__pkg_state_transition__waiting__preparing"
MALFORMED_COMMAND_BODIES = [
    ("this is not JSON", "non_field_errors"),
    ('{"slug": ', "non_field_errors"),
    ("", "non_field_errors"),
    (b"\xff\xfe\x00", "non_field_errors"),
    ("null", "non_field_errors"),
    ('"slug"', "non_field_errors"),
    ("42", "non_field_errors"),
    ([], "non_field_errors"),
    ([{"slug": START_PREPARING}], "non_field_errors"),
    ({"transition": "abc"}, "transition"),
    ({"transition": True}, "transition"),
    ({"transition": 1.5}, "transition"),
    ({"transition": [1]}, "transition"),
    ({"transition": {"id": 1}}, "transition"),
    ({"slug": 5}, "slug"),
    ({"slug": [START_PREPARING]}, "slug"),
    ({"slug": True}, "slug"),
    ({"slug": START_PREPARING, "input_parameters": []}, "input_parameters"),
    ({"slug": START_PREPARING, "input_parameters": "x"}, "input_parameters"),
    ({"slug": START_PREPARING, "input_parameters": 3}, "input_parameters"),
]


def test_malformed_command_request_is_400_naming_the_field(api, here):
    for body, field in MALFORMED_COMMAND_BODIES:
        with nothing_changes():
            response = api.post_raw(f"packages/{here}/command/", body)
        assert_bad_request(response, field, body)
    assert status_of(here) is WAITING


def test_unroutable_api_paths_are_404_json(api, here):
    paths = ["packages/abc/", "packages/abc/command/", "packages/-1/", "packages/1.5/command/", "no-such-endpoint/"]
    for path in paths:
        with nothing_changes():
            response = api.client.open(
                f"{API}/{path}",
                method="POST" if path.endswith("command/") else "GET",
                headers=api.headers,
                json={"slug": slug("PKG_STATE_TRANSITION", WAITING)},
            )
        assert response.status_code == 404, path
        assert response.get_json() == NOT_FOUND, path


def test_wrong_http_method_is_405_json(api, here):
    for method, path in [
        ("GET", "packages/{id}/command/"),
        ("PUT", "packages/{id}/command/"),
        ("DELETE", "packages/{id}/"),
        ("POST", "packages/{id}/"),
        ("POST", "packages/"),
        ("POST", "stocklocations/"),
        ("PATCH", "cargo-company/"),
    ]:
        with nothing_changes():
            response = api.client.open(
                f"{API}/{path.format(id=here)}",
                method=method,
                headers=api.headers,
                json={"slug": slug("PKG_STATE_TRANSITION", WAITING)},
            )
        assert response.status_code == 405, (method, path)
        body = response.get_json()
        assert body["status_code"] == 405 and list(body["error"]) == ["detail"]
        assert method in body["error"]["detail"]


def test_405_names_the_allowed_methods_in_an_allow_header(api, here):
    response = api.client.get(f"{API}/packages/{here}/command/", headers=api.headers)
    assert response.status_code == 405
    assert "POST" in response.headers.get("Allow", "")


# DESIGN §5.3: "No request, however malformed, gets a 500." Ids beyond the database's integer range
# (2**31 - 1) once reached SQLite (OverflowError) and PostgreSQL (NumericValueOutOfRange) as 500s.
HUGE = 10**30


@pytest.mark.parametrize(
    "method, path, body, allowed",
    [
        ("GET", f"packages/{HUGE}/", None, {404}),
        ("GET", f"packages/{2**31}/", None, {404}),
        ("POST", f"packages/{HUGE}/command/", {"slug": "package__pkg_state_transition__waiting__preparing"}, {404}),
        ("POST", "packages/{id}/command/", {"transition": HUGE}, {400, 406}),
        ("POST", "packages/{id}/command/", {"transition": 2**31}, {400, 406}),
        (
            "POST",
            "packages/{id}/command/",
            {
                "slug": "package__refuse_with_denial_reason__waiting__needs_rescheduling",
                "input_parameters": {"denial_reason": HUGE},
            },
            {400},
        ),
        ("GET", f"packages/?stock_location={HUGE}", None, {200, 400}),
        ("GET", f"packages/?page={HUGE}", None, {400, 404}),
        ("GET", f"stocklocations/?page={2**62}", None, {400, 404}),
    ],
    ids=[
        "detail-id",
        "detail-id-2**31",
        "command-id",
        "transition",
        "transition-2**31",
        "denial-reason",
        "stock-location-filter",
        "page",
        "page-2**62",
    ],
)
def test_out_of_range_integers_are_refused_not_a_server_error(api, here, method, path, body, allowed):
    with nothing_changes():
        response = api.client.open(f"{API}/{path.format(id=here)}", method=method, headers=api.headers, json=body)
    assert response.status_code in allowed, response.get_data(as_text=True)
    assert response.get_json()["status_code"] == response.status_code


@pytest.mark.parametrize(
    "method, path, body, field",
    [
        ("POST", "packages/{id}/command/", {"slug": "package__pkg_state_transition__waiting\x00__preparing"}, "slug"),
        ("GET", "packages/?number=1001P1%00", None, "number"),
        ("GET", "packages/?sku=A%00", None, "sku"),
        ("GET", "packages/?stock_location__erp_code=L1%00", None, "stock_location__erp_code"),
        ("GET", "packages/?order__number=%00", None, "order__number"),
    ],
    ids=["slug", "number-filter", "sku-filter", "erp-code-filter", "order-number-filter"],
)
def test_nul_characters_are_refused_naming_the_field(api, here, method, path, body, field):
    with nothing_changes():
        response = api.client.open(f"{API}/{path.format(id=here)}", method=method, headers=api.headers, json=body)
    assert_bad_request(response, field)
    assert response.get_json()["error"][field] == ["Must not contain NUL characters."]


@pytest.mark.parametrize(
    "command, inputs",
    [
        ("SHIP_ADVANCED", {"tracking_number": "TR\x001", "cargo_company": "aras"}),
        ("SHIP", {"note\x00": "an extra key, kept in the transition log's input"}),
    ],
    ids=["tracking-number", "extra-input-key"],
)
def test_nul_character_in_a_stored_input_is_not_a_server_error(api, packed, command, inputs):
    with nothing_changes():
        response = api.run(packed, command, **inputs)
    assert response.status_code == 400, response.get_data(as_text=True)


def test_deeply_nested_json_is_400_not_a_server_error(api, here):
    with nothing_changes():
        response = api.post_raw(f"packages/{here}/command/", "[" * 100_000 + "]" * 100_000)
    assert_bad_request(response, "non_field_errors")


# --- authentication and location scope --------------------------------------------------------


def test_no_credentials_is_401_with_www_authenticate(client, here):
    paths = ["packages/", f"packages/{here}/", "stocklocations/", "cargo-company/", "packages/package_denial_reason/"]
    for path in paths:
        response = client.get(f"{API}/{path}")
        assert response.status_code == 401, path
        assert response.get_json() == NO_CREDENTIALS
        assert response.headers.get("WWW-Authenticate", "").startswith("Token")


def test_command_without_credentials_is_401_and_runs_nothing(client, here):
    with nothing_changes():
        response = client.post(f"{API}/packages/{here}/command/", json={"slug": slug("PKG_STATE_TRANSITION", WAITING)})
    assert response.status_code == 401
    assert response.get_json() == NO_CREDENTIALS
    assert "WWW-Authenticate" in response.headers


def test_authorization_header_without_a_token_key_is_401(client, here):
    key = token()
    for header in ("Token", "Token ", f"Bearer {key}", key):
        response = client.get(f"{API}/packages/{here}/", headers={"Authorization": header})
        assert response.status_code == 401, header
        assert response.get_json() == NO_CREDENTIALS
    assert client.get(f"{API}/packages/{here}/", headers={"Authorization": f"Token {key}"}).status_code == 200


def test_unknown_token_is_401_invalid_token(client, here):
    with nothing_changes():
        response = client.post(
            f"{API}/packages/{here}/command/",
            json={"slug": slug("PKG_STATE_TRANSITION", WAITING)},
            headers={"Authorization": "Token 0123456789abcdef0123456789abcdef01234567"},
        )
    assert response.status_code == 401
    assert response.get_json() == INVALID_TOKEN
    assert "WWW-Authenticate" in response.headers


def test_revoked_token_is_401(client, here):
    key = token(name="Old ERP")
    api = ApiClient(client, key)
    assert api.get(f"packages/{here}/").status_code == 200
    fresh()
    row = db.session.scalars(select(ApiToken).where(ApiToken.key_hash == hash_key(key))).one()
    row.revoked_date = datetime.now(timezone.utc)
    db.session.commit()

    assert api.get(f"packages/{here}/").status_code == 401
    assert api.get(f"packages/{here}/").get_json() == INVALID_TOKEN
    with nothing_changes():
        response = api.run(here, "PKG_STATE_TRANSITION")
    assert response.status_code == 401


@pytest.fixture
def kadikoy_token(client, world):
    """A token that may only act on L1."""
    return ApiClient(client, token("L1", name="Kadıköy POS"))


def test_location_token_gets_403_on_another_locations_package(kadikoy_token, here, there):
    response = kadikoy_token.get(f"packages/{there}/")
    assert response.status_code == 403
    body = response.get_json()
    assert body["status_code"] == 403 and list(body["error"]) == ["detail"]

    with nothing_changes():
        response = kadikoy_token.run(there, "PKG_STATE_TRANSITION")
    assert response.status_code == 403
    assert response.get_json()["status_code"] == 403
    assert status_of(there) is WAITING

    # Its own location's package: allowed.
    assert kadikoy_token.get(f"packages/{here}/").status_code == 200
    assert kadikoy_token.run(here, "PKG_STATE_TRANSITION").status_code == 204


def test_location_token_lists_only_its_own_locations_packages(kadikoy_token, api, here, there):
    [third] = order("1003", "B", prefer="L1")

    assert ids_of(kadikoy_token.get("packages/")) == {here, third}
    assert kadikoy_token.get("packages/").get_json()["count"] == 2
    assert ids_of(kadikoy_token.get("packages/", stock_location=location_id("L2"))) == set()
    assert ids_of(kadikoy_token.get("packages/", stock_location__erp_code="L2")) == set()
    assert ids_of(kadikoy_token.get("packages/", order__number="1002")) == set()
    assert ids_of(api.get("packages/")) == {here, there, third}


def test_location_token_lists_only_its_own_stock_locations(kadikoy_token, api):
    assert [row["erp_code"] for row in kadikoy_token.get("stocklocations/").get_json()["results"]] == ["L1"]
    assert kadikoy_token.get("stocklocations/").get_json()["count"] == 1
    assert sorted(row["erp_code"] for row in api.get("stocklocations/").get_json()["results"]) == ["L1", "L2"]


# --- §5.1, §5.2: the package ----------------------------------------------------------------


def expected_commands(status: PackageStatus, package_id: int) -> list[Transition]:
    """The transitions from `status` a token may run, less those this package rules out (a pickup-only
    command on a shipping order, Shipment Order once a carrier is booked …)."""
    fresh()
    rows = db.session.scalars(select(Transition).where(Transition.source_state == int(status)).order_by(Transition.id))
    return runnable([row for row in rows if "third_party" in (row.ui_visibility or [])], package(package_id))


def assert_commands(commands: list[dict], status: PackageStatus, package_id: int) -> None:
    expected = expected_commands(status, package_id)
    assert sorted(command["id"] for command in commands) == sorted(row.id for row in expected)
    by_id = {row.id: row for row in expected}
    for command in commands:
        assert set(command) == COMMAND_KEYS
        row = by_id[command["id"]]
        assert command["slug"] == row.slug and command["label"] == row.label and command["command"] == row.command
        assert command["source_state"] == int(status) and command["destination_state"] == row.destination_state
        assert "third_party" in command["ui_visibility"] and command["ui_visibility"] == row.ui_visibility
        # The installation's own, else the catalogue's Turkish label (docs/translations.md).
        assert command["translations"] == (row.translations or label_translations(row.label))
        for key in ("created_date", "modified_date"):
            assert datetime.fromisoformat(command[key].replace("Z", "+00:00")).tzinfo is not None


def test_package_detail_has_the_keys_and_values_of_design_5_1(api, here):
    response = api.get(f"packages/{here}/")

    assert response.status_code == 200
    body = response.get_json()
    assert PACKAGE_KEYS <= set(body)
    assert body["id"] == here and body["number"] == "1001P1"
    assert body["state"] == {"enum_value": 100, "name": "Pending", "slug": "waiting"}
    assert body["stock_location"] == {"id": location_id("L1"), "name": "Kadıköy", "erp_code": "L1"}
    assert set(body["order"]) == {"id", "number", "channel"} and body["order"]["number"] == "1001"
    assert body["shipment"] is None
    items = body["packageitem_set"]
    assert [item["id"] for item in items] == item_ids(here)
    for item in items:
        assert ITEM_KEYS <= set(item)
        assert isinstance(item["order_item"], int)
        assert item["state"] == {"enum_value": 100, "name": "Pending", "slug": "waiting"}
    assert sorted((item["sku"], item["product_name"], item["barcode"]) for item in items) == [
        ("A", "Tea Glass", "8690000000011"),
        ("B", "Coffee Cup", "8690000000028"),
    ]
    for key in ("created_date", "modified_date"):
        assert datetime.fromisoformat(body[key].replace("Z", "+00:00")).tzinfo is not None
    assert_commands(body["commands"], WAITING, here)
    assert {command["command"] for command in body["commands"]} == {
        "PKG_STATE_TRANSITION",
        "PKG_DEALLOCATE_RESERVATIONS",
        "COMPLETE_PACKAGING",
        "COMPLETE_PACKAGING_WITHOUT_SHIPMENT",
        "CHANNEL_BASED_COMPLETE_PACKAGING",
        "DETECTED_OUT_OF_STOCK_ITEM",
        "DETECTED_OUT_OF_STOCK_ITEM_ADVANCED",
        "PACKED_FOR_REFUND",
        "MANUAL_PLANNING",
        "REFUSE_WITH_DENIAL_REASON",
        "BLOCK",
        "REQUEST_CANCELLATION",
    }


def test_commands_list_only_transitions_visible_to_third_parties(api, here):
    managers = add_transition(slug="custom__waiting__preparing__managers", visibility=["oms_web"])
    staff = add_transition(slug="custom__waiting__preparing__staff", visibility=["instore", "oms_web"])
    nobody = add_transition(slug="custom__waiting__preparing__nobody", visibility=[])
    erp = add_transition(slug="custom__waiting__preparing__erp", visibility=["third_party"])
    elsewhere = add_transition(
        slug="custom__preparing__packed__erp", visibility=["third_party"], source=PREPARING, destination=PACKED
    )

    commands = api.get(f"packages/{here}/").get_json()["commands"]

    ids = {command["id"] for command in commands}
    assert erp in ids
    assert not ids & {managers, staff, nobody, elsewhere}
    assert_commands(commands, WAITING, here)
    # The list shows the same commands for each package.
    [listed] = api.get("packages/", number="1001P1").get_json()["results"]
    assert listed["commands"] == commands


def test_commands_follow_the_package_state_after_a_command(api, here):
    before = api.get(f"packages/{here}/").get_json()["commands"]
    start = next(c for c in before if c["command"] == "PKG_STATE_TRANSITION")
    assert start["destination_state"] == int(PREPARING)

    assert api.command(here, {"transition": start["id"]}).status_code == 204

    after = api.get(f"packages/{here}/").get_json()
    assert after["state"] == {"enum_value": 200, "name": "In Progress", "slug": "preparing"}
    assert_commands(after["commands"], PREPARING, here)
    assert start["id"] not in {command["id"] for command in after["commands"]}
    assert "PKG_DEALLOCATE_RESERVATIONS" not in {command["command"] for command in after["commands"]}

    pack = next(c for c in after["commands"] if c["command"] == "COMPLETE_PACKAGING")
    assert api.command(here, {"slug": pack["slug"]}).status_code == 204
    packed = api.get(f"packages/{here}/").get_json()
    assert packed["state"]["slug"] == "packed" and packed["shipment"] is not None
    assert_commands(packed["commands"], PACKED, here)
    assert {command["command"] for command in packed["commands"]} >= {"SHIP", "SHIP_ADVANCED"}


def test_unknown_package_detail_is_404_not_found(api, here):
    response = api.get(f"packages/{here + 1000}/")
    assert response.status_code == 404
    assert response.get_json() == NOT_FOUND


# --- GET packages/ ----------------------------------------------------------------------------


@pytest.fixture
def many(world):
    """105 packages: orders 2000-2104, one unit of A each, at L1 (even) or L2 (odd)."""
    return [order(str(2000 + n), "A", prefer="L1" if n % 2 == 0 else "L2")[0] for n in range(105)]


def test_package_list_pages_by_20_by_default_at_most_100_and_404_past_the_end(api, many):
    first = api.get("packages/")
    assert first.status_code == 200
    body = first.get_json()
    assert set(body) == {"count", "next", "previous", "results"}
    assert body["count"] == 105 and len(body["results"]) == 20
    assert body["previous"] is None and "page=2" in body["next"]

    second = api.client.get(body["next"], headers=api.headers).get_json()
    assert len(second["results"]) == 20 and "page=1" in second["previous"]
    assert not ids_of(first) & {p["id"] for p in second["results"]}

    capped = api.get("packages/", page_size=1000).get_json()
    assert capped["count"] == 105 and len(capped["results"]) == 100 and capped["next"] is not None
    last = api.client.get(capped["next"], headers=api.headers).get_json()
    assert len(last["results"]) == 5 and last["next"] is None
    assert {p["id"] for p in capped["results"]} | {p["id"] for p in last["results"]} == set(many)

    assert len(api.get("packages/", page_size=7).get_json()["results"]) == 7
    assert len(api.get("packages/", page=6, page_size=20).get_json()["results"]) == 5

    # A page past the end is a 404.
    response = api.get("packages/", page=7)
    assert response.status_code == 404
    assert response.get_json()["status_code"] == 404
    assert api.get("packages/", page=2, page_size=100).status_code == 200
    assert api.get("packages/", page=3, page_size=100).status_code == 404


def test_empty_package_list_has_a_first_page(api):
    assert api.get("packages/").get_json() == {"count": 0, "next": None, "previous": None, "results": []}


def test_invalid_page_parameters_are_400_naming_them(api, here):
    for param in ("page", "page_size"):
        for value in ("0", "-1", "x", "1.5"):
            assert_bad_request(api.get("packages/", **{param: value}), param, value)


@pytest.fixture
def spread(world):
    """1001 (A, B) waiting at L1; 1002 (A) waiting at L2; 1003 (B) preparing at L1."""
    [p1] = order("1001", "A", "B", prefer="L1")
    [p2] = order("1002", "A", prefer="L2")
    [p3] = order("1003", "B", prefer="L1")
    run(p3, "PKG_STATE_TRANSITION")
    return p1, p2, p3


def test_package_list_filters_narrow_the_results(api, spread):
    p1, p2, p3 = spread
    l1, l2 = location_id("L1"), location_id("L2")

    assert ids_of(api.get("packages/")) == {p1, p2, p3}
    assert ids_of(api.get("packages/", status=100)) == {p1, p2}
    assert ids_of(api.get("packages/", status=200)) == {p3}
    assert ids_of(api.get("packages/", status=500)) == set()
    assert ids_of(api.get("packages/", state__enum_value=100)) == {p1, p2}
    assert ids_of(api.get("packages/", state__enum_value=200)) == {p3}
    assert ids_of(api.get("packages/", stock_location=l1)) == {p1, p3}
    assert ids_of(api.get("packages/", stock_location=l2)) == {p2}
    assert ids_of(api.get("packages/", stock_location__erp_code="L1")) == {p1, p3}
    assert ids_of(api.get("packages/", stock_location__erp_code="L2")) == {p2}
    assert ids_of(api.get("packages/", stock_location__erp_code="L9")) == set()
    assert ids_of(api.get("packages/", number="1002P1")) == {p2}
    assert ids_of(api.get("packages/", number="1002")) == set()
    assert ids_of(api.get("packages/", order__number="1003")) == {p3}
    assert ids_of(api.get("packages/", order__number="9999")) == set()
    assert ids_of(api.get("packages/", sku="A")) == {p1, p2}
    assert ids_of(api.get("packages/", sku="B")) == {p1, p3}
    assert ids_of(api.get("packages/", sku="Z")) == set()
    # Filters combine.
    assert ids_of(api.get("packages/", status=100, stock_location__erp_code="L1")) == {p1}
    assert ids_of(api.get("packages/", sku="B", status=200)) == {p3}
    assert api.get("packages/", sku="A").get_json()["count"] == 2


def test_package_list_status_filter_follows_commands(api, spread):
    p1, p2, p3 = spread
    assert api.run(p1, "PKG_STATE_TRANSITION").status_code == 204
    assert ids_of(api.get("packages/", status=100)) == {p2}
    assert ids_of(api.get("packages/", status=200)) == {p1, p3}


def test_invalid_package_list_filters_are_400_naming_them(api, spread):
    for params, field in [
        ({"status": 999}, "status"),
        ({"status": "waiting"}, "status"),
        ({"status": "1.5"}, "status"),
        ({"state__enum_value": 12345}, "state__enum_value"),
        ({"state__enum_value": "x"}, "state__enum_value"),
        ({"stock_location": "L1"}, "stock_location"),
    ]:
        assert_bad_request(api.get("packages/", **params), field, params)


# --- reference data ----------------------------------------------------------------------------


def carrier(erp_code: str) -> dict:
    fresh()
    company = db.session.scalars(select(CargoCompany).where(CargoCompany.erp_code == erp_code)).one()
    return {"id": company.id, "name": company.name, "erp_code": erp_code}


def test_stock_locations_show_quota_and_available_quota(api, here, there):
    response = api.get("stocklocations/")

    assert response.status_code == 200
    body = response.get_json()
    assert set(body) == {"count", "next", "previous", "results"} and body["count"] == 2
    assert body["results"] == [
        {
            "id": location_id("L1"),
            "name": "Kadıköy",
            "erp_code": "L1",
            "type": "store",
            "priority": 80,
            "max_quota": 10,
            "quota": 1,
            "available_quota": 9,
            "is_active": True,
            "city": "İstanbul",
            "default_cargo_company": carrier("yurtici"),
            "remote_fulfilment": False,
            "is_pickup_location": False,
            "timezone": None,
        },
        {
            "id": location_id("L2"),
            "name": "Beşiktaş",
            "erp_code": "L2",
            "type": "warehouse",
            "priority": 70,
            "max_quota": None,
            "quota": 1,
            "available_quota": None,
            "is_active": True,
            "city": "İstanbul",
            "default_cargo_company": carrier("aras"),
            "remote_fulfilment": False,
            "is_pickup_location": False,
            "timezone": None,
        },
    ]

    # Packing releases L1's quota: available_quota = max_quota - quota.
    assert api.run(here, "COMPLETE_PACKAGING").status_code == 204
    [l1] = [row for row in api.get("stocklocations/").get_json()["results"] if row["erp_code"] == "L1"]
    assert (l1["max_quota"], l1["quota"], l1["available_quota"]) == (10, 0, 10)


def test_cargo_companies_list_every_carrier_with_its_label_mode_and_tracking_link(api):
    response = api.get("cargo-company/")

    assert response.status_code == 200
    body = response.get_json()
    fresh()
    companies = db.session.scalars(select(CargoCompany).order_by(CargoCompany.id)).all()
    assert body["count"] == len(companies) == 4
    assert body["results"] == [
        {
            "id": c.id,
            "name": c.name,
            "erp_code": c.erp_code,
            "label_mode": "sync",
            "tracking_url_template": None,
            "is_active": True,
        }
        for c in companies
    ]
    assert {row["erp_code"] for row in body["results"]} == {"yurtici", "aras", "mng", "ptt"}


def test_denial_reasons_list_id_title_is_active_and_priority(api):
    response = api.get("packages/package_denial_reason/")

    assert response.status_code == 200
    body = response.get_json()
    fresh()
    reasons = db.session.scalars(select(DenialReason)).all()
    assert body["count"] == len(reasons) == 5
    for row in body["results"]:
        assert set(row) == {"id", "title", "is_active", "priority"}
    assert sorted((r["id"], r["title"], r["is_active"], r["priority"]) for r in body["results"]) == sorted(
        (r.id, r.title, r.is_active, r.priority) for r in reasons
    )


def test_reference_lists_are_paginated_too(api):
    body = api.get("cargo-company/", page_size=3).get_json()
    assert len(body["results"]) == 3 and body["count"] == 4 and body["next"] is not None
    assert api.get("cargo-company/", page=3, page_size=3).status_code == 404
    assert_bad_request(api.get("packages/package_denial_reason/", page="x"), "page")
    assert_bad_request(api.get("stocklocations/", page_size=0), "page_size")


# --- Idempotency-Key ----------------------------------------------------------------------------


def idempotency_records() -> int:
    fresh()
    return db.session.scalar(select(func.count()).select_from(IdempotencyRecord))


def test_repeated_idempotency_key_replays_a_204_and_runs_once(api, here):
    body = {"slug": slug("PKG_STATE_TRANSITION", WAITING)}
    logged = log_rows()

    first = api.command(here, body, headers={"Idempotency-Key": "erp-42"})
    assert first.status_code == 204
    after_first = snapshot()

    second = api.command(here, body, headers={"Idempotency-Key": "erp-42"})

    # Without the key this would be a 406 (the package is no longer waiting).
    assert (second.status_code, second.data) == (204, b"")
    assert snapshot() == after_first
    assert log_rows() == logged + 1
    assert status_of(here) is PREPARING


def test_repeated_idempotency_key_replays_a_200_body_and_runs_once(api, here):
    a_item, _ = item_ids(here)
    body = {"slug": slug("DETECTED_OUT_OF_STOCK_ITEM", WAITING), "input_parameters": {"package_items": [a_item]}}

    first = api.command(here, body, headers={"Idempotency-Key": "erp-oos-1"})
    assert first.status_code == 200
    after_first = snapshot()

    second = api.command(here, body, headers={"Idempotency-Key": "erp-oos-1"})

    assert second.status_code == 200
    assert second.get_json() == first.get_json()
    assert snapshot() == after_first
    assert_invariants()


def test_same_idempotency_key_with_a_different_body_is_400(api, here, there):
    assert api.run(here, "PKG_STATE_TRANSITION", headers={"Idempotency-Key": "erp-7"}).status_code == 204

    with nothing_changes():
        other_body = api.command(
            here, {"slug": slug("COMPLETE_PACKAGING", PREPARING)}, headers={"Idempotency-Key": "erp-7"}
        )
        other_package = api.command(
            there, {"slug": slug("PKG_STATE_TRANSITION", WAITING)}, headers={"Idempotency-Key": "erp-7"}
        )

    assert_bad_request(other_body, "Idempotency-Key")
    assert_bad_request(other_package, "Idempotency-Key")
    assert status_of(here) is PREPARING and status_of(there) is WAITING


def test_failed_command_is_not_remembered_under_its_idempotency_key(api, here):
    body = {"slug": slug("PKG_STATE_TRANSITION", PREPARING)}  # preparing → ready; the package is waiting

    with nothing_changes():
        refused = api.command(here, body, headers={"Idempotency-Key": "erp-9"})
    assert refused.status_code == 406 and refused.get_json() == COMMAND_NOT_ALLOWED
    assert idempotency_records() == 0

    with nothing_changes():
        invalid = api.command(here, {"slug": 5}, headers={"Idempotency-Key": "erp-9"})
    assert_bad_request(invalid, "slug")

    run(here, "PKG_STATE_TRANSITION")  # now preparing: the same request can succeed
    retried = api.command(here, body, headers={"Idempotency-Key": "erp-9"})

    assert retried.status_code == 204
    assert status_of(here) is PackageStatus.READY_FOR_PACKAGING
    assert idempotency_records() == 1


def test_idempotency_keys_belong_to_one_token(client, api, here):
    body = {"slug": slug("PKG_STATE_TRANSITION", WAITING)}
    assert api.command(here, body, headers={"Idempotency-Key": "shared"}).status_code == 204

    other = ApiClient(client, token(name="Second ERP"))
    response = other.command(here, body, headers={"Idempotency-Key": "shared"})

    # Not the first token's replayed 204: the command really ran for this token, and was refused.
    assert response.status_code == 406
    assert response.get_json() == COMMAND_NOT_ALLOWED


def test_unusable_idempotency_key_is_400_naming_it(api, here):
    for key in ("", "k" * 256):
        with nothing_changes():
            response = api.run(here, "PKG_STATE_TRANSITION", headers={"Idempotency-Key": key})
        assert_bad_request(response, "Idempotency-Key", key)
    assert idempotency_records() == 0
