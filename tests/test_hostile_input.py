"""Hostile input at every door (issue 8): each case here answered 500, or was accepted, before the
strict input models. Bad input is a 400 naming the field (or the §5.3 error shape for 404/413/414)
and changes nothing.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.helpers import API, ApiClient, nothing_changes, order, sign_in, slug, token
from tests.test_api_contract import assert_bad_request

LOWEST_INTEGER = -(2**31)
BELOW_INTEGER = -(2**31) - 1
HUGE = 10**30


@pytest.fixture
def api(client, two_stores):
    return ApiClient(client, token())


@pytest.fixture
def here(two_stores):
    [package_id] = order("1001", "A", "B", prefer="L1")
    return package_id


def order_body(**overrides: Any) -> dict[str, Any]:
    body = {
        "number": "WEB-1",
        "channel": "web",
        "customer": {"first_name": "Ayşe", "last_name": "Yılmaz"},
        "shipping_address": {"city": "İstanbul", "line": "Moda Cd. 1"},
        "items": [{"sku": "A", "quantity": 1}],
    }
    return body | overrides


def send(api: ApiClient, method: str, path: str, raw: str | bytes):
    return api.client.open(
        f"{API}/{path}", method=method, data=raw, headers=api.headers | {"Content-Type": "application/json"}
    )


def with_lone_surrogate(body: Any, marker: str = "@SURROGATE@") -> str:
    """The JSON text of `body` with `marker` replaced by the escape of an unpaired surrogate."""
    return json.dumps(body).replace(marker, "\\ud800")


# --- NUL characters and unpaired surrogates in order, stock and slug strings ----------------------

ORDER_WITH_NUL = [
    ("number", order_body(number="WEB\x001")),
    ("channel", order_body(channel="web\x00")),
    ("customer", order_body(customer={"first_name": "Ay\x00şe"})),
    ("shipping_address", order_body(shipping_address={"city": "İstanbul\x00"})),
    ("items", order_body(items=[{"sku": "A\x00", "quantity": 1}])),
    ("notes", order_body(notes="leave at the door\x00")),
]


@pytest.mark.parametrize("field, body", ORDER_WITH_NUL, ids=[field for field, _ in ORDER_WITH_NUL])
def test_nul_in_an_order_string_is_400_naming_the_field(api, field, body):
    with nothing_changes():
        response = send(api, "POST", "orders/", json.dumps(body))
    assert_bad_request(response, field)


ORDER_WITH_SURROGATE = [
    ("number", order_body(number="WEB-@SURROGATE@")),
    ("customer", order_body(customer={"last_name": "@SURROGATE@"})),
    ("shipping_address", order_body(shipping_address={"city": "@SURROGATE@"})),
    ("items", order_body(items=[{"sku": "@SURROGATE@", "quantity": 1}])),
]


@pytest.mark.parametrize("field, body", ORDER_WITH_SURROGATE, ids=[field for field, _ in ORDER_WITH_SURROGATE])
def test_unpaired_surrogate_in_an_order_string_is_400_naming_the_field(api, field, body):
    with nothing_changes():
        response = send(api, "POST", "orders/", with_lone_surrogate(body))
    assert_bad_request(response, field)


@pytest.mark.parametrize("field", ["stock_location", "sku"])
@pytest.mark.parametrize("bad", ["\x00", "@SURROGATE@"], ids=["nul", "surrogate"])
def test_nul_or_unpaired_surrogate_in_a_stock_row_is_400_naming_the_field(api, field, bad):
    row = {"stock_location": "L1", "sku": "A", "quantity": 3} | {field: f"X{bad}"}
    with nothing_changes():
        response = send(api, "PUT", "stocks/", with_lone_surrogate([row]))
    assert_bad_request(response, field)


def test_unpaired_surrogate_in_a_slug_is_400_naming_it(api, here):
    body = {"slug": "package__pkg_state_transition__waiting__@SURROGATE@"}
    with nothing_changes():
        response = send(api, "POST", f"packages/{here}/command/", with_lone_surrogate(body))
    assert_bad_request(response, "slug")


def test_unpaired_surrogate_in_a_command_input_is_400_naming_it(api, here):
    body = {"slug": slug("SHIP_ADVANCED", 500), "input_parameters": {"tracking_number": "@SURROGATE@"}}
    with nothing_changes():
        response = send(api, "POST", f"packages/{here}/command/", with_lone_surrogate(body))
    assert_bad_request(response, "input_parameters")


def test_a_paired_surrogate_is_an_ordinary_character(api):
    """An emoji arrives as a surrogate pair in JSON escapes: that is valid text, not a lone surrogate."""
    body = json.dumps(order_body(customer={"first_name": "@PAIR@"})).replace("@PAIR@", "\\ud83d\\ude00")
    response = send(api, "POST", "orders/", body)
    assert response.status_code == 201, response.get_data(as_text=True)


# --- integers outside the database's integer range -------------------------------------------------

OUT_OF_RANGE_QUERIES = [
    ("packages/", "stock_location", BELOW_INTEGER),
    ("packages/", "stock_location", HUGE),
    ("packages/", "stock_location", -HUGE),
    ("packages/", "status", -HUGE),
    ("packages/", "page", -HUGE),
    ("packages/", "page_size", HUGE),
    ("transfer_orders/", "package", BELOW_INTEGER),
    ("transfer_orders/", "package", -HUGE),
    ("transfer_orders/", "page", HUGE),
    ("stocklocations/", "page", HUGE),
    ("cargo-company/", "page_size", -HUGE),
]


@pytest.mark.parametrize(
    "path, name, value", OUT_OF_RANGE_QUERIES, ids=[f"{p}{n}={v}" for p, n, v in OUT_OF_RANGE_QUERIES]
)
def test_out_of_range_integer_query_parameters_are_400_naming_them(api, here, path, name, value):
    response = api.get(path, **{name: value})
    assert_bad_request(response, name)


def test_the_lowest_integer_is_a_valid_filter_value_that_matches_nothing(api, here):
    response = api.get("packages/", stock_location=LOWEST_INTEGER)
    assert response.status_code in {200, 400}, response.get_data(as_text=True)


@pytest.mark.parametrize("value", [BELOW_INTEGER, -HUGE, 0, -1])
def test_out_of_range_transition_id_is_400_naming_it(api, here, value):
    with nothing_changes():
        response = api.command(here, {"transition": value})
    assert_bad_request(response, "transition")


@pytest.mark.parametrize("value", ["5", "1", 1.0, True])
def test_a_transition_id_must_be_a_json_integer(api, here, value):
    with nothing_changes():
        response = api.command(here, {"transition": value})
    assert_bad_request(response, "transition")


# --- JSON nested 100,000 deep -----------------------------------------------------------------------

DEEP_ARRAY = "[" * 100_000 + "]" * 100_000
DEEP_OBJECT = '{"a":' * 100_000 + "1" + "}" * 100_000


@pytest.mark.parametrize("raw", [DEEP_ARRAY, DEEP_OBJECT], ids=["array", "object"])
@pytest.mark.parametrize("method, path", [("POST", "orders/"), ("PUT", "stocks/"), ("POST", "packages/{id}/command/")])
def test_deeply_nested_json_is_400_on_every_body(api, here, method, path, raw):
    with nothing_changes():
        response = send(api, method, path.format(id=here), raw)
    assert_bad_request(response, "non_field_errors")


def test_json_nested_inside_an_order_field_is_refused_past_the_depth_limit(api):
    nested: Any = "deep"
    for _ in range(40):
        nested = {"x": nested}
    with nothing_changes():
        response = send(api, "POST", "orders/", json.dumps(order_body(customer={"note": nested})))
    assert response.status_code == 400, response.get_data(as_text=True)


@pytest.mark.parametrize("raw", ['{"number": NaN}', '{"number": Infinity}', '[{"quantity": -Infinity}]', "1e999"])
def test_nan_and_infinity_are_not_json(api, raw):
    with nothing_changes():
        response = send(api, "POST", "orders/", raw)
    assert response.status_code == 400, response.get_data(as_text=True)
    assert response.get_json()["status_code"] == 400


# --- a customer name that is not a string ----------------------------------------------------------

NOT_STRINGS = [5, 1.5, True, {"given": "Ayşe"}, ["Ayşe"]]


@pytest.mark.parametrize("value", NOT_STRINGS, ids=[type(v).__name__ for v in NOT_STRINGS])
@pytest.mark.parametrize("key", ["first_name", "last_name", "email", "phone"])
def test_customer_fields_must_be_strings(api, key, value):
    with nothing_changes():
        response = send(api, "POST", "orders/", json.dumps(order_body(customer={key: value})))
    assert_bad_request(response, "customer")


@pytest.mark.parametrize("value", NOT_STRINGS, ids=[type(v).__name__ for v in NOT_STRINGS])
@pytest.mark.parametrize("key", ["city", "line", "district"])
def test_address_fields_must_be_strings(api, key, value):
    address = {"city": "İstanbul"} | {key: value}
    with nothing_changes():
        response = send(api, "POST", "orders/", json.dumps(order_body(shipping_address=address)))
    assert_bad_request(response, "shipping_address")


def test_customer_and_address_fields_are_bounded(api):
    for body, field in [
        (order_body(customer={"first_name": "x" * 129}), "customer"),
        (order_body(customer={"loyalty_id": "x" * 513}), "customer"),
        (order_body(customer={f"extra_{n}": "x" for n in range(40)}), "customer"),
        (order_body(shipping_address={"city": "x" * 65}), "shipping_address"),
        (order_body(shipping_address={"city": "İstanbul", "line": "x" * 513}), "shipping_address"),
    ]:
        with nothing_changes():
            response = send(api, "POST", "orders/", json.dumps(body))
        assert_bad_request(response, field)


def test_extra_customer_and_address_keys_are_kept_as_strings_or_null(api):
    body = order_body(
        customer={"first_name": "Ayşe", "loyalty_id": "L-7", "middle_name": None},
        shipping_address={"city": "İstanbul", "district": "Kadıköy", "postcode": "34710", "floor": None},
    )
    response = send(api, "POST", "orders/", json.dumps(body))
    assert response.status_code == 201, response.get_data(as_text=True)


# --- request size and URI length ---------------------------------------------------------------------


def test_a_body_over_the_size_limit_is_413_in_the_error_shape(api, here):
    raw = json.dumps(order_body(notes="x" * 2000, padding="y" * (2 * 1024 * 1024)))
    with nothing_changes():
        response = send(api, "POST", "orders/", raw)
    assert response.status_code == 413
    assert response.get_json() == {"error": {"detail": response.get_json()["error"]["detail"]}, "status_code": 413}


def test_an_overlong_uri_is_414_in_the_error_shape(api, here):
    response = api.get("packages/", number="1" * 9000)
    assert response.status_code == 414
    body = response.get_json()
    assert body["status_code"] == 414 and list(body["error"]) == ["detail"]


def test_an_overlong_page_address_is_414_on_a_plain_page(client, two_stores):
    response = client.get("/packages/?q=" + "1" * 9000)
    assert response.status_code == 414
    assert "text/html" in response.content_type


# --- page query parameters ----------------------------------------------------------------------------


@pytest.fixture
def manager(client, two_stores):
    sign_in(client, "murat")  # the manager of the two stores
    return client


PAGE_QUERIES = [
    ("/transfers/list", "location", HUGE),
    ("/transfers/list", "location", BELOW_INTEGER),
    ("/transfers/list", "page", HUGE),
    ("/transfers/list", "page", 2**62),
    ("/transfers/list", "page", -HUGE),
    ("/packages/", "location", HUGE),
    ("/packages/", "page", HUGE),
    ("/packages/", "status", HUGE),
]


@pytest.mark.parametrize("path, name, value", PAGE_QUERIES, ids=[f"{p}?{n}={v}" for p, n, v in PAGE_QUERIES])
def test_out_of_range_page_query_parameters_are_400_naming_them(manager, path, name, value):
    response = manager.get(path, query_string={name: value})
    assert response.status_code == 400, response.get_data(as_text=True)
    assert name in response.get_data(as_text=True)
