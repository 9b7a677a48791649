"""The staff pages through the test client: login, scope, CSRF, fragments, actions, escaping."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from oms_dashboard.extensions import db
from oms_dashboard.models import Product
from oms_dashboard.states import PackageStatus
from tests.helpers import (
    csrf_token,
    item_ids,
    location_id,
    order,
    run,
    sign_in,
    snapshot,
    status_of,
    stock,
    transition,
)
from tests.invariants import assert_invariants

HTMX = {"HX-Request": "true"}


@pytest.fixture
def shop(two_stores):
    here = order("1001", "A", "B", prefer="L1")[0]
    there = order("2001", "A", prefer="L2")[0]
    return {"here": here, "there": there}


@pytest.fixture
def staff(client, shop):
    sign_in(client, "selin")
    return client


@pytest.fixture
def manager(client, shop):
    sign_in(client, "murat")
    return client


def _post_action(client, package_id: int, command: str, data: dict | None = None, headers: dict | None = None):
    page = client.get(f"/packages/{package_id}").get_data(as_text=True)
    row = transition(command, status_of(package_id))
    return client.post(
        f"/packages/{package_id}/actions/{row.id}",
        data={"csrf_token": csrf_token(page), **(data or {})},
        headers=headers or {},
    )


# --- login -------------------------------------------------------------------------------------


def test_every_page_asks_for_a_login_first(client, shop):
    for path in ("/", "/locations/1", "/packages/", f"/packages/{shop['here']}", f"/packages/{shop['here']}/document"):
        response = client.get(path)
        assert response.status_code == 302 and "/login?next=" in response.headers["Location"], path
    htmx = client.get("/packages/", headers=HTMX)
    assert htmx.status_code == 204 and htmx.headers["HX-Redirect"].startswith("/login")


def test_a_poll_after_the_session_ended_returns_to_the_page_not_to_the_poll(client, shop):
    poll = client.get("/?since=abc", headers={**HTMX, "HX-Current-URL": "http://127.0.0.1:5000/?sort=name&q=Kad"})
    assert poll.status_code == 204
    assert poll.headers["HX-Redirect"] == "/login?next=/?sort%3Dname%26q%3DKad"


def test_a_wrong_password_is_refused_and_a_right_one_lands_on_the_locations(client, shop):
    token = csrf_token(client.get("/login").get_data(as_text=True))
    wrong = client.post("/login", data={"username": "selin", "password": "nope", "csrf_token": token})
    assert wrong.status_code == 401 and "Unknown username or wrong password." in wrong.get_data(as_text=True)

    right = client.post(
        "/login?next=/packages/", data={"username": "selin", "password": "pass1234", "csrf_token": token}
    )
    assert right.headers["Location"] == "/packages/"
    page = client.get("/").get_data(as_text=True)
    assert "Package Location Movements" in page and "selin" in page and "Kadıköy" in page


def test_login_never_redirects_to_another_site(client, shop):
    token = csrf_token(client.get("/login").get_data(as_text=True))
    response = client.post(
        "/login?next=//evil.example/x", data={"username": "selin", "password": "pass1234", "csrf_token": token}
    )
    assert response.headers["Location"] == "/"


def test_logout_needs_the_csrf_token(staff):
    refused = staff.post(
        "/logout"
    )  # no token at all: not from one of our pages (a stale one: test_pages_shop_floor_safety)
    assert refused.status_code == 400 and "nothing was changed" in refused.get_data(as_text=True)
    assert staff.get("/").status_code == 200  # still signed in
    token = csrf_token(staff.get("/").get_data(as_text=True))
    assert staff.post("/logout", data={"csrf_token": token}).status_code == 302
    assert staff.get("/").status_code == 302


# --- store staff see their own locations only --------------------------------------------------------


def test_store_staff_see_only_their_locations_and_packages(staff, shop):
    movements = staff.get("/").get_data(as_text=True)
    assert "Kadıköy" in movements and "Beşiktaş" not in movements
    listing = staff.get("/packages/").get_data(as_text=True)
    assert "1001P1" in listing and "2001P1" not in listing
    assert staff.get(f"/locations/{location_id('L2')}").status_code == 404
    assert staff.get(f"/packages/?location={location_id('L2')}").status_code == 404


@pytest.mark.parametrize(
    "path", ["/packages/{id}", "/packages/{id}/document", "/packages/{id}/label", "/packages/{id}?action=1"]
)
def test_another_locations_package_is_not_found_for_store_staff(staff, shop, path):
    response = staff.get(path.format(id=shop["there"]))
    assert response.status_code == 404 and "2001P1" not in response.get_data(as_text=True)


def test_store_staff_cannot_act_on_another_locations_package(staff, shop):
    token = csrf_token(staff.get("/").get_data(as_text=True))
    before = snapshot()
    row = transition("COMPLETE_PACKAGING", PackageStatus.WAITING)
    response = staff.post(f"/packages/{shop['there']}/actions/{row.id}", data={"csrf_token": token})
    assert response.status_code == 404 and snapshot() == before


def test_managers_see_every_location(manager, shop):
    page = manager.get("/").get_data(as_text=True)
    assert "Kadıköy" in page and "Beşiktaş" in page
    assert manager.get(f"/packages/{shop['there']}").status_code == 200


# --- location movements ----------------------------------------------------------------------


def test_cards_count_the_four_statuses_and_show_the_quota(manager, shop):
    run(shop["here"], "PKG_STATE_TRANSITION")
    page = manager.get("/").get_data(as_text=True)
    card = page[page.index('data-location="L1"') :].split("</article>")[0]
    counts = dict(re.findall(r"<dt>([^<]+)</dt>\s*<dd><a [^>]*>(\d+)</a>", card))
    assert counts == {"Waiting": "0", "Preparing": "1", "Waiting Transfer Operations": "0", "Ready to Package": "0"}
    assert "1 / ∞" in card


def test_the_filter_finds_locations_by_name_or_erp_code(manager, shop):
    by_code = manager.get("/?q=l2").get_data(as_text=True)
    assert "Beşiktaş" in by_code and "Kadıköy" not in by_code
    fragment = manager.get("/?q=Kad", headers=HTMX).get_data(as_text=True)
    assert fragment.lstrip().startswith("{#") or fragment.lstrip().startswith("<section")
    assert "<html" not in fragment and "Kadıköy" in fragment and "Beşiktaş" not in fragment


def test_location_detail_counts_every_status(manager, shop):
    run(shop["here"], "COMPLETE_PACKAGING")
    page = manager.get(f"/locations/{location_id('L1')}").get_data(as_text=True)
    tiles = dict(re.findall(r'<span class="tile-label">([^<]+)</span>\s*<span class="tile-count">(\d+)</span>', page))
    assert len(tiles) == len(PackageStatus)
    assert tiles["Packaging Completed"] == "1" and tiles["Pending"] == "0"


# --- package list ----------------------------------------------------------------------------


def test_the_slider_counts_every_status_and_filters_the_list(manager, shop):
    run(shop["here"], "COMPLETE_PACKAGING")
    page = manager.get("/packages/").get_data(as_text=True)
    slider = dict(re.findall(r'>([A-Za-z /]+) <span class="count">(\d+)</span>', page))
    assert slider["All"] == "2" and slider["Packaging Completed"] == "1" and slider["Pending"] == "1"
    packed = manager.get("/packages/?status=500", headers=HTMX).get_data(as_text=True)
    assert "<html" not in packed and "1001P1" in packed and "2001P1" not in packed


@pytest.mark.parametrize("search", ["1001", "A", "8690000000028"])
def test_search_finds_packages_by_order_number_sku_or_barcode(manager, shop, search):
    page = manager.get(f"/packages/?q={search}").get_data(as_text=True)
    assert "1001P1" in page
    if search != "A":
        assert "2001P1" not in page


def test_a_scanned_package_number_opens_the_package(staff, shop):
    response = staff.get("/packages/?q=1001P1")
    assert response.status_code == 302 and response.headers["Location"] == f"/packages/{shop['here']}"
    htmx = staff.get("/packages/?q=1001P1", headers=HTMX)
    assert htmx.headers["HX-Redirect"] == f"/packages/{shop['here']}"
    other = staff.get("/packages/?q=2001P1")  # another location's number is just not found
    assert other.status_code == 200 and "No packages" in other.get_data(as_text=True)


def test_bad_list_parameters_get_a_clear_error(manager, shop):
    for query in ("status=7", "status=abc", "page=x", "location=99999"):
        response = manager.get(f"/packages/?{query}")
        assert response.status_code in (400, 404), query
        assert "<h1>" in response.get_data(as_text=True)


# --- package detail and actions ------------------------------------------------------------


def test_detail_lists_exactly_the_commands_the_role_may_run(staff, shop):
    page = staff.get(f"/packages/{shop['here']}").get_data(as_text=True)
    menu = page[page.index("Select Action") : page.index("</details>")]
    assert "Packaging Completed" in menu and "Start Preparing" in menu
    assert "Block" not in menu and "Request Cancellation" not in menu  # not for store staff (instore)
    assert "Packed for Refund" in menu  # seed 002: run from the store screens


def test_a_plain_form_post_runs_the_command_and_redirects_with_a_message(staff, shop):
    response = _post_action(staff, shop["here"], "COMPLETE_PACKAGING")

    assert response.status_code == 302 and response.headers["Location"] == f"/packages/{shop['here']}"
    assert status_of(shop["here"]) is PackageStatus.PACKED
    page = staff.get(f"/packages/{shop['here']}").get_data(as_text=True)
    assert "Package 1001P1 packed." in page and "Show Shipping Label" in page
    assert_invariants()


def test_an_htmx_post_answers_with_the_package_fragment_and_what_happened(staff, shop):
    a_item = item_ids(shop["here"])[0]
    response = _post_action(
        staff, shop["here"], "DETECTED_OUT_OF_STOCK_ITEM", {"package_items": str(a_item), "reason": "not_found"}, HTMX
    )

    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in html and html.lstrip().startswith('<article id="package"')
    said = re.sub(r"<[^>]+>", "", html)  # the new package's number is a link (tests/test_pages_command_texts.py)
    assert "1 item marked not found." in said and "1 item replanned to Kadıköy as package 1001P2." in said
    assert status_of(shop["here"]) is PackageStatus.OUT_OF_STOCK
    assert_invariants()


def test_a_form_without_ticked_items_is_shown_again_with_the_error(staff, shop):
    before = snapshot()
    response = _post_action(staff, shop["here"], "DETECTED_OUT_OF_STOCK_ITEM", {"reason": "not_found"})
    assert response.status_code == 422
    assert "Tick the items that are missing or wrong." in response.get_data(as_text=True)
    assert snapshot() == before


def test_a_command_someone_else_ran_first_is_reported_in_the_page(staff, shop):
    page = staff.get(f"/packages/{shop['here']}").get_data(as_text=True)
    pack = transition("COMPLETE_PACKAGING", PackageStatus.WAITING)
    run(shop["here"], "COMPLETE_PACKAGING")  # someone else, elsewhere
    before = snapshot()

    response = staff.post(f"/packages/{shop['here']}/actions/{pack.id}", data={"csrf_token": csrf_token(page)})

    html = response.get_data(as_text=True)
    assert response.status_code == 409 and "That action is not available for this package now." in html
    assert "Package 1001P1" in html and snapshot() == before


def test_an_action_without_the_csrf_token_is_refused_and_changes_nothing(staff, shop):
    before = snapshot()
    row = transition("COMPLETE_PACKAGING", PackageStatus.WAITING)
    response = staff.post(f"/packages/{shop['here']}/actions/{row.id}", headers=HTMX)
    assert response.status_code == 400 and "nothing was changed" in response.get_data(as_text=True)
    assert snapshot() == before


def test_erp_text_is_shown_escaped(manager, shop):
    db.session.rollback()
    db.session.scalars(select(Product).where(Product.sku == "A")).one().name = "<script>alert('x')</script>"
    db.session.commit()
    [pid] = order(
        "3001", "A", prefer="L1", customer={"first_name": "<b>Bold</b>"}, notes="<img src=x onerror=alert(1)>"
    )

    page = manager.get(f"/packages/{pid}").get_data(as_text=True)
    assert "<script>alert" not in page and "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in page
    assert "<b>Bold</b>" not in page and "&lt;b&gt;Bold&lt;/b&gt;" in page
    assert "<img src=x" not in page
    assert "<script>alert" not in manager.get("/packages/?q=3001").get_data(as_text=True)


# --- documents -----------------------------------------------------------------------------


def test_the_package_document_carries_a_code_128_barcode(staff, shop):
    page = staff.get(f"/packages/{shop['here']}/document").get_data(as_text=True)
    assert "<svg" in page and "1001P1" in page and "Tea Glass" in page


def test_the_shipping_label_exists_once_the_package_is_packed(staff, shop):
    assert staff.get(f"/packages/{shop['here']}/label").status_code == 404
    run(shop["here"], "COMPLETE_PACKAGING")
    page = staff.get(f"/packages/{shop['here']}/label").get_data(as_text=True)
    assert page.count("<svg") == 2 and "Yurtiçi Kargo" in page and "YURT" in page


def test_a_refused_reschedule_says_why_in_the_page_and_changes_nothing(staff, shop):
    run(shop["here"], "DETECTED_OUT_OF_STOCK_ITEM", package_items=item_ids(shop["here"]))  # A and B go to L2
    [lonely] = order("1003", "A", prefer="L1")
    stock("L2", "A", 0)
    run(lonely, "DETECTED_OUT_OF_STOCK_ITEM", package_items=item_ids(lonely))  # nowhere else has A
    before = snapshot()

    response = _post_action(staff, lonely, "REPACK", headers=HTMX)

    html = response.get_data(as_text=True)
    assert response.status_code == 406
    assert "No stock location can serve the items of this package." in html
    assert 'class="panel"' not in html and snapshot() == before


def test_a_transfer_action_without_the_csrf_token_is_refused_and_changes_nothing(manager, shop):
    from oms_dashboard.models import TransferOrder
    from tests.helpers import fresh, location, scenario

    location("WH", priority=40, kind="warehouse", name="Warehouse", cargo="aras")
    stock("L1", "B", 0)
    stock("L2", "B", 0)
    stock("WH", "B", 5)
    scenario({"name": "Pack at the best store", "transferable": True, "locations": {"types": ["store"]}})
    order("4001", "A", "B")
    fresh()
    transfer = db.session.scalars(select(TransferOrder)).one()
    before = snapshot()

    response = manager.post(f"/transfers/{transfer.id}/actions/1", headers=HTMX)

    assert response.status_code == 400 and snapshot() == before
    page = manager.get(f"/transfers/{transfer.id}").get_data(as_text=True)
    token = csrf_token(page)
    dispatch = re.search(r'action="(/transfers/\d+/actions/\d+)"[^>]*>\s*<input[^>]*>\s*<button[^>]*>Dispatch<', page)
    assert manager.post(dispatch.group(1), data={"csrf_token": token}).status_code == 302
    fresh()
    assert db.session.get(TransferOrder, transfer.id).status == "in_transit"
