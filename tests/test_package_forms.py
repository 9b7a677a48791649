"""The package action forms: what each sends is what its command's input model accepts; Manual Planning without JS."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from oms_dashboard.extensions import db
from oms_dashboard.models import CargoCompany, Package
from oms_dashboard.services.commands.inputs import (
    ManualPlanningInput,
    PickupInput,
    ShipmentLabelInput,
    ShipmentOrderInput,
    ShipWithoutIntegrationInput,
    parse_input,
)
from oms_dashboard.states import ItemStatus, PackageStatus
from oms_dashboard.views.package_forms import FORMS, ManualPlanningForm, build_form
from tests.helpers import csrf_token, item_ids, order, package, sign_in, snapshot, status_of, stock, transition
from tests.invariants import assert_invariants
from tests.test_query_counts import counted_statements

HTMX = {"HX-Request": "true"}


@pytest.fixture
def waiting(two_stores):
    """Order 1001 (Tea Glass A, Coffee Cup B) waiting at Kadıköy (L1)."""
    return order("1001", "A", "B", prefer="L1")[0]


def _form(app, command: str, package_id: int, data: dict):
    app.config["WTF_CSRF_ENABLED"] = False
    with app.test_request_context(method="POST", data=data):
        form = build_form(command, package=package(package_id), formdata=MultiDict(data))
        valid = form.validate()
        return valid, form.errors, (form.input_parameters() if valid else None)


def _carrier() -> int:
    return db.session.scalar(select(CargoCompany.id).where(CargoCompany.is_active).order_by(CargoCompany.id))


# --- the forms of the new commands: their input_parameters pass the command's own validation ---------


@pytest.mark.parametrize(
    ("command", "model", "data"),
    [
        ("SHIP_WITHOUT_SHIPMENT_INTEGRATION", ShipWithoutIntegrationInput, {}),
        ("SHIP_WITHOUT_SHIPMENT_INTEGRATION", ShipWithoutIntegrationInput, {"tracking_number": " TR-1 ", "carrier": 1}),
        ("SHIPMENT_ORDER", ShipmentOrderInput, {}),
        ("SHIPMENT_ORDER", ShipmentOrderInput, {"carrier": 1}),
        ("UPDATE_SHIPMENT_LABEL", ShipmentLabelInput, {}),
        (
            "UPDATE_SHIPMENT_LABEL",
            ShipmentLabelInput,
            {"tracking_number": "AWB-9", "carrier": 1, "label_url": "https://labels.example.com/AWB-9.pdf"},
        ),
        ("SELF_SERVICE_DELIVERY", PickupInput, {}),
        ("SELF_SERVICE_DELIVERY", PickupInput, {"pickup_code": " 4821 "}),
    ],
)
def test_each_new_forms_input_parameters_validate_against_the_commands_input(app, waiting, command, model, data):
    data = dict(data)
    if data.pop("carrier", None):
        data["cargo_company"] = str(_carrier())
    valid, errors, parameters = _form(app, command, waiting, data)

    assert valid, errors
    parsed = parse_input(model, parameters)  # raises AppError (400) when the command would refuse it
    sent = {key: value for key, value in data.items() if value}
    for key, value in parameters.items():
        assert getattr(parsed, key) == value
    assert set(parameters) == set(sent)  # blank fields are left out: the command's defaults apply
    if "tracking_number" in data:
        assert parameters["tracking_number"] == data["tracking_number"].strip()
    if "pickup_code" in data:
        assert parameters == {"pickup_code": "4821"}


@pytest.mark.parametrize(
    ("command", "data", "field"),
    [
        ("UPDATE_SHIPMENT_LABEL", {"label_url": "ftp://labels.example.com/x"}, "label_url"),
        ("UPDATE_SHIPMENT_LABEL", {"tracking_number": "x" * 129}, "tracking_number"),
        ("SELF_SERVICE_DELIVERY", {"pickup_code": "9" * 33}, "pickup_code"),
    ],
)
def test_the_new_forms_refuse_what_the_command_would(app, waiting, command, data, field):
    valid, errors, _ = _form(app, command, waiting, data)
    assert not valid and field in errors


def test_update_shipment_status_runs_as_a_plain_button():
    assert "UPDATE_SHIPMENT_STATUS" not in FORMS
    for command in ("SHIP_WITHOUT_SHIPMENT_INTEGRATION", "SHIPMENT_ORDER", "UPDATE_SHIPMENT_LABEL"):
        assert FORMS[command] is not None
    assert FORMS["SELF_SERVICE_DELIVERY"] and FORMS["MANUAL_PLANNING"] is ManualPlanningForm


def test_the_manual_planning_form_groups_items_by_location(app, two_stores):
    [package_id] = order("1002", "A", "B", "A", prefer="L1")
    first, second, third = item_ids(package_id)
    data = {f"item_{first}": "L2", f"item_{second}": "L1", f"item_{third}": "L2"}
    valid, errors, parameters = _form(app, "MANUAL_PLANNING", package_id, data)

    assert valid, errors
    assert parameters == {
        "assignment_groups": [
            {"package_items": [first, third], "stock_location": "L2"},
            {"package_items": [second], "stock_location": "L1"},
        ]
    }
    parse_input(ManualPlanningInput, parameters)
    with app.test_request_context():
        form = build_form("MANUAL_PLANNING", package=package(package_id))
        labels = [form[name].label.text for _, name in form.item_fields]
    assert labels == ["A · Tea Glass (1 of 2)", "B · Coffee Cup", "A · Tea Glass (2 of 2)"]


# --- Manual Planning in the pages, without JavaScript (and with htmx) -----------------------------------


@pytest.fixture
def manager(client, waiting):
    sign_in(client, "murat")
    return client


def _form_path(package_id: int) -> str:
    return f"/packages/{package_id}?action={transition('MANUAL_PLANNING', status_of(package_id)).id}"


def _post(client, package_id: int, data: dict, headers: dict | None = None):
    page = client.get(_form_path(package_id)).get_data(as_text=True)
    return client.post(
        f"/packages/{package_id}/actions/{transition('MANUAL_PLANNING', status_of(package_id)).id}",
        data={"csrf_token": csrf_token(page), **data},
        headers=headers or {},
    )


def _selected(html: str, item_id: int) -> str | None:
    select_html = re.search(rf'<select[^>]*name="item_{item_id}".*?</select>', html, re.S).group(0)
    chosen = re.search(r'<option selected value="([^"]*)"|<option value="([^"]*)" selected', select_html)
    return (chosen.group(1) or chosen.group(2)) if chosen else None


def test_the_form_shows_every_active_location_with_the_units_available_for_each_item(manager, waiting):
    stock("L2", "B", 3)
    html = manager.get(_form_path(waiting)).get_data(as_text=True)
    tea, coffee = item_ids(waiting)

    assert '<h2 id="action-title">Manual Planning</h2>' in html
    assert re.search(rf'<label for="item_{tea}">A · Tea Glass</label>', html)
    assert re.search(rf'<label for="item_{coffee}">B · Coffee Cup</label>', html)
    tea_select = re.search(rf'<select[^>]*name="item_{tea}".*?</select>', html, re.S).group(0)
    coffee_select = re.search(rf'<select[^>]*name="item_{coffee}".*?</select>', html, re.S).group(0)
    # This package holds one of each at Kadıköy: 20 on hand, 1 reserved.
    assert ">Kadıköy (L1) · 19 available</option>" in tea_select
    assert ">Beşiktaş (L2) · 20 available</option>" in tea_select
    assert ">Kadıköy (L1) · 19 available</option>" in coffee_select
    assert ">Beşiktaş (L2) · 3 available</option>" in coffee_select
    assert "Pick a location…" in tea_select


def test_the_forms_query_count_does_not_grow_with_items(manager, two_stores):
    [few] = order("2001", "A", prefer="L2")
    [many] = order("2002", *(["A", "B"] * 6), prefer="L2")
    with counted_statements() as small:
        assert manager.get(_form_path(few)).status_code == 200
    with counted_statements() as large:
        assert manager.get(_form_path(many)).status_code == 200
    assert len(large) == len(small)


def test_a_plain_form_post_plans_the_items_and_cancels_the_package(manager, waiting):
    tea, coffee = item_ids(waiting)
    response = _post(manager, waiting, {f"item_{tea}": "L1", f"item_{coffee}": "L2"})

    assert response.status_code == 302 and response.headers["Location"] == f"/packages/{waiting}"
    assert status_of(waiting) is PackageStatus.CANCELLED
    old = package(waiting)
    assert all(item.status == ItemStatus.REPLANNED for item in old.items)
    new = db.session.scalars(select(Package).where(Package.id != waiting).order_by(Package.id)).all()
    assert [(p.stock_location.erp_code, p.state) for p in new] == [
        ("L1", PackageStatus.WAITING),
        ("L2", PackageStatus.WAITING),
    ]
    page = manager.get(f"/packages/{waiting}").get_data(as_text=True)
    said = re.sub(r"<[^>]+>", "", page)  # the new packages' numbers are links
    assert "Package 1001P1 cancelled; new packages: 1001P2 at Kadıköy; 1001P3 at Beşiktaş." in said
    assert '<span class="badge status-cancelled">Canceled</span>' in page
    assert_invariants()


def test_with_htmx_the_package_is_swapped_with_the_message(manager, waiting):
    tea, coffee = item_ids(waiting)
    response = _post(manager, waiting, {f"item_{tea}": "L2", f"item_{coffee}": "L2"}, headers=HTMX)

    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in html
    assert "Package 1001P1 cancelled; new packages: 1001P2 at Beşiktaş." in re.sub(r"<[^>]+>", "", html)
    assert re.search(r'new packages: <a href="/packages/\d+">1001P2</a> at Beşiktaş', html)
    assert status_of(waiting) is PackageStatus.CANCELLED


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
def test_a_location_without_the_units_is_refused_in_the_form_keeping_the_choices(manager, waiting, htmx):
    stock("L2", "B", 0)
    tea, coffee = item_ids(waiting)
    before = snapshot()
    response = _post(manager, waiting, {f"item_{tea}": "L1", f"item_{coffee}": "L2"}, headers=HTMX if htmx else None)

    html = response.get_data(as_text=True)
    assert response.status_code == 406
    assert ("<html" in html) is not htmx
    panel = html[html.index('class="panel"') :]
    assert '<div class="notice error" role="alert">Beşiktaş has not got 1 × B available.</div>' in panel
    assert html.count('role="alert"') == 1
    assert _selected(html, tea) == "L1" and _selected(html, coffee) == "L2"
    assert snapshot() == before


def test_every_item_needs_a_location(manager, waiting):
    tea, coffee = item_ids(waiting)
    before = snapshot()
    response = _post(manager, waiting, {f"item_{tea}": "L1"})

    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert f'<p class="field-error" id="item_{coffee}-error">Pick a location for this item.</p>' in html
    assert _selected(html, tea) == "L1"
    assert snapshot() == before


def test_store_staff_are_not_offered_manual_planning(client, waiting):
    sign_in(client, "selin")
    page = client.get(f"/packages/{waiting}").get_data(as_text=True)
    assert "Manual Planning" not in page
    response = client.get(_form_path(waiting))
    assert response.status_code == 409 and "Manual Planning" not in response.get_data(as_text=True)
