"""The pages link only to what the signed-in user may open: no link that answers 404."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from oms_dashboard.actors import SYSTEM
from oms_dashboard.extensions import db
from oms_dashboard.models import Package, Transition
from oms_dashboard.services.commands import run_command
from tests.helpers import item_ids, order, package, sign_in, skus_in

HTMX = {"HX-Request": "true"}
LINK = re.compile(r'<a [^>]*href="(/(?:packages|transfers|locations)/[^"?]*)[^"]*"[^>]*>([^<]*)</a>')


@pytest.fixture
def split_order(two_stores):
    """Order 1001 packed at Kadıköy (L1); its Coffee Cup was not found there and went to Beşiktaş (L2)."""
    [first] = order("1001", "A", "B", prefer="L1")
    coffee_cup = item_ids(first)[1]
    not_found = db.session.scalar(
        select(Transition.id).where(Transition.slug == "package__detected_out_of_stock_item__waiting__out_of_stock")
    )
    run_command(
        package_id=first, actor=SYSTEM, transition_id=not_found, input_parameters={"package_items": [coffee_cup]}
    )
    old = package(first)
    others = db.session.scalars(select(Package).where(Package.order_id == old.order_id, Package.id != first)).all()
    new = {skus_in(other.id)[0]: package(other.id) for other in others}
    assert new["A"].stock_location.erp_code == "L1" and new["B"].stock_location.erp_code == "L2"
    return {"first": first, "here": new["A"].id, "here_number": new["A"].number, "there_number": new["B"].number}


def _links(html: str) -> dict[str, str]:
    return {text.strip(): href for href, text in LINK.findall(html)}


@pytest.mark.parametrize(
    ("username", "may_open_there"), [("selin", False), ("murat", True)], ids=["store-employee", "manager"]
)
@pytest.mark.parametrize("fragment", [False, True], ids=["page", "htmx"])
def test_other_packages_of_the_order_link_only_where_the_user_may_go(
    client, split_order, username, may_open_there, fragment
):
    sign_in(client, username)
    response = client.get(f"/packages/{split_order['first']}", headers=HTMX if fragment else {})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    others = html[html.index('id="info-others"') : html.index('id="info-items"')]
    items = html[html.index('id="info-items"') : html.index('id="info-history"')]
    here, there = split_order["here_number"], split_order["there_number"]

    # The same-store package is a link for both.
    assert here in _links(others) and here in _links(items)
    # The other store's package: always its number and its location, a link only for the manager.
    assert there in others and "Beşiktaş" in others
    assert there in items and (may_open_there or "at Beşiktaş" in items)
    assert (there in _links(others)) is may_open_there
    assert (there in _links(items)) is may_open_there


def test_every_link_a_store_employee_is_shown_opens(client, split_order):
    sign_in(client, "selin")
    for path in (f"/packages/{split_order['first']}", f"/packages/{split_order['here']}", "/", "/packages/"):
        html = client.get(path).get_data(as_text=True)
        for href in set(_links(html).values()):
            assert client.get(href).status_code == 200, (path, href)


def test_a_transfer_page_links_its_package_only_for_those_who_may_open_it(client, two_stores):
    """The source store sees the transfer it sends, and the package it is for as text (it is another store's)."""
    from oms_dashboard.models import TransferOrder
    from tests.helpers import user, waiting_transfer

    package_id = waiting_transfer("3009")
    user("walter", "store_staff", "WH")
    transfer_id = db.session.scalars(select(TransferOrder.id).where(TransferOrder.package_id == package_id)).one()
    sign_in(client, "walter")

    page = client.get(f"/transfers/{transfer_id}").get_data(as_text=True)

    assert "3009P1" in page and f'href="/packages/{package_id}"' not in page
