"""The master-data admin pages through the test client: stock locations, carriers, denial reasons, sales channels."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from oms_dashboard.extensions import db
from oms_dashboard.models import CargoCompany, DenialReason, OutboxEvent, SalesChannel, StockLocation
from tests.helpers import clear_outbox, csrf_token, fresh, location, location_id, order, sign_in, user
from tests.test_query_counts import counted_statements


@pytest.fixture
def admin(client, two_stores):
    user("ada", "admin")
    sign_in(client, "ada")
    clear_outbox()  # the world's own locations announced themselves; the tests count their own events
    return client


def submit(client, url: str, data: dict, *, follow: bool = False):
    """Open the form at `url` as a person would, then post `data` with its CSRF token."""
    page = client.get(url)
    assert page.status_code == 200, page.get_data(as_text=True)
    return client.post(
        url, data={"csrf_token": csrf_token(page.get_data(as_text=True))} | data, follow_redirects=follow
    )


def stored(erp_code: str) -> StockLocation:
    fresh()
    return db.session.scalars(select(StockLocation).where(StockLocation.erp_code == erp_code)).one()


def events(event_type: str) -> list[OutboxEvent]:
    fresh()
    return list(db.session.scalars(select(OutboxEvent).where(OutboxEvent.event_type == event_type)))


def field_error(html: str, name: str) -> str:
    """The error shown under the form field `name` (empty when there is none)."""
    found = re.search(rf'<p class="field-error" id="{name}-error">([^<]*)</p>', html)
    return found.group(1) if found else ""


def row_of(html: str, key: str) -> str:
    found = re.search(rf'<tr data-(?:erp-)?code="{re.escape(key)}".*?</tr>', html, re.S)
    assert found, f"no row {key}"
    return found.group(0)


# The edit form of L1 as it is in the two-store world, to change one field at a time.
L1_FORM = {
    "name": "Kadıköy",
    "type": "store",
    "city": "İstanbul",
    "priority": "80",
    "max_quota": "",
    "default_cargo_company": "yurtici",
    "is_active": "y",
}


def edit_l1(client, **changes: str | None):
    data = {name: value for name, value in (L1_FORM | changes).items() if value is not None}
    return submit(client, f"/admin/locations/{location_id('L1')}/edit", data)


# --- stock locations -----------------------------------------------------------------------------


def test_the_list_shows_every_location_with_its_quota_and_carrier(admin):
    order("1001", "A", prefer="L1")
    html = admin.get("/admin/locations").get_data(as_text=True)

    row = row_of(html, "L1")
    for text in ("Kadıköy", "Store", "İstanbul", "80", "Unlimited", "Yurtiçi Kargo", "Edit<span"):
        assert text in row
    assert '<td class="num quota-in-use">1</td>' in row  # one package waiting there
    assert "Beşiktaş" in row_of(html, "L2")
    assert 'aria-current="page">Stock locations<' in html


def test_the_list_filters_by_erp_code_name_or_city(admin):
    location("WH", kind="warehouse", name="Gebze Warehouse", city="Kocaeli")
    html = admin.get("/admin/locations?q=kocaeli").get_data(as_text=True)
    assert 'data-erp-code="WH"' in html and 'data-erp-code="L1"' not in html
    assert "No stock location matches" in admin.get("/admin/locations?q=nowhere").get_data(as_text=True)


def test_an_admin_creates_a_location_with_every_field(admin):
    response = submit(
        admin,
        "/admin/locations/new",
        {
            "erp_code": "WH-GEBZE",
            "name": "Gebze Warehouse",
            "type": "warehouse",
            "city": "Kocaeli",
            "priority": "30",
            "max_quota": "500",
            "default_cargo_company": "aras",
            "is_active": "y",
            "remote_fulfilment": "y",
            "is_pickup_location": "y",
        },
    )

    assert response.status_code == 302 and response.location.endswith("/admin/locations")
    created = stored("WH-GEBZE")
    assert (created.name, created.type, created.city, created.priority, created.max_quota) == (
        "Gebze Warehouse",
        "warehouse",
        "Kocaeli",
        30,
        500,
    )
    assert created.default_cargo_company.erp_code == "aras"
    assert created.is_active and created.remote_fulfilment and created.is_pickup_location and created.quota == 0
    assert [event.stock_location_id for event in events("stock_location.created")] == [created.id]
    assert "Stock location WH-GEBZE created." in admin.get("/admin/locations").get_data(as_text=True)


def test_unticked_boxes_and_a_blank_max_quota_and_carrier_mean_no_unlimited_and_none(admin):
    response = submit(admin, "/admin/locations/new", {"erp_code": "S9", "name": "Small", "type": "store"})

    assert response.status_code == 302
    created = stored("S9")
    assert not created.is_active and not created.remote_fulfilment and not created.is_pickup_location
    assert created.max_quota is None and created.default_cargo_company_id is None and created.priority == 0


def test_an_admin_edits_every_field_of_a_location(admin):
    response = edit_l1(
        admin,
        name="Kadıköy Moda",
        type="warehouse",
        city="İzmir",
        priority="5",
        max_quota="40",
        default_cargo_company="mng",
        is_active=None,
        remote_fulfilment="y",
        is_pickup_location="y",
    )

    assert response.status_code == 302
    changed = stored("L1")
    assert (changed.name, changed.type, changed.city, changed.priority, changed.max_quota) == (
        "Kadıköy Moda",
        "warehouse",
        "İzmir",
        5,
        40,
    )
    assert changed.default_cargo_company.erp_code == "mng"
    assert not changed.is_active and changed.remote_fulfilment and changed.is_pickup_location
    [event] = events("stock_location.updated")
    assert event.payload["payload"]["max_quota"] == 40


def test_the_edit_form_shows_the_quota_but_has_no_field_for_it(admin):
    order("1001", "A", prefer="L1")
    html = admin.get(f"/admin/locations/{location_id('L1')}/edit").get_data(as_text=True)

    assert "<dt>Quota in use</dt><dd>1</dd>" in html
    assert 'name="quota"' not in html and 'name="available_quota"' not in html
    assert 'value="Kadıköy"' in html and '<option selected value="yurtici">' in html


def test_max_quota_lowered_below_the_quota_shows_available_0_and_writes_an_event(admin):
    for number in ("1001", "1002", "1003"):
        order(number, "A", prefer="L1")
    assert stored("L1").quota == 3

    assert edit_l1(admin, max_quota="1").status_code == 302

    assert (stored("L1").max_quota, stored("L1").quota, stored("L1").available_quota) == (1, 3, 0)
    # Each order's quota use was announced, then the admin's change.
    [*by_orders, event] = events("stock_location.updated")
    assert [e.payload["payload"]["quota"] for e in by_orders] == [1, 2, 3]
    assert event.stock_location_id == location_id("L1")
    assert {key: event.payload["payload"][key] for key in ("max_quota", "quota", "available_quota")} == {
        "max_quota": 1,
        "quota": 3,
        "available_quota": 0,
    }
    row = row_of(admin.get("/admin/locations").get_data(as_text=True), "L1")
    assert '<span class="badge full">0</span>' in row


def test_deactivating_a_location_with_open_packages_says_how_many_are_left(admin):
    order("1001", "A", prefer="L1")
    order("1002", "B", prefer="L1")

    response = edit_l1(admin, is_active=None)
    assert response.status_code == 302
    page = admin.get(response.location).get_data(as_text=True)

    assert "Stock location L1 saved." in page
    assert (
        '<div class="notice warning" role="status">L1 is inactive: planning no longer chooses it; 2 packages still open there.</div>'
        in page
    )
    assert not stored("L1").is_active
    assert '<span class="badge off">Inactive</span>' in row_of(page, "L1")


def test_saving_without_changes_writes_no_event(admin):
    assert edit_l1(admin).status_code == 302
    assert events("stock_location.updated") == []


def _location_rows():
    fresh()
    return sorted(db.session.execute(select(StockLocation.__table__)).all())


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("max_quota", "-1", "Input should be greater than or equal to 0"),
        ("max_quota", "1000000001", "Input should be less than or equal to 1000000000"),
        ("max_quota", "ten", "A valid integer is required."),
        ("priority", "1.5", "A valid integer is required."),
        ("name", "x" * 129, "String should have at most 128 characters"),
        ("name", "   ", "This field may not be blank."),
        ("city", "c" * 65, "String should have at most 64 characters"),
        ("type", "shop", "Input should be 'store' or 'warehouse'"),
        ("default_cargo_company", "NOPE", "Unknown cargo company NOPE."),
    ],
)
def test_a_bad_value_is_shown_under_its_field_and_changes_nothing(admin, field, value, message):
    before = _location_rows()

    response = edit_l1(admin, **{field: value, "name": "Renamed" if field != "name" else value})

    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert field_error(html, field) == message.replace("'", "&#39;")
    assert "Nothing was saved: correct the fields marked below." in html
    assert re.search(rf'aria-describedby="[^"]*{field}-error" aria-invalid="true"', html)
    assert _location_rows() == before
    assert events("stock_location.updated") == []


def test_a_nul_character_is_refused_before_the_form_and_changes_nothing(admin):
    before = _location_rows()
    response = edit_l1(admin, name="nul\x00name")  # refused for every form, app-wide (PostgreSQL text)
    assert response.status_code == 400
    assert "name: Must not contain NUL characters." in response.get_data(as_text=True)
    assert _location_rows() == before


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("max_quota", "-5", "Input should be greater than or equal to 0"),
        ("name", "n" * 129, "String should have at most 128 characters"),
        ("erp_code", "", "This field may not be blank."),
        ("erp_code", "E" * 65, "String should have at most 64 characters"),
        ("default_cargo_company", "NOPE", "Unknown cargo company NOPE."),
    ],
)
def test_a_bad_new_location_is_refused_on_the_form_and_nothing_is_stored(admin, field, value, message):
    before = _location_rows()
    data = {"erp_code": "NEW", "name": "New Store", "type": "store", "is_active": "y"} | {field: value}

    response = submit(admin, "/admin/locations/new", data)

    assert response.status_code == 400
    assert field_error(response.get_data(as_text=True), field) == message
    assert _location_rows() == before
    assert events("stock_location.created") == []


def test_an_erp_code_already_in_use_is_refused_on_create_and_the_location_is_left_alone(admin):
    before = _location_rows()
    data = {"erp_code": "L1", "name": "Imposter", "type": "warehouse", "priority": "1", "is_active": "y"}

    response = submit(admin, "/admin/locations/new", data)

    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert field_error(html, "erp_code") == "A stock location with the ERP code L1 already exists."
    assert 'value="Imposter"' in html  # what was typed stays on the form
    assert _location_rows() == before and stored("L1").name == "Kadıköy"
    assert events("stock_location.updated") == events("stock_location.created") == []


def test_the_quota_cannot_be_written_through_the_forms(admin):
    order("1001", "A", prefer="L1")
    assert stored("L1").quota == 1

    edit_l1(admin, quota="99", available_quota="99", name="Kadıköy Moda")
    submit(
        admin,
        "/admin/locations/new",
        {"erp_code": "Q1", "name": "Quota", "type": "store", "quota": "7", "available_quota": "3"},
    )

    assert stored("L1").name == "Kadıköy Moda" and stored("L1").quota == 1
    assert stored("Q1").quota == 0


def test_an_inactive_default_carrier_stays_selectable_for_its_location_only(admin):
    fresh()
    db.session.scalars(select(CargoCompany).where(CargoCompany.erp_code == "yurtici")).one().is_active = False
    db.session.commit()

    l1 = admin.get(f"/admin/locations/{location_id('L1')}/edit").get_data(as_text=True)
    assert '<option selected value="yurtici">Yurtiçi Kargo (inactive)</option>' in l1
    assert edit_l1(admin, name="Kept").status_code == 302  # saving does not trip over it
    assert stored("L1").default_cargo_company.erp_code == "yurtici"
    assert 'value="yurtici"' not in admin.get("/admin/locations/new").get_data(as_text=True)


def test_erp_text_is_shown_escaped(admin):
    location("X<1>", name="<script>alert(1)</script>", city="<b>Ankara</b>")
    html = admin.get("/admin/locations").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<b>Ankara</b>" not in html


def test_an_unknown_location_is_not_found(admin):
    assert admin.get("/admin/locations/999/edit").status_code == 404
    assert admin.get("/admin/locations/99999999999999999999/edit").status_code == 404


def test_a_form_without_the_csrf_token_is_refused_and_changes_nothing(admin):
    response = admin.post(f"/admin/locations/{location_id('L1')}/edit", data=L1_FORM | {"name": "Sneaky"})
    assert response.status_code == 400
    assert stored("L1").name == "Kadıköy"


def test_the_list_costs_the_same_number_of_queries_for_3_or_30_locations(admin):
    location("L3")

    def queries(path: str) -> int:
        with counted_statements() as statements:
            assert admin.get(path).status_code == 200
        return len(statements)

    few = queries("/admin/locations")
    for number in range(27):
        location(f"M{number}", cargo=["aras", "mng", "ptt", None][number % 4])
    many = queries("/admin/locations")

    assert many == few == queries("/admin/locations?q=M1")
    assert few <= 3  # the signed-in user, the locations with their carriers


# --- carriers ------------------------------------------------------------------------------------


def carrier(erp_code: str) -> CargoCompany:
    fresh()
    return db.session.scalars(select(CargoCompany).where(CargoCompany.erp_code == erp_code)).one()


def test_an_admin_adds_a_carrier_and_edits_it(admin):
    created = submit(
        admin,
        "/admin/carriers/new",
        {
            "erp_code": "HEPSIJET",
            "name": "HepsiJet",
            "label_mode": "async",
            "tracking_url_template": "https://hepsijet.example/track/{tracking_number}",
            "is_active": "y",
        },
    )
    assert created.status_code == 302
    new = carrier("HEPSIJET")
    assert (new.name, new.label_mode, new.tracking_url_template, new.is_active) == (
        "HepsiJet",
        "async",
        "https://hepsijet.example/track/{tracking_number}",
        True,
    )
    listed = admin.get("/admin/carriers").get_data(as_text=True)
    assert "Carrier HepsiJet created." in listed and "Asynchronous" in row_of(listed, "HEPSIJET")

    edited = submit(
        admin,
        f"/admin/carriers/{new.id}/edit",
        {"name": "HepsiJet Express", "label_mode": "sync", "tracking_url_template": ""},
    )
    assert edited.status_code == 302
    changed = carrier("HEPSIJET")
    assert (changed.name, changed.label_mode, changed.tracking_url_template, changed.is_active) == (
        "HepsiJet Express",
        "sync",
        None,
        False,
    )


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("tracking_url_template", "https://track.example/", "Must contain {tracking_number}."),
        ("label_mode", "later", "Input should be 'sync' or 'async'"),
        ("name", "", "This field may not be blank."),
        ("erp_code", "aras", "A cargo company with the ERP code aras already exists."),
    ],
)
def test_a_bad_carrier_is_refused_on_the_form(admin, field, value, message):
    fresh()
    before = sorted(db.session.execute(select(CargoCompany.__table__)).all())
    data = {"erp_code": "NEWCO", "name": "New Co", "label_mode": "sync", "is_active": "y"} | {field: value}

    response = submit(admin, "/admin/carriers/new", data)

    assert response.status_code == 400
    assert field_error(response.get_data(as_text=True), field) == message.replace("'", "&#39;")
    fresh()
    assert sorted(db.session.execute(select(CargoCompany.__table__)).all()) == before


def test_the_carrier_edit_form_keeps_its_erp_code(admin):
    aras = carrier("aras")
    submit(admin, f"/admin/carriers/{aras.id}/edit", {"erp_code": "ARAS2", "name": "Aras", "label_mode": "sync"})
    assert carrier("aras").name == "Aras"
    assert admin.get("/admin/carriers/999/edit").status_code == 404


# --- denial reasons ------------------------------------------------------------------------------


def reason(title: str) -> DenialReason:
    fresh()
    return db.session.scalars(select(DenialReason).where(DenialReason.title == title)).one()


def test_an_admin_adds_a_denial_reason_and_deactivates_it(admin):
    created = submit(
        admin, "/admin/denial-reasons/new", {"title": "Customer called", "priority": "5", "is_active": "y"}
    )
    assert created.status_code == 302
    new = reason("Customer called")
    assert (new.priority, new.is_active) == (5, True)
    assert "Denial reason “Customer called” created." in admin.get("/admin/denial-reasons").get_data(as_text=True)

    edited = submit(admin, f"/admin/denial-reasons/{new.id}/edit", {"title": "Customer cancelled", "priority": "60"})
    assert edited.status_code == 302
    changed = reason("Customer cancelled")
    assert (changed.id, changed.priority, changed.is_active) == (new.id, 60, False)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("title", "Store closed", "A denial reason titled Store closed already exists."),
        ("title", "t" * 256, "String should have at most 255 characters"),
        ("priority", "2000000", "Input should be less than or equal to 1000000"),
        ("priority", "high", "A valid integer is required."),
    ],
)
def test_a_bad_denial_reason_is_refused_on_the_form(admin, field, value, message):
    fresh()
    count = db.session.scalar(select(func.count()).select_from(DenialReason))
    edit_url = f"/admin/denial-reasons/{reason('Wrong product in stock').id}/edit"

    for url in ("/admin/denial-reasons/new", edit_url):
        response = submit(admin, url, {"title": "Fine title", "priority": "1", "is_active": "y"} | {field: value})
        assert response.status_code == 400
        assert field_error(response.get_data(as_text=True), field) == message

    fresh()
    assert db.session.scalar(select(func.count()).select_from(DenialReason)) == count
    assert reason("Wrong product in stock").priority == 30


# --- sales channels ------------------------------------------------------------------------------


def channel(code: str) -> SalesChannel:
    fresh()
    return db.session.scalars(select(SalesChannel).where(SalesChannel.code == code)).one()


def test_an_admin_adds_a_sales_channel_and_requires_invoices_for_it(admin):
    created = submit(admin, "/admin/channels/new", {"code": "trendyol", "name": "Trendyol"})
    assert created.status_code == 302
    assert channel("trendyol").invoice_required is False

    edit_url = f"/admin/channels/{channel('trendyol').id}/edit"
    assert 'name="code"' not in admin.get(edit_url).get_data(as_text=True)  # fixed once created
    edited = submit(admin, edit_url, {"code": "other", "name": "Trendyol TR", "invoice_required": "y"})

    assert edited.status_code == 302
    changed = channel("trendyol")
    assert (changed.name, changed.invoice_required) == ("Trendyol TR", True)
    fresh()
    assert db.session.scalar(select(func.count()).select_from(SalesChannel)) == 1
    assert "Yes" in row_of(admin.get("/admin/channels").get_data(as_text=True), "trendyol")


def test_a_channel_code_already_in_use_is_refused_and_the_channel_left_alone(admin):
    submit(admin, "/admin/channels/new", {"code": "web", "name": "Web shop"})

    response = submit(admin, "/admin/channels/new", {"code": "web", "name": "Other", "invoice_required": "y"})

    assert response.status_code == 400
    assert field_error(response.get_data(as_text=True), "code") == "A sales channel with the code web already exists."
    assert (channel("web").name, channel("web").invoice_required) == ("Web shop", False)
    blank = submit(admin, f"/admin/channels/{channel('web').id}/edit", {"name": ""})
    assert (
        blank.status_code == 400 and field_error(blank.get_data(as_text=True), "name") == "This field may not be blank."
    )


# --- who may ------------------------------------------------------------------------------------

PAGES = [
    "/admin/locations",
    "/admin/locations/new",
    "/admin/locations/1/edit",
    "/admin/carriers",
    "/admin/carriers/new",
    "/admin/carriers/1/edit",
    "/admin/denial-reasons",
    "/admin/denial-reasons/new",
    "/admin/denial-reasons/1/edit",
    "/admin/channels",
    "/admin/channels/new",
    "/admin/channels/1/edit",
]


@pytest.mark.parametrize("username", ["selin", "murat"], ids=["store_staff", "manager"])
@pytest.mark.parametrize("path", PAGES)
def test_only_admins_see_the_master_data_pages(client, two_stores, username, path):
    sign_in(client, username)
    token = csrf_token(client.get("/").get_data(as_text=True))

    assert client.get(path).status_code == 404
    if path.endswith(("/new", "/edit")):
        assert client.post(path, data={"csrf_token": token, "name": "Taken over"}).status_code == 404
    assert stored("L1").name == "Kadıköy"


@pytest.mark.parametrize("path", PAGES[::3])
def test_the_pages_ask_for_a_login_first(client, two_stores, path):
    response = client.get(path)
    assert response.status_code == 302 and "/login" in response.location


def test_the_admin_navigation_lists_the_master_data_sections(admin):
    html = admin.get("/admin/").get_data(as_text=True)
    for label in ("Stock locations", "Carriers", "Denial reasons", "Sales channels"):
        assert f">{label}</a>" in html
    for path in PAGES[::3]:
        assert admin.get(path).status_code == 200
