"""Bulk actions on the package list through the test client: the toolbar, the confirmation, each package's
result, the store's own packages only, strict input, and the read-only buttons' addresses."""

from __future__ import annotations

import re

import pytest
from flask import url_for

from oms_dashboard.states import PackageStatus
from tests.helpers import ApiClient, csrf_token, nothing_changes, order, run, sign_in, status_of, token

HTMX = {"HX-Request": "true"}


@pytest.fixture
def shop(two_stores):
    """Four Kadıköy packages (1001–1004) and one at Beşiktaş (2001)."""
    here = [order(f"100{number}", "A", prefer="L1")[0] for number in range(1, 5)]
    there = order("2001", "B", prefer="L2")[0]
    return {"here": here, "there": there}


@pytest.fixture
def staff(client, shop):
    sign_in(client, "selin")
    return client


def _token(client, path: str = "/packages/") -> str:
    return csrf_token(client.get(path).get_data(as_text=True))


def _bulk(client, ids, *, command="COMPLETE_PACKAGING:500", confirm=True, headers=None, **fields):
    data = {"csrf_token": _token(client), "ids": [str(i) for i in ids], "command": command, **fields}
    if confirm:
        data["confirm"] = "1"
    return client.post("/packages/bulk", data=data, headers=headers or {})


def test_every_row_has_a_labelled_checkbox_and_the_toolbar_offers_only_commands_without_input(staff, shop):
    page = staff.get("/packages/").get_data(as_text=True)

    for package_id in shop["here"]:
        assert re.search(
            rf'<input type="checkbox" form="bulk-form" name="ids" value="{package_id}"[^>]*aria-label=', page
        )
    assert f'value="{shop["there"]}"' not in page
    toolbar = page[page.index('id="bulk-form"') : page.index("</form>", page.index('id="bulk-form"'))]
    assert '<option value="COMPLETE_PACKAGING:500">Packaging Completed</option>' in toolbar
    assert "Start Preparing" in toolbar
    # Commands that need a form (items, a reason, a carrier) are on the package page only.
    for needs_input in ("Product Not Found", "Refuse", "Packaging Completed by Barcode Scan"):
        assert needs_input not in toolbar
    assert "Select all on this page" in page and 'value="picklist"' in toolbar


def test_run_without_confirm_answers_with_the_confirmation_and_changes_nothing(staff, shop):
    with nothing_changes():
        response = _bulk(staff, shop["here"][:2], confirm=False)
    page = response.get_data(as_text=True)

    assert response.status_code == 200
    assert "Packaging Completed: 2 packages?" in page
    assert "1001P1" in page and "1002P1" in page
    assert 'name="confirm" value="1"' in page
    assert "This cannot be undone" in page
    # The ticked packages stay ticked under the confirmation.
    assert re.search(rf'value="{shop["here"][0]}"[^>]*checked', page)


def test_mixed_results_are_reported_per_package_and_only_the_refused_stay(staff, shop):
    first, second, changed, fourth = shop["here"]
    run(changed, "COMPLETE_PACKAGING")  # someone packed it at the desk meanwhile

    response = _bulk(staff, [first, second, changed, shop["there"], fourth], headers=HTMX)
    page = response.get_data(as_text=True)

    assert response.status_code == 200
    assert "Packaging Completed: 3 packed, 1 refused, 1 not found" in page
    assert [status_of(i) for i in (first, second, fourth)] == [PackageStatus.PACKED] * 3
    assert status_of(shop["there"]) is PackageStatus.WAITING  # another location's: never run
    assert "2001P1" not in page
    assert f"Package #{shop['there']}" in page
    assert "Packaging Completed is not available for a package in Packaging Completed." in page
    assert re.search(
        r'<a href="/packages/\d+">1001P1</a>\s*<span class="outcome">Done</span>\s*Package 1001P1 packed', page
    )
    assert page.lstrip().startswith('<section id="package-list"')  # the list region, refreshed


def test_a_command_refused_by_the_command_service_does_not_undo_the_others(staff, shop):
    first, second, *_ = shop["here"]
    run(second, "PKG_STATE_TRANSITION")  # Preparing: Start Preparing is no longer offered for it

    page = _bulk(staff, [first, second], command="PKG_STATE_TRANSITION:200").get_data(as_text=True)

    assert "Start Preparing: 1 started, 1 refused" in page
    assert status_of(first) is PackageStatus.PREPARING


def test_without_javascript_the_run_answers_with_the_whole_page(staff, shop):
    response = _bulk(staff, shop["here"][:1])
    page = response.get_data(as_text=True)

    assert response.status_code == 200 and "<html" in page
    assert "1 packed" in page
    assert 'class="slider"' in page


def test_select_all_on_this_page_ticks_every_row_without_javascript(staff, shop):
    page = staff.post(
        "/packages/bulk", data={"csrf_token": _token(staff), "action": "select_all", "status": "100"}
    ).get_data(as_text=True)

    for package_id in shop["here"]:
        assert re.search(rf'name="ids" value="{package_id}"[^>]*checked', page)
    assert 'name="status" value="100"' in page  # the list keeps its filter


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"ids": ["x"]}, "ids"),
        ({"ids": ["0"]}, "ids"),
        ({"ids": [str(n) for n in range(1, 102)]}, "ids"),
        ({"command": "DROP TABLE"}, "command"),
        ({"command": "DETECTED_OUT_OF_STOCK_ITEM:920"}, "command"),  # needs a form: not a bulk command
        ({"command": "BLOCK:300"}, "command"),  # managers only
        ({"action": "explode"}, "action"),
        ({"page": "-1"}, "page"),
    ],
)
def test_bad_input_is_a_400_naming_the_field_and_changes_nothing(staff, shop, fields, field):
    data = {"csrf_token": _token(staff), "ids": [str(shop["here"][0])], "command": "COMPLETE_PACKAGING:500"}
    data |= {"confirm": "1", **fields}
    with nothing_changes():
        response = staff.post("/packages/bulk", data=data)

    assert response.status_code == 400
    assert field in response.get_data(as_text=True)


def test_nothing_ticked_says_so_in_the_list(staff, shop):
    with nothing_changes():
        response = _bulk(staff, [], headers=HTMX)
    assert response.status_code == 400
    assert "Tick the packages first." in response.get_data(as_text=True)


def test_the_bulk_post_needs_the_csrf_token(staff, shop):
    with nothing_changes():
        response = staff.post(
            "/packages/bulk", data={"ids": [str(shop["here"][0])], "command": "COMPLETE_PACKAGING:500", "confirm": "1"}
        )
    assert response.status_code == 400


def test_managers_get_their_own_commands_and_act_on_every_location(client, shop):
    sign_in(client, "murat")
    page = client.get("/packages/?status=100").get_data(as_text=True)
    assert "Block" in page  # the office's command

    result = _bulk(client, [shop["here"][0], shop["there"]], command="BLOCK:300").get_data(as_text=True)
    assert "Block: 2 blocked" in result
    assert status_of(shop["there"]) is PackageStatus.BLOCKED


def test_the_print_and_pick_buttons_lead_to_their_pages_with_the_ticked_ids(app, client, shop):
    sign_in(client, "selin")
    first, second, *_ = shop["here"]
    page = client.get("/packages/").get_data(as_text=True)
    assert "Print labels" in page and "Print documents" in page

    with app.test_request_context():
        expected = {
            action: url_for(endpoint, ids=[first, second])
            for action, endpoint in (
                ("labels", "documents.labels"),
                ("documents", "documents.documents"),
                ("picklist", "bulk.picklist"),
            )
        }
    for action, url in expected.items():
        response = _bulk(client, [first, second], action=action, confirm=False)
        assert response.status_code == 302
        assert response.headers["Location"] == url
    assert _bulk(client, [first], action="picklist", headers=HTMX).headers["HX-Redirect"] == expected[
        "picklist"
    ].replace(f"&ids={second}", "")


def test_the_api_is_unchanged_by_the_bulk_pages(client, shop):
    api = ApiClient(client, token())
    response = api.get("packages/", page_size=10)
    assert response.status_code == 200
    assert response.get_json()["count"] == 5
