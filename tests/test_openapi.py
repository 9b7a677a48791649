"""The OpenAPI 3.1 document (`openapi.json`) and the docs page: complete, open without a token, and
generated from the code (a route the document lacks fails here)."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from oms_dashboard.security import content_security_policy
from tests.helpers import API

BODY_METHODS = {"post", "put", "patch"}


@pytest.fixture
def document(client):
    response = client.get(f"{API}/openapi.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    return response.get_json()


def operations(document):
    for path, item in document["paths"].items():
        for method, operation in item.items():
            yield path, method, operation


def test_the_document_is_openapi_3_1_and_needs_no_token(document):
    assert document["openapi"].startswith("3.1")
    assert document["components"]["securitySchemes"]["token"] == {
        "type": "apiKey",
        "in": "header",
        "name": "Authorization",
        "description": document["components"]["securitySchemes"]["token"]["description"],
    }


def test_every_api_route_is_in_the_document(app, document):
    documented = {(path, method) for path, method, _ in operations(document)}
    routes = set()
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith(f"{API}/"):
            continue
        path = re.sub(r"<(?:[^<>:]+:)?([^<>]+)>", r"{\1}", rule.rule)
        routes |= {(path, method.lower()) for method in rule.methods - {"HEAD", "OPTIONS"}}
    assert routes, "no API routes found"
    assert routes - documented == set(), "routes missing from openapi.json"
    assert documented - routes == set(), "documented operations without a route"


def test_operation_ids_are_the_view_names(document):
    ids = {operation["operationId"] for _, _, operation in operations(document)}
    assert {"package_list", "package_detail", "package_command", "order_intake", "stock_upsert"} <= ids
    assert all(re.fullmatch(r"[a-z_]+", operation_id) for operation_id in ids)


def test_every_operation_documents_its_errors(document):
    for path, method, operation in operations(document):
        statuses = set(operation["responses"])
        where = f"{method.upper()} {path}"
        assert {"400", "414", "503"} <= statuses, where
        assert operation["responses"]["503"]["headers"]["Retry-After"]["required"] is True, where
        if operation.get("security"):
            assert operation["security"] == [{"token": []}], where
            assert "401" in statuses, where
            assert "WWW-Authenticate" in operation["responses"]["401"]["headers"], where
        if "{" in path:
            assert "404" in statuses, where
        if method in BODY_METHODS:
            assert "requestBody" in operation and "413" in statuses, where
        if path.endswith("/command/"):
            assert {"200", "204", "403", "404", "406"} <= statuses, where
        assert any(status.startswith("2") for status in statuses), where


def test_documentation_is_the_only_open_part(document):
    open_paths = {path for path, _, operation in operations(document) if not operation.get("security")}
    assert open_paths == {f"{API}/openapi.json", f"{API}/docs/", f"{API}/docs/{{asset}}"}


def test_error_bodies_are_the_design_shapes(document):
    schemas = document["components"]["schemas"]
    assert schemas["FieldErrors"]["required"] == ["error", "status_code"]
    refusal = schemas["CommandRefusal"]["properties"]["error_code"]
    assert set(refusal["enum"]) == {"commands_100_1", "commands_100_5", "planning_100_1"}


def test_command_inputs_are_described_as_any_of_the_command_models(document):
    body = document["components"]["schemas"]["CommandBody"]["properties"]["input_parameters"]
    refs = {option.get("$ref", "").rsplit("/", 1)[-1] for option in body["anyOf"]}
    assert {"OutOfStockInput", "ShipAdvancedInput", "ManualPlanningInput", "NoInput"} <= refs


def test_limits_are_in_the_document(document):
    schemas = document["components"]["schemas"]
    customer = schemas["Customer"]
    assert customer["properties"]["first_name"]["anyOf"][0]["maxLength"] == 128
    assert customer["additionalProperties"]["anyOf"][0]["maxLength"] == 512
    assert customer["maxProperties"] == 24
    line = schemas["OrderLine"]["properties"]["quantity"]
    assert (line["minimum"], line["maximum"]) == (1, 1000)
    transition = schemas["CommandBody"]["properties"]["transition"]["anyOf"][0]
    assert (transition["minimum"], transition["maximum"]) == (1, 2**31 - 1)


# --- the docs page -----------------------------------------------------------------------------------


class _Inline(HTMLParser):
    """Collects what a strict CSP would block: inline scripts, style elements and style attributes."""

    def __init__(self):
        super().__init__()
        self.inline: list[str] = []
        self.assets: list[str] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if "style" in attributes or any(name.startswith("on") for name in attributes):
            self.inline.append(f"<{tag}> attribute")
        if tag == "style":
            self.inline.append("<style>")
        if tag == "script" and "src" not in attributes:
            self.inline.append("<script> without src")
        for name in ("src", "href"):
            if tag in {"script", "link"} and attributes.get(name):
                self.assets.append(attributes[name])


def test_the_docs_page_needs_no_token_and_has_nothing_inline(client):
    response = client.get(f"{API}/docs/")
    assert response.status_code == 200 and response.mimetype == "text/html"
    assert response.headers["Content-Security-Policy"] == content_security_policy()  # the strict one, no CDN
    parser = _Inline()
    parser.feed(response.get_data(as_text=True))
    assert parser.inline == []
    assert parser.assets, "the page loads no assets"
    for asset in parser.assets:
        assert asset.startswith("/"), f"{asset} is not served by the app"
        fetched = client.get(asset)
        assert fetched.status_code == 200, asset
        assert fetched.get_data(), asset


def test_unknown_docs_assets_are_refused(client):
    for name in ("nope.js", "..%2Fopenapi.json", "swagger-ui-standalone-preset.js"):
        response = client.get(f"{API}/docs/{name}")
        assert response.status_code in {400, 404}, name
        assert response.get_json()["status_code"] == response.status_code


@pytest.mark.browser
def test_the_docs_page_lists_the_operations_under_the_csp(page, live_server, backend):
    violations: list[str] = []
    page.on(
        "console",
        lambda message: violations.append(message.text) if "Content Security Policy" in message.text else None,
    )
    page.add_init_script(
        "document.addEventListener('securitypolicyviolation',"
        " e => { (window.__csp = window.__csp || []).push(e.violatedDirective + ' ' + e.blockedURI); });"
    )
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))

    page.goto(f"{live_server}{API}/docs/")

    page.get_by_text("OMS Dashboard API").first.wait_for()
    for path in ("/api/v1/oms/packages/{package_id}/command/", "/api/v1/oms/orders/", "/api/v1/oms/stocks/"):
        page.locator(".opblock-summary-path", has_text=re.compile(f"^{re.escape(path)}$")).first.wait_for()
    page.locator(".opblock").first.click()  # expand one operation: the rendering path with the most styling
    page.locator(".opblock-body").first.wait_for()
    assert page.evaluate("window.__csp || []") == []
    assert violations == []
    assert all(url.startswith(live_server) or url.startswith("data:") for url in requests), requests
