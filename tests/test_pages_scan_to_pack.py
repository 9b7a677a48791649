"""Scan to pack on the package page: each scan ticks an item off, a foreign or extra product is refused,
and Packaging Completed runs through the command service once every item is scanned."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from oms_dashboard.extensions import db
from oms_dashboard.models import TransitionLog
from oms_dashboard.states import PackageStatus
from tests.helpers import csrf_token, fresh, nothing_changes, order, run, sign_in, status_of

HTMX = {"HX-Request": "true"}
TEA = "8690000000011"
COFFEE = "8690000000028"
SCANNED = re.compile(r'name="scanned" value="([^"]*)"')


@pytest.fixture
def packing(client, two_stores):
    """Selin (Kadıköy) signed in; 1001 (Tea Glass, Coffee Cup) and 1002 (Coffee Cup) at Kadıköy, 2001 at Beşiktaş."""
    packages = {
        "two": order("1001", "A", "B", prefer="L1")[0],
        "other": order("1002", "B", prefer="L1")[0],
        "there": order("2001", "A", prefer="L2")[0],
    }
    sign_in(client, "selin")
    return packages


def scan(client, package_id: int, code: str, *scanned: str, headers=None):
    query = [("scanned", value) for value in scanned] + [("code", code)]
    return client.get(f"/packages/{package_id}/scan", query_string=query, headers=headers or {})


def test_the_package_page_offers_a_focused_scan_field_when_the_package_can_be_packed(client, packing):
    html = client.get(f"/packages/{packing['two']}").get_data(as_text=True)

    assert '<label for="scan-code">Scan a product' in html
    assert re.search(r'<input id="scan-code"[^>]*autofocus', html)
    assert "0 of 2 scanned" in html
    assert "js/scan.js" in html


def test_a_packed_package_has_no_scan_field(client, packing):
    run(packing["two"], "COMPLETE_PACKAGING")

    assert 'id="scan-code"' not in client.get(f"/packages/{packing['two']}").get_data(as_text=True)


def test_a_barcode_ticks_its_item_off_and_the_panel_carries_it_forward(client, packing):
    response = scan(client, packing["two"], TEA, headers=HTMX)
    html = response.get_data(as_text=True)

    assert response.status_code == 200
    assert "<html" not in html and 'id="scan-panel"' in html  # htmx gets the panel alone
    assert "1 of 2 scanned" in html and "Tea Glass (A) scanned." in html
    assert SCANNED.findall(html) == [TEA]
    assert 'data-scan-result="accepted"' in html
    assert 'id="scan-code"' in html and 'value="' + TEA not in html.split('id="scan-code"')[1][:200]


def test_a_sku_in_any_case_ticks_its_item_off_as_its_barcode(client, packing):
    html = scan(client, packing["two"], "b", TEA, headers=HTMX).get_data(as_text=True)

    assert "2 of 2 scanned" in html
    assert SCANNED.findall(html)[:2] == [TEA, COFFEE]
    assert "Packaging Completed" in html


def test_a_product_not_in_the_package_is_refused_and_nothing_changes(client, packing):
    with nothing_changes():
        response = scan(client, packing["two"], "8690000009999", TEA, headers=HTMX)
    html = response.get_data(as_text=True)

    assert response.status_code == 422
    assert re.search(r'role="alert">8690000009999 is not in this package', html)
    assert 'data-scan-result="refused"' in html
    assert "1 of 2 scanned" in html and SCANNED.findall(html) == [TEA]
    assert status_of(packing["two"]) == PackageStatus.WAITING


def test_a_product_scanned_more_times_than_the_package_holds_is_refused(client, packing):
    response = scan(client, packing["two"], TEA, TEA, headers=HTMX)
    html = response.get_data(as_text=True)

    assert response.status_code == 422
    assert "already scanned: the package holds 1 of it" in html
    assert SCANNED.findall(html) == [TEA]


def test_every_item_scanned_packs_through_the_command_service(client, packing):
    html = scan(client, packing["two"], COFFEE, TEA).get_data(as_text=True)
    response = client.post(
        f"/packages/{packing['two']}/scan/pack", data={"csrf_token": csrf_token(html), "scanned": [TEA, COFFEE]}
    )

    assert response.status_code == 302 and response.headers["Location"] == f"/packages/{packing['two']}"
    assert status_of(packing["two"]) == PackageStatus.PACKED
    fresh()
    log = db.session.scalars(
        select(TransitionLog).where(TransitionLog.package_id == packing["two"]).order_by(TransitionLog.id.desc())
    ).first()
    assert log.command == "CHANNEL_BASED_COMPLETE_PACKAGING"
    assert sorted(log.input_parameters["barcodes"]) == [TEA, COFFEE]
    assert "packed; every barcode matched" in client.get(f"/packages/{packing['two']}").get_data(as_text=True)


def test_packing_with_htmx_answers_the_package_with_what_happened(client, packing):
    html = client.get(f"/packages/{packing['other']}").get_data(as_text=True)
    response = client.post(
        f"/packages/{packing['other']}/scan/pack",
        data={"csrf_token": csrf_token(html), "scanned": [COFFEE]},
        headers=HTMX,
    )
    body = response.get_data(as_text=True)

    assert response.status_code == 200 and body.lstrip().startswith("{#") is False
    assert 'id="package"' in body and "<html" not in body
    assert "packed; every barcode matched" in body
    assert status_of(packing["other"]) == PackageStatus.PACKED


def test_packing_before_every_item_is_scanned_is_refused(client, packing):
    html = client.get(f"/packages/{packing['two']}").get_data(as_text=True)
    with nothing_changes():
        response = client.post(
            f"/packages/{packing['two']}/scan/pack", data={"csrf_token": csrf_token(html), "scanned": [TEA]}
        )

    assert response.status_code == 422
    assert "Scan every item first: 1 of 2 scanned." in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ([("code", "8" * 65)], "code"),
        ([("code", "a\x00b")], "code"),
        ([("code", "A"), ("code", "B")], "code"),
        ([("scanned", "")], "scanned"),
        ([("scanned", "9" * 65)], "scanned"),
        ([("scanned", "8690000009999"), ("code", "A")], "scanned"),
    ],
)
def test_bad_scan_input_is_a_400_naming_the_field(client, packing, query, field):
    with nothing_changes():
        response = client.get(f"/packages/{packing['two']}/scan", query_string=query)

    assert response.status_code == 400
    assert field in response.get_data(as_text=True)


def test_packing_refuses_more_codes_than_a_package_can_hold(client, packing):
    html = client.get(f"/packages/{packing['two']}").get_data(as_text=True)
    with nothing_changes():
        response = client.post(
            f"/packages/{packing['two']}/scan/pack", data={"csrf_token": csrf_token(html), "scanned": [TEA] * 1001}
        )

    assert response.status_code == 400 and "scanned" in response.get_data(as_text=True)


def test_another_locations_package_is_not_found(client, packing):
    html = client.get(f"/packages/{packing['two']}").get_data(as_text=True)

    assert scan(client, packing["there"], TEA).status_code == 404
    with nothing_changes():
        response = client.post(
            f"/packages/{packing['there']}/scan/pack", data={"csrf_token": csrf_token(html), "scanned": [TEA]}
        )
    assert response.status_code == 404


def test_scanning_another_package_number_opens_that_package(client, packing):
    plain = scan(client, packing["two"], "1002P1", TEA)
    htmx = scan(client, packing["two"], "1002P1", headers=HTMX)
    foreign = scan(client, packing["two"], "2001P1")

    assert plain.status_code == 302 and plain.headers["Location"] == f"/packages/{packing['other']}"
    assert htmx.status_code == 204 and htmx.headers["HX-Redirect"] == f"/packages/{packing['other']}"
    assert foreign.status_code == 422  # Beşiktaş's package is no item here and not Selin's to open


def test_the_scan_works_as_a_plain_form_without_javascript(client, packing):
    response = scan(client, packing["two"], "A")
    html = response.get_data(as_text=True)

    assert response.status_code == 200
    assert "<html" in html and "Package 1001P1" in html  # the whole page, with the panel's new state
    assert "1 of 2 scanned" in html
    assert re.search(r'<form method="get" action="/packages/\d+/scan"', html)


def test_a_product_without_a_barcode_is_scanned_by_sku_and_packed_plainly(client, packing):
    from oms_dashboard.services import catalog
    from tests.helpers import stock

    catalog.add_product(sku="TRAY-1", name="Serving Tray", barcode="")
    stock("L1", "TRAY-1", 3)
    [tray] = order("1003", "TRAY-1", prefer="L1")

    html = scan(client, tray, "tray-1").get_data(as_text=True)
    assert "1 of 1 scanned" in html and SCANNED.findall(html)[0] == "TRAY-1"
    response = client.post(f"/packages/{tray}/scan/pack", data={"csrf_token": csrf_token(html), "scanned": ["TRAY-1"]})

    assert response.status_code == 302 and status_of(tray) == PackageStatus.PACKED
    fresh()
    log = db.session.scalars(
        select(TransitionLog).where(TransitionLog.package_id == tray).order_by(TransitionLog.id.desc())
    ).first()
    assert log.command == "COMPLETE_PACKAGING"  # the barcode check cannot run without barcodes


def test_scanning_the_package_own_number_says_to_scan_its_products(client, packing):
    response = scan(client, packing["two"], "1001P1", TEA, headers=HTMX)

    assert response.status_code == 422
    assert "1001P1 is this package&#39;s own number: scan its products." in response.get_data(as_text=True)
