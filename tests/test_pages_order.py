"""The order page `/orders/<number>`: the order, its items, and every package and transfer made for it."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from oms_dashboard.extensions import db
from oms_dashboard.models import TransferOrder
from tests.helpers import item_ids, order, run, sign_in, user, waiting_transfer
from tests.test_query_counts import counted_statements

CUSTOMER = {"first_name": "Ayşe", "last_name": "Yılmaz", "email": "ayse@example.com", "phone": "+90 555 000 11 22"}
ADDRESS = {"line": "Moda Cad. 1", "city": "İstanbul"}


@pytest.fixture
def split_order(two_stores):
    """Order 1001 from Kadıköy (L1); its Coffee Cup was not found there and went to Beşiktaş (L2)."""
    [first] = order("1001", "A", "B", prefer="L1", customer=CUSTOMER, shipping_address=ADDRESS, channel="web")
    run(first, "DETECTED_OUT_OF_STOCK_ITEM", package_items=[item_ids(first)[1]])
    return first


def test_the_order_page_shows_the_order_its_items_and_its_packages(client, split_order):
    sign_in(client, "murat")
    html = client.get("/orders/1001").get_data(as_text=True)

    assert '<h1 id="order-title">Order 1001</h1>' in html
    for text in ("Ayşe Yılmaz", "ayse@example.com", "+90 555 000 11 22", "Moda Cad. 1", "İstanbul", "web"):
        assert text in html
    assert "Tea Glass" in html and "Coffee Cup" in html and "8690000000011" in html
    for number in ("1001P1", "1001P2", "1001P3"):
        assert number in html
    assert html.count('href="/packages/') >= 3  # a manager may open every package


def test_store_staff_see_their_packages_as_links_and_the_others_as_text(client, split_order):
    sign_in(client, "selin")
    html = client.get("/orders/1001").get_data(as_text=True)

    assert f'href="/packages/{split_order}">1001P1</a>' in html
    assert '<span class="no-access">1001P3</span>' in html  # at Beşiktaş


def test_store_staff_get_a_404_for_an_order_with_nothing_at_their_location(client, two_stores):
    order("2001", "A", prefer="L2")
    sign_in(client, "selin")

    assert client.get("/orders/2001").status_code == 404
    assert client.get("/orders/nothing-like-it").status_code == 404
    assert client.get("/orders/" + "9" * 65).status_code == 404


def test_the_package_page_links_its_order(client, split_order):
    sign_in(client, "selin")
    html = client.get(f"/packages/{split_order}").get_data(as_text=True)

    assert '<a href="/orders/1001">1001</a>' in html


def test_the_order_page_lists_the_transfers_made_for_it(client, two_stores):
    package_id = waiting_transfer("3009")
    transfer = db.session.scalars(select(TransferOrder).where(TransferOrder.package_id == package_id)).one()
    user("walter", "store_staff", "WH")
    sign_in(client, "murat")

    html = client.get("/orders/3009").get_data(as_text=True)

    assert f'href="/transfers/{transfer.id}">{transfer.number}</a>' in html
    assert "Warehouse" in html


def test_signed_out_visitors_are_sent_to_sign_in(client, split_order):
    response = client.get("/orders/1001")

    assert response.status_code == 302 and "/login" in response.headers["Location"]


def _queries(client, path: str) -> int:
    with counted_statements() as statements:
        response = client.get(path)
    assert response.status_code == 200
    return len(statements)


def test_the_order_page_costs_the_same_for_1_or_30_items(client, two_stores):
    order("F1", "A", prefer="L1")
    [many] = order("M1", *(["A", "B"] * 15), prefer="L1")
    run(many, "DETECTED_OUT_OF_STOCK_ITEM", package_items=item_ids(many)[:4])
    sign_in(client, "murat")

    few = _queries(client, "/orders/F1")
    assert _queries(client, "/orders/M1") == few <= 6


def test_an_order_number_with_a_slash_has_its_page(client, two_stores):
    [package_id] = order("WEB/2026/7", "A", prefer="L1")
    sign_in(client, "selin")

    package_page = client.get(f"/packages/{package_id}").get_data(as_text=True)
    assert '<a href="/orders/WEB/2026/7">WEB/2026/7</a>' in package_page
    assert "Order WEB/2026/7" in client.get("/orders/WEB/2026/7").get_data(as_text=True)


def test_each_item_shows_the_status_of_the_package_holding_it(client, two_stores):
    [package_id] = order("1002", "A", prefer="L1")
    run(package_id, "COMPLETE_PACKAGING")
    sign_in(client, "murat")
    html = client.get("/orders/1002").get_data(as_text=True)

    row = html[html.index("<td>Tea Glass</td>") :].split("</tr>")[0]
    assert "<td>Packaging Completed</td>" in row
