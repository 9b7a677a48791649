"""The package list's search (scanner first), filters, order by age and overdue flags, through the test client."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select, update

from oms_dashboard.extensions import db
from oms_dashboard.models import CargoCompany, Package, SalesChannel, Shipment
from oms_dashboard.search_keys import fold
from oms_dashboard.states import PackageStatus
from tests.helpers import fresh, location_id, order, product, run, sign_in, stock

HTMX = {"HX-Request": "true"}


@pytest.fixture
def shop(two_stores):
    """Three orders at Kadıköy (L1), one at Beşiktaş (L2); 1001's package is packed (it has a tracking number)."""
    product("ÇAY-01", barcode="8691234500017", name="Çay bardağı")
    for code in ("L1", "L2"):
        stock(code, "ÇAY-01", 10)
    ayse = order("1001", "A", prefer="L1", channel="web", customer={"first_name": "Ayşe", "last_name": "Yılmaz"})[0]
    [mehmet] = order("1002", "ÇAY-01", prefer="L1", channel="b2b", customer={"first_name": "Mehmet", "last_name": "Öz"})
    ipek = order("1003", "B", prefer="L1", channel="web", customer={"first_name": "İpek", "last_name": "Çelik"})[0]
    away = order("2001", "A", prefer="L2", channel="web", customer={"first_name": "Ayşe", "last_name": "Kaya"})[0]
    run(ayse, "COMPLETE_PACKAGING")
    fresh()
    tracking = db.session.scalar(select(Shipment.tracking_number).where(Shipment.package_id == ayse))
    return {"ayse": ayse, "mehmet": mehmet, "ipek": ipek, "away": away, "tracking": tracking}


@pytest.fixture
def manager(client, shop):
    sign_in(client, "murat")
    return client


@pytest.fixture
def staff(client, shop):
    sign_in(client, "selin")
    return client


def _numbers(client, query: str) -> set[str]:
    response = client.get(f"/packages/?{query}")
    assert response.status_code == 200, response.get_data(as_text=True)
    page = response.get_data(as_text=True)
    return {number for number in ("1001P1", "1002P1", "1003P1", "2001P1") if f">{number}</a>" in page}


def test_fold_drops_case_accents_and_turkish_dots():
    assert fold("  Ayşe   YILMAZ ") == "ayse yilmaz"
    assert fold("İPEK ÇELİK ığüşöç") == "ipek celik igusoc"
    assert fold("Straße") == "strasse"


# (what is typed, the packages listed): one world for every case, so the matrix costs one setup.
SEARCHES = [
    ("ayşe yılmaz", {"1001P1"}),
    ("AYSE YILMAZ", {"1001P1"}),
    ("Ayse", {"1001P1", "2001P1"}),
    ("ayşe", {"1001P1", "2001P1"}),
    ("yilmaz", {"1001P1"}),  # the last name alone
    ("ipek celik", {"1003P1"}),
    ("IPEK", {"1003P1"}),
    ("çeli", {"1003P1"}),  # the start of the last name
    ("elik", set()),  # the middle of a name is no match
    ("100", {"1001P1", "1002P1", "1003P1"}),  # the start of an order number
    ("1002p", {"1002P1"}),  # the start of a package number, any case
    ("cay-01", {"1002P1"}),  # a SKU, case and accents aside
    ("ÇAY-01", {"1002P1"}),
    ("cay-0", set()),  # SKUs match whole
    ("8691234500017", {"1002P1"}),  # a barcode
    ("8690000000028", {"1003P1"}),
    ("nobody", set()),
    ("%", set()),
    ("_", set()),
]


def test_search_matches_every_kind_of_key_case_and_accent_insensitively(manager):
    found = {search: _numbers(manager, f"q={search}") for search, _ in SEARCHES}
    assert found == dict(SEARCHES)


def test_a_package_number_or_tracking_number_in_any_case_opens_the_package(manager, shop):
    for scanned in ("1002P1", "1002p1", shop["tracking"], shop["tracking"].lower()):
        response = manager.get(f"/packages/?q={scanned}")
        opened = shop["mehmet"] if scanned.lower() == "1002p1" else shop["ayse"]
        assert response.status_code == 302, scanned
        assert response.headers["Location"] == f"/packages/{opened}"
        htmx = manager.get(f"/packages/?q={scanned}", headers=HTMX)
        assert htmx.status_code == 204 and htmx.headers["HX-Redirect"] == f"/packages/{opened}"


def test_a_tracking_number_shared_by_two_packages_lists_them(manager, shop):
    db.session.execute(update(Shipment).where(Shipment.package_id == shop["ayse"]).values(tracking_number="TR-1"))
    run(shop["mehmet"], "COMPLETE_PACKAGING")
    fresh()
    for package_id in (shop["ayse"], shop["mehmet"]):
        db.session.get(Package, package_id).shipment.tracking_number = "TR-1"
    db.session.commit()
    assert _numbers(manager, "q=tr-1") == {"1001P1", "1002P1"}


def test_store_staff_never_find_another_locations_package(staff, shop):
    assert staff.get("/packages/?q=2001p1").status_code == 200
    assert _numbers(staff, "q=2001P1") == set()
    assert _numbers(staff, "q=ayse") == {"1001P1"}  # Ayşe Kaya's package is at Beşiktaş
    assert staff.get(f"/packages/?q={shop['tracking']}").status_code == 302  # their own package opens


def test_an_unmatched_search_says_so_and_keeps_the_text(manager):
    page = manager.get("/packages/?q=8690000000099").get_data(as_text=True)
    assert "No packages match “8690000000099”" in page
    assert 'value="8690000000099"' in page and "data-scan-box" in page


def test_keys_follow_the_values_they_fold(manager, shop):
    """A product's new barcode, an order's intake, a shipment's tracking number: each writes its key."""
    from oms_dashboard.services.masterdata.catalog import upsert_products
    from oms_dashboard.services.masterdata.rows import ProductRow
    from oms_dashboard.validation import parse

    upsert_products(rows=[parse(ProductRow, {"sku": "ÇAY-01", "name": "Çay bardağı", "barcode": "XB-77"})])
    assert _numbers(manager, "q=xb-77") == {"1002P1"}
    assert _numbers(manager, "q=8691234500017") == set()


def _age(package_id: int, hours: float) -> None:
    moment = datetime.now(timezone.utc) - timedelta(hours=hours)
    db.session.execute(update(Package).where(Package.id == package_id).values(status_changed_date=moment))
    db.session.commit()


def test_rows_show_their_age_in_status_and_flag_overdue_ones(manager, shop):
    _age(shop["mehmet"], 25)  # Pending: overdue after 24 h by default
    _age(shop["ipek"], 3)
    page = manager.get("/packages/").get_data(as_text=True)
    rows = {number: page[page.index(f">{number}</a>") :].split("</tr>")[0] for number in ("1002P1", "1003P1")}
    assert ">1 d<" in rows["1002P1"] and "Overdue" in rows["1002P1"]
    assert ">3 h<" in rows["1003P1"] and "Overdue" not in rows["1003P1"]
    assert _numbers(manager, "overdue=1") == {"1002P1"}
    assert _numbers(manager, f"overdue=1&status={PackageStatus.PACKED.value}") == set()


def test_a_status_change_restarts_the_age(manager, shop):
    _age(shop["mehmet"], 30)
    run(shop["mehmet"], "PKG_STATE_TRANSITION", to=PackageStatus.PREPARING)
    fresh()
    entered = db.session.get(Package, shop["mehmet"]).status_changed_date
    assert datetime.now(timezone.utc) - entered.replace(tzinfo=entered.tzinfo or timezone.utc) < timedelta(minutes=5)


def test_oldest_in_status_first(manager, shop):
    _age(shop["mehmet"], 5)
    _age(shop["ipek"], 50)
    _age(shop["away"], 1)
    page = manager.get(f"/packages/?status={PackageStatus.WAITING.value}&sort=age").get_data(as_text=True)
    assert page.index(">1003P1<") < page.index(">1002P1<") < page.index(">2001P1<")
    newest = manager.get(f"/packages/?status={PackageStatus.WAITING.value}").get_data(as_text=True)
    assert newest.index(">2001P1<") < newest.index(">1003P1<") < newest.index(">1002P1<")


def test_filters_by_created_date_channel_and_cargo_company(manager, shop):
    old = datetime(2026, 1, 10, 12, tzinfo=timezone.utc)
    db.session.execute(update(Package).where(Package.id == shop["ipek"]).values(created_date=old))
    db.session.commit()
    assert _numbers(manager, "created_from=2026-01-10&created_to=2026-01-10") == {"1003P1"}
    assert _numbers(manager, "created_to=2026-01-09") == set()
    assert "1003P1" not in _numbers(manager, "created_from=2026-01-11")
    assert _numbers(manager, "channel=b2b") == {"1002P1"}
    carrier = db.session.scalar(select(Shipment.cargo_company_id).where(Shipment.package_id == shop["ayse"]))
    assert _numbers(manager, f"carrier={carrier}") == {"1001P1"}
    assert _numbers(manager, "channel=web&q=ayse") == {"1001P1", "2001P1"}


def test_the_created_days_are_the_days_the_list_shows(manager, shop):
    """22:30 UTC on 10 January is 01:30 on the 11th in Istanbul, the zone the list shows its times in."""
    late = datetime(2026, 1, 10, 22, 30, tzinfo=timezone.utc)
    db.session.execute(update(Package).where(Package.id == shop["ipek"]).values(created_date=late))
    db.session.commit()
    assert _numbers(manager, "created_from=2026-01-11&created_to=2026-01-11") == {"1003P1"}
    assert "1003P1" not in _numbers(manager, "created_to=2026-01-10")
    assert "11 Jan 2026, 01:30 Istanbul" in manager.get("/packages/?created_from=2026-01-11").get_data(as_text=True)


def test_the_slider_and_page_links_keep_every_filter(manager, shop):
    query = "q=100&created_from=2020-01-01&channel=web&overdue=1&sort=age"
    page = manager.get(f"/packages/?{query}", headers=HTMX).get_data(as_text=True)
    pending = f"status={PackageStatus.WAITING.value}"
    link = next(part for part in page.split('href="')[1:] if pending in part.split('"')[0]).split('"')[0]
    for kept in ("q=100", "created_from=2020-01-01", "channel=web", "overdue=1", "sort=age"):
        assert kept in link, kept
    # the form sends the status the list shows, from inside the swapped list
    assert f'name="status" value="{PackageStatus.WAITING.value}" form="package-query"' in manager.get(
        f"/packages/?{pending}"
    ).get_data(as_text=True)


def test_the_filter_form_offers_channels_and_active_carriers(manager):
    page = manager.get("/packages/").get_data(as_text=True)
    form = page[page.index('id="package-query"') : page.index("</form>", page.index('id="package-query"'))]
    names = db.session.scalars(select(CargoCompany.name).where(CargoCompany.is_active)).all()
    assert names and all(name in form for name in names)
    assert 'name="created_from"' in form and 'name="sort"' in form and 'name="overdue"' in form


BAD_PARAMETERS = [
    ("created_from=2026-13-01", "created_from"),
    ("created_from=yesterday", "created_from"),
    ("created_to=20260101", "created_to"),
    ("created_from=2026-02-01&created_to=2026-01-01", "created_to"),
    ("carrier=abc", "carrier"),
    ("carrier=0", "carrier"),
    ("sort=oldest", "sort"),
    ("overdue=yes", "overdue"),
    ("channel=" + "x" * 65, "channel"),
    ("q=" + "9" * 201, "q"),
    ("q=a%00b", "q"),
]


def test_bad_list_parameters_are_a_400_naming_the_field(manager):
    for query, field in BAD_PARAMETERS:
        response = manager.get(f"/packages/?{query}")
        assert response.status_code == 400, query
        assert f'role="alert">{field}: ' in response.get_data(as_text=True), query


def test_the_location_filter_and_search_stay_within_the_location(manager, shop):
    assert _numbers(manager, f"location={location_id('L2')}&q=ayse") == {"2001P1"}


def test_overdue_hours_come_from_the_environment_over_the_defaults(monkeypatch):
    from oms_dashboard.config import DEFAULT_OVERDUE_HOURS, ConfigurationError, _overdue_hours

    monkeypatch.setenv("OMS_OVERDUE_HOURS", " waiting=12, packed=0 ,preparing=2")
    hours = _overdue_hours()
    assert hours[PackageStatus.WAITING] == 12 and hours[PackageStatus.PREPARING] == 2
    assert PackageStatus.PACKED not in hours  # 0: never flagged
    assert hours[PackageStatus.BLOCKED] == DEFAULT_OVERDUE_HOURS[PackageStatus.BLOCKED]
    for bad in ("pending=24", "waiting", "waiting=-1", "waiting=1.5", "waiting=24,waiting=12", "ready_to_package=8"):
        monkeypatch.setenv("OMS_OVERDUE_HOURS", bad)
        with pytest.raises(ConfigurationError, match="OMS_OVERDUE_HOURS"):
            _overdue_hours()


def test_the_filter_offers_a_new_cargo_company_and_channel_on_the_next_request(manager):
    """The choices are kept per process; a write to their tables (here past the services) renews them."""
    assert "Night Courier" not in manager.get("/packages/").get_data(as_text=True)
    fresh()
    db.session.add_all([CargoCompany(name="Night Courier", erp_code="NC"), SalesChannel(code="kiosk", name="Kiosk")])
    db.session.commit()

    page = manager.get("/packages/").get_data(as_text=True)
    assert ">Night Courier</option>" in page
    assert ">Kiosk</option>" in page
