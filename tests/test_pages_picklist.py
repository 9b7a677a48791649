"""The pick list through the test client: active items summed per SKU, the packages it covers, the store's own
packages only, the list's filters, strict input, and a fixed number of queries."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from oms_dashboard.extensions import db
from oms_dashboard.models import Package
from tests.helpers import fresh, item_ids, location_id, order, product, run, sign_in, stock


@pytest.fixture
def shop(two_stores):
    """Kadıköy: 1001 (A, A, B), 1002 (A, C), 1003 (B, packed); Beşiktaş: 2001 (A)."""
    product("C", barcode="8690000000035", name="Teapot")
    stock("L1", "C", 5)
    packages = {
        "1001": order("1001", "A", "A", "B", prefer="L1")[0],
        "1002": order("1002", "A", "C", prefer="L1")[0],
        "1003": order("1003", "B", prefer="L1")[0],
        "2001": order("2001", "A", prefer="L2")[0],
    }
    run(packages["1003"], "COMPLETE_PACKAGING")
    return packages


def _lines(page: str) -> dict[str, int]:
    """SKU → quantity, as the pick list's table shows them."""
    rows = re.findall(r'<td class="sku">([^<]+)</td>\s*<td>[^<]*</td>\s*<td class="num quantity">(\d+)</td>', page)
    return {sku: int(quantity) for sku, quantity in rows}


def _ids(*package_ids: int) -> str:
    return "&".join(f"ids={package_id}" for package_id in package_ids)


def test_the_chosen_packages_active_items_are_summed_per_sku_in_sku_order(client, shop):
    sign_in(client, "murat")
    page = client.get(f"/packages/picklist?{_ids(shop['1001'], shop['1002'])}").get_data(as_text=True)

    assert _lines(page) == {"A": 3, "B": 1, "C": 1}
    assert list(_lines(page)) == ["A", "B", "C"]
    assert "Tea Glass" in page and "8690000000011" in page and "<svg" in page
    assert "5 units of 3 products for 2 packages" in page
    assert "1001P1" in page and "1002P1" in page and "1003P1" not in page
    assert "data-print" in page and "js/print.js" in page


def test_items_that_left_the_package_are_not_picked(client, shop):
    run(shop["1001"], "DETECTED_OUT_OF_STOCK_ITEM", package_items=item_ids(shop["1001"])[2:])  # B not found
    fresh()
    replanned = db.session.scalar(select(Package.id).where(Package.number == "1001P2"))
    sign_in(client, "murat")
    page = client.get(f"/packages/picklist?{_ids(shop['1001'], replanned)}").get_data(as_text=True)

    assert _lines(page) == {"A": 2}  # 1001 keeps no active item; its A, A went on in 1001P2, B is not found
    assert "1001P1" in page and "1001P2" in page


def test_store_staff_pick_only_their_own_locations_packages(client, shop):
    sign_in(client, "selin")
    page = client.get(f"/packages/picklist?{_ids(shop['1001'], shop['2001'])}").get_data(as_text=True)

    assert _lines(page) == {"A": 2, "B": 1}
    assert "2001P1" not in page


def test_without_ids_the_list_filters_choose_the_packages(client, shop):
    sign_in(client, "murat")
    waiting_here = client.get(f"/packages/picklist?status=100&location={location_id('L1')}").get_data(as_text=True)
    searched = client.get("/packages/picklist?q=1002").get_data(as_text=True)

    assert _lines(waiting_here) == {"A": 3, "B": 1, "C": 1}
    assert _lines(searched) == {"A": 1, "C": 1}


@pytest.mark.parametrize("query", ["ids=x", "ids=0", "status=7", "page=abc", "location=-1"])
def test_bad_pick_list_parameters_are_a_400_naming_the_field(client, shop, query):
    sign_in(client, "murat")
    response = client.get(f"/packages/picklist?{query}")
    assert response.status_code == 400
    assert query.split("=")[0] in response.get_data(as_text=True)


def test_more_than_500_ids_are_refused(client, shop):
    sign_in(client, "murat")
    response = client.get("/packages/picklist?" + _ids(*range(1, 502)))
    assert response.status_code == 400 and "ids" in response.get_data(as_text=True)
