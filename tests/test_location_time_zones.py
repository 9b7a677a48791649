"""A stock location's time zone (docs/translations.md "Time zones"): set with `timezone` in the stock
location API or on its admin page, an IANA name or empty for the default (OMS_TIMEZONE); its pages then
show their times in it, the zone named by its city."""

from __future__ import annotations

import re
from datetime import datetime, timezone

import pytest
from sqlalchemy import select, update

from oms_dashboard.extensions import db
from oms_dashboard.models import Package, StockLocation, TransitionLog
from tests.helpers import ApiClient, clear_outbox, csrf_token, fresh, location_id, order, sign_in, token, user

EVENING_IN_ISTANBUL = datetime(2026, 12, 7, 19, 11, tzinfo=timezone.utc)  # 22:11 in Istanbul, 19:11 in London


@pytest.fixture
def api(client, two_stores):
    clear_outbox()
    return ApiClient(client, token(name="ERP"))


@pytest.fixture
def admin(client, two_stores):
    user("ada", "admin")
    sign_in(client, "ada")
    return client


def zone_of(erp_code: str) -> str | None:
    fresh()
    return db.session.scalar(select(StockLocation.timezone).where(StockLocation.erp_code == erp_code))


def field_error(html: str, name: str) -> str:
    found = re.search(rf'<p class="field-error" id="{name}-error">([^<]*)</p>', html)
    return found.group(1) if found else ""


# --- the API ---------------------------------------------------------------------------------------


def test_the_api_sets_a_locations_zone_and_shows_it(api):
    response = api.patch(f"stocklocations/{location_id('L1')}/", {"timezone": "Europe/London"})

    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json()["timezone"] == "Europe/London"
    assert zone_of("L1") == "Europe/London"
    [l1] = api.get("stocklocations/", erp_code="L1").get_json()["results"]
    assert l1["timezone"] == "Europe/London"
    [l2] = api.get("stocklocations/", erp_code="L2").get_json()["results"]
    assert l2["timezone"] is None  # the default (OMS_TIMEZONE)


def test_the_upsert_sets_a_zone_and_leaves_it_alone_when_not_sent(api):
    response = api.put("stocklocations/", [{"erp_code": "L3", "name": "Londra", "timezone": "Europe/London"}])
    assert response.status_code == 200 and response.get_json()["created"] == ["L3"]
    assert zone_of("L3") == "Europe/London"

    assert api.put("stocklocations/", [{"erp_code": "L3", "name": "Londra", "priority": 5}]).status_code == 200
    assert zone_of("L3") == "Europe/London"  # only the fields sent change


@pytest.mark.parametrize("cleared", [None, "", "  "])
def test_null_or_empty_clears_the_zone_back_to_the_default(api, cleared):
    api.patch(f"stocklocations/{location_id('L1')}/", {"timezone": "Asia/Tokyo"})

    response = api.patch(f"stocklocations/{location_id('L1')}/", {"timezone": cleared})

    assert response.status_code == 200 and response.get_json()["timezone"] is None
    assert zone_of("L1") is None


@pytest.mark.parametrize("name", ["Europe/Atlantis", "europe/london", "GMT+3", "x" * 65, 3])
def test_a_name_that_is_no_iana_zone_is_a_400_naming_timezone(api, name):
    api.patch(f"stocklocations/{location_id('L1')}/", {"timezone": "Asia/Tokyo"})

    patched = api.patch(f"stocklocations/{location_id('L1')}/", {"timezone": name})
    upserted = api.put("stocklocations/", [{"erp_code": "L9", "name": "Nowhere", "timezone": name}])

    for response in (patched, upserted):
        assert response.status_code == 400, response.get_data(as_text=True)
        assert "timezone" in response.get_json()["error"]
    assert zone_of("L1") == "Asia/Tokyo" and zone_of("L9") is None


# --- the admin page --------------------------------------------------------------------------------


def submit(client, url: str, data: dict):
    page = client.get(url)
    assert page.status_code == 200
    return client.post(url, data={"csrf_token": csrf_token(page.get_data(as_text=True))} | data)


L1_FORM = {"name": "Kadıköy", "type": "store", "city": "İstanbul", "priority": "80", "default_cargo_company": "yurtici"}


def test_the_admin_form_names_the_default_and_sets_a_zone(admin):
    edit = f"/admin/locations/{location_id('L1')}/edit"
    page = admin.get(edit).get_data(as_text=True)
    assert "Time zone" in page and "empty uses the default (Europe/Istanbul)" in page

    response = submit(admin, edit, L1_FORM | {"is_active": "y", "timezone": " Europe/London "})

    assert response.status_code == 302, response.get_data(as_text=True)
    assert zone_of("L1") == "Europe/London"
    assert 'value="Europe/London"' in admin.get(edit).get_data(as_text=True)

    assert submit(admin, edit, L1_FORM | {"is_active": "y", "timezone": ""}).status_code == 302
    assert zone_of("L1") is None


def test_a_new_location_gets_its_zone_from_the_form(admin):
    response = submit(
        admin,
        "/admin/locations/new",
        {"erp_code": "TYO", "name": "Tokyo Store", "type": "store", "priority": "0", "timezone": "Asia/Tokyo"},
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    assert zone_of("TYO") == "Asia/Tokyo"


def test_the_admin_form_refuses_an_unknown_zone_under_its_field(admin):
    edit = f"/admin/locations/{location_id('L1')}/edit"

    response = submit(admin, edit, L1_FORM | {"is_active": "y", "timezone": "Europe/Atlantis"})

    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert field_error(html, "timezone") == "Must be an IANA time zone name such as Europe/Istanbul."
    assert 'value="Europe/Atlantis"' in html  # what was typed stays, to be corrected
    assert zone_of("L1") is None

    new = submit(admin, "/admin/locations/new", {"erp_code": "X1", "name": "X", "timezone": "Mars/Olympus"})
    assert new.status_code == 400 and field_error(new.get_data(as_text=True), "timezone")
    fresh()
    assert db.session.scalar(select(StockLocation).where(StockLocation.erp_code == "X1")) is None


def test_the_refusal_is_in_turkish_on_a_turkish_page(admin):
    form = csrf_token(admin.get("/").get_data(as_text=True))
    admin.post("/language", data={"locale": "tr", "next": "/", "csrf_token": form})

    response = submit(
        admin, f"/admin/locations/{location_id('L1')}/edit", L1_FORM | {"is_active": "y", "timezone": "Mars/Olympus"}
    )

    assert response.status_code == 400
    message = field_error(response.get_data(as_text=True), "timezone")
    assert "IANA" in message and "Must be" not in message


# --- the pages then show the location's time ---------------------------------------------------------


def test_the_package_page_shows_times_in_the_zone_the_admin_set(admin):
    [package_id] = order("1001", "A", prefer="L1")
    db.session.execute(update(TransitionLog).values(created_date=EVENING_IN_ISTANBUL))
    db.session.execute(update(Package).values(created_date=EVENING_IN_ISTANBUL))
    db.session.commit()
    page = admin.get(f"/packages/{package_id}").get_data(as_text=True)
    assert "07 Dec 2026, 22:11 Istanbul" in page  # the default zone

    edit = f"/admin/locations/{location_id('L1')}/edit"
    assert submit(admin, edit, L1_FORM | {"is_active": "y", "timezone": "Europe/London"}).status_code == 302

    page = admin.get(f"/packages/{package_id}").get_data(as_text=True)
    assert "07 Dec 2026, 19:11 London" in page and "22:11" not in page
    form = csrf_token(page)
    admin.post("/language", data={"locale": "tr", "next": "/", "csrf_token": form})
    assert "07 Ara 2026, 19:11 Londra" in admin.get(f"/packages/{package_id}").get_data(as_text=True)
