"""What the package and transfer pages say about commands: the packages a Not Found made are links (where the
user may open them), and the history names commands by their labels, with the codes for managers only."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from oms_dashboard.extensions import db
from oms_dashboard.models import Package, TransferOrder, Transition
from tests.helpers import (
    ApiClient,
    csrf_token,
    fresh,
    item_ids,
    order,
    run,
    sign_in,
    token,
    transfer_command,
    user,
    waiting_transfer,
)

HTMX = {"HX-Request": "true"}
NOT_FOUND = "package__detected_out_of_stock_item__waiting__out_of_stock"


def _not_found(client, package_id: int, item_id: int, *, htmx: bool):
    page = client.get(f"/packages/{package_id}").get_data(as_text=True)
    transition_id = db.session.scalar(select(Transition.id).where(Transition.slug == NOT_FOUND))
    return client.post(
        f"/packages/{package_id}/actions/{transition_id}",
        data={"csrf_token": csrf_token(page), "package_items": [item_id], "reason": "not_found", "denial_reason": 0},
        headers=HTMX if htmx else {},
        follow_redirects=not htmx,
    )


def _made_by(first: int) -> dict[str, Package]:
    """The packages the Not Found made from `first`, by their location's code."""
    fresh()
    order_id = db.session.get(Package, first).order_id
    made = db.session.scalars(select(Package).where(Package.order_id == order_id, Package.id != first))
    return {package.stock_location.erp_code: package for package in made}


def _notice(html: str) -> str:
    return re.search(r'<div class="notice success" role="status">(.*?)</div>', html, re.S).group(1)


@pytest.mark.parametrize("htmx", [True, False], ids=["htmx", "plain-form"])
def test_the_package_a_not_found_made_here_is_a_link_in_the_message(client, two_stores, htmx):
    [first] = order("1001", "A", "B", prefer="L1")
    sign_in(client, "selin")

    response = _not_found(client, first, item_ids(first)[1], htmx=htmx)
    notice = _notice(response.get_data(as_text=True))

    made = _made_by(first)
    here, there = made["L1"], made["L2"]
    assert f'as package <a href="/packages/{here.id}">{here.number}</a>.' in notice
    # Beşiktaş's package is named, not linked: Selin cannot open it.
    assert there.number in notice and f'href="/packages/{there.id}"' not in notice


def test_a_manager_gets_links_to_every_package_a_not_found_made(client, two_stores):
    [first] = order("1001", "A", "B", prefer="L1")
    sign_in(client, "murat")

    notice = _notice(_not_found(client, first, item_ids(first)[1], htmx=True).get_data(as_text=True))

    there = _made_by(first)["L2"]
    assert f'<a href="/packages/{there.id}">{there.number}</a>' in notice


def test_the_result_names_the_packages_made_and_the_api_body_keeps_its_shape(two_stores):
    [first] = order("1001", "A", "B", prefer="L1")

    result = run(first, "DETECTED_OUT_OF_STOCK_ITEM", package_items=[item_ids(first)[1]])

    made = _made_by(first)
    assert [(c.id, c.number, c.location_name) for c in result.created] == [
        (made["L1"].id, made["L1"].number, "Kadıköy"),
        (made["L2"].id, made["L2"].number, "Beşiktaş"),
    ]
    assert set(result.body) == {
        "package__id",
        "package__number",
        "package__stock_location__id",
        "package__stock_location__name",
        "is_same_location",
    }


def _history(html: str) -> str:
    return html[html.index('id="info-history"') :]


def test_store_staff_see_command_labels_and_no_codes_in_the_history(client, two_stores):
    [package_id] = order("1001", "A", prefer="L1")
    run(package_id, "COMPLETE_PACKAGING")
    sign_in(client, "selin")

    history = _history(client.get(f"/packages/{package_id}").get_data(as_text=True))

    assert "Packaging Completed" in history and "Order received" in history
    assert "COMPLETE_PACKAGING" not in history and "ORDER_CREATED" not in history


def test_managers_see_the_label_and_the_code(client, two_stores):
    [package_id] = order("1001", "A", prefer="L1")
    run(package_id, "COMPLETE_PACKAGING")
    sign_in(client, "murat")

    history = _history(client.get(f"/packages/{package_id}").get_data(as_text=True))

    assert re.search(r'Packaging Completed <code class="muted">COMPLETE_PACKAGING</code>', history)


@pytest.mark.parametrize(("username", "codes"), [("walter", False), ("murat", True)])
def test_the_transfer_history_shows_labels_and_codes_only_to_managers(client, two_stores, username, codes):
    package_id = waiting_transfer("3009")
    user("walter", "store_staff", "WH")
    transfer_id = db.session.scalars(select(TransferOrder.id).where(TransferOrder.package_id == package_id)).one()
    assert transfer_command(ApiClient(client, token()), transfer_id, "TRANSFER_READY_FOR_DISPATCH").status_code in (
        200,
        204,
    )
    sign_in(client, username)

    html = client.get(f"/transfers/{transfer_id}").get_data(as_text=True)
    history = html[html.index('id="transfer-history"') :]

    assert "Transfer created" in history and "Ready for Dispatch" in history
    assert ("TRANSFER_READY_FOR_DISPATCH" in history) is codes and ("TRANSFER_CREATED" in history) is codes
