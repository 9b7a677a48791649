"""Stock at risk: the ERP's push sets a shelf below what open packages reserved; the pages flag those packages.

The push drops nothing (`reserved` stays, `available` is 0); the list, the package page and the location page
say which packages are at risk until the stock returns.
"""

from __future__ import annotations

import re

import pytest

from oms_dashboard.selectors.stock_at_risk import at_risk_count
from tests.helpers import ApiClient, available, csrf_token, location_id, order, run, sign_in, token, waiting_transfer
from tests.invariants import assert_invariants
from tests.test_query_counts import counted_statements

HTMX = {"HX-Request": "true"}
FLAG = '<span class="badge at-risk-flag"'


@pytest.fixture
def shop(two_stores):
    """Three waiting packages at Kadıköy (L1): two hold a Tea Glass (A), one a Coffee Cup (B); one at Beşiktaş."""
    tea = [order(f"10{number}", "A", prefer="L1")[0] for number in (1, 2)]
    [cup] = order("103", "B", prefer="L1")
    [away] = order("201", "A", prefer="L2")
    return {"tea": tea, "cup": cup, "away": away}


@pytest.fixture
def erp(client, shop):
    return ApiClient(client, token())


@pytest.fixture
def manager(client, shop):
    sign_in(client, "murat")
    return client


def push(erp: ApiClient, code: str, sku: str, quantity: int) -> None:
    response = erp.put("stocks/", [{"stock_location": code, "sku": sku, "quantity": quantity}])
    assert response.status_code == 200, response.get_json()


def page(client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_data(as_text=True)


def flagged(html: str) -> set[str]:
    """The package numbers of the list's rows that carry the badge."""
    rows = re.findall(r"<tr>(.*?)</tr>", html, flags=re.S)
    return {re.search(r">(\d+P\d+)</a>", row).group(1) for row in rows if FLAG in row}


def listed(html: str) -> set[str]:
    return set(re.findall(r'<a href="/packages/\d+">(\d+P\d+)</a>', html))


def test_a_push_below_the_reserved_units_flags_the_packages_everywhere_until_the_stock_returns(erp, manager, shop):
    l1 = location_id("L1")
    assert flagged(page(manager, "/packages/")) == set()
    assert "No packages with stock at risk." in page(manager, f"/locations/{l1}")

    push(erp, "L1", "A", 1)  # two Tea Glasses reserved at Kadıköy, one on the shelf

    assert available("L1", "A") == (1, 2)  # nothing dropped: reserved stays, nothing is available
    assert_invariants()
    html = page(manager, "/packages/")
    assert flagged(html) == {"101P1", "102P1"}  # not the Coffee Cup, not Beşiktaş's Tea Glass
    assert 'title="The shelf holds fewer units than open packages reserved."' in html
    assert ">Stock at risk</span>" in html

    detail = page(manager, f"/packages/{shop['tea'][0]}")
    assert 'class="notice warning stock-at-risk"' in detail
    assert re.search(r"Tea Glass</span> <code>A</code>:\s*2 reserved, 1 on the shelf</li>", detail)
    assert "stock-at-risk" not in page(manager, f"/packages/{shop['cup']}")

    location_page = page(manager, f"/locations/{l1}")
    assert f'href="/packages/?location={l1}&amp;at_risk=1">2 packages with stock at risk</a>' in location_page
    assert "No packages with stock at risk." in page(manager, f"/locations/{location_id('L2')}")
    # the counts' poll brings the line along, swapped by its id
    polled = manager.get(f"/locations/{l1}", headers=HTMX).get_data(as_text=True)
    assert 'id="stock-at-risk" class="stock-at-risk-summary" hx-swap-oob="true"' in polled
    assert "2 packages with stock at risk" in polled

    push(erp, "L1", "A", 2)  # back to what is reserved: nothing at risk any more
    assert flagged(page(manager, "/packages/")) == set()
    assert "stock-at-risk" not in page(manager, f"/packages/{shop['tea'][0]}")
    assert "No packages with stock at risk." in page(manager, f"/locations/{l1}")


def test_the_filter_lists_only_the_packages_at_risk_with_the_other_filters(erp, manager, shop):
    push(erp, "L1", "A", 0)
    push(erp, "L2", "A", 0)
    l1 = location_id("L1")

    assert listed(page(manager, "/packages/?at_risk=1")) == {"101P1", "102P1", "201P1"}
    filtered = page(manager, f"/packages/?location={l1}&at_risk=1")
    assert listed(filtered) == {"101P1", "102P1"}
    assert 'name="at_risk" value="1" checked' in filtered  # the form keeps it
    assert "Only packages with stock at risk" in filtered
    # the slider counts and its links keep the filter, like the other filters
    assert f'href="/packages/?location={l1}&amp;status=100&amp;at_risk=1"' in filtered
    assert '<span class="count">2</span>' in filtered
    assert listed(page(manager, f"/packages/?location={l1}&at_risk=1&status=100&q=102")) == {"102P1"}
    assert listed(page(manager, f"/packages/?location={l1}&at_risk=1&status=200")) == set()
    assert listed(manager.get("/packages/?at_risk=1&location=" + str(l1), headers=HTMX).get_data(as_text=True)) == {
        "101P1",
        "102P1",
    }
    assert listed(page(manager, "/packages/?at_risk=")) == {"101P1", "102P1", "103P1", "201P1"}  # blank: not given
    assert at_risk_count(location_id=l1) == 2

    for bad in ("yes", "0", "true", "11"):
        response = manager.get(f"/packages/?at_risk={bad}")
        assert response.status_code == 400, bad
        assert 'role="alert">at_risk: ' in response.get_data(as_text=True)


def test_packing_takes_a_package_off_the_list_and_leaves_the_other_at_risk(erp, manager, shop):
    push(erp, "L1", "A", 1)
    first, _second = shop["tea"]
    run(first, "COMPLETE_PACKAGING")  # its reservation is consumed: the shelf holds 0 of 1 reserved
    assert listed(page(manager, "/packages/?at_risk=1")) == {"102P1"}
    assert available("L1", "A") == (0, 1)
    assert_invariants()


def test_store_staff_see_the_flag_of_their_own_location_only(client, erp, shop):
    push(erp, "L1", "A", 0)
    push(erp, "L2", "A", 0)
    sign_in(client, "selin")
    assert listed(page(client, "/packages/?at_risk=1")) == {"101P1", "102P1"}
    assert flagged(page(client, "/packages/")) == {"101P1", "102P1"}


def test_the_list_costs_the_same_number_of_queries_with_packages_at_risk(erp, manager, shop):
    manager.get("/packages/")  # the process keeps the filter's choices from the first request on
    with counted_statements() as statements:
        page(manager, "/packages/")
    before = len(statements)
    for number in range(10):
        order(f"30{number}", "A", "B", prefer="L1")
    push(erp, "L1", "A", 0)
    push(erp, "L1", "B", 0)
    with counted_statements() as statements:
        html = page(manager, "/packages/")
    assert len(flagged(html)) == 13
    assert len(statements) == before
    with counted_statements() as statements:
        page(manager, "/packages/?at_risk=1")
    assert len(statements) == before


def test_the_bulk_toolbar_and_the_pick_list_keep_the_filter(erp, manager, shop):
    push(erp, "L1", "A", 0)
    html = page(manager, "/packages/?at_risk=1")
    assert '<input type="hidden" name="at_risk" value="1">' in html
    picks = page(manager, "/packages/picklist?at_risk=1")
    assert {"101P1", "102P1"} <= set(re.findall(r"\d+P\d+", picks))
    assert "103P1" not in picks and "201P1" not in picks


def test_in_turkish_the_flag_the_filter_and_the_warning_are_turkish(erp, manager, shop):
    push(erp, "L1", "A", 1)
    form = csrf_token(page(manager, "/"))
    manager.post("/language", data={"locale": "tr", "next": "/", "csrf_token": form})

    html = page(manager, "/packages/?at_risk=1")
    assert ">Stok riskli</span>" in html
    assert 'title="Raftaki adet, açık paketler için rezerve edilenden az."' in html
    assert "<span>Yalnızca stok riskli olanlar</span>" in html
    assert re.search(
        r"Tea Glass</span> <code>A</code>:\s*2 rezerve, rafta 1</li>", page(manager, f"/packages/{shop['tea'][0]}")
    )
    assert ">2 paket stok riskli</a>." in page(manager, f"/locations/{location_id('L1')}")
    assert "Stok riskli paket yok." in page(manager, f"/locations/{location_id('L2')}")


def test_a_unit_coming_by_transfer_is_at_risk_at_its_source_and_the_warning_names_the_source(erp, manager, shop):
    package_id = waiting_transfer()  # its Coffee Cup is reserved at the warehouse (WH), the package is at a store
    push(erp, "WH", "B", 0)

    detail = page(manager, f"/packages/{package_id}")
    assert re.search(r"Coffee Cup</span> <code>B</code>:\s*1 reserved, 0 on the shelf at Warehouse</li>", detail)
    number = re.search(r'<h1 id="package-title">Package (\w+)</h1>', detail).group(1)
    assert number in flagged(page(manager, "/packages/"))
    [here] = [
        code for code in ("L1", "L2") if number in listed(page(manager, f"/packages/?location={location_id(code)}"))
    ]
    at_risk_here = listed(page(manager, f"/packages/?location={location_id(here)}&at_risk=1"))
    assert number in at_risk_here  # (emptying the stores' Coffee Cups put 103P1 at risk too)
    assert at_risk_count(location_id=location_id(here)) == len(at_risk_here)
    assert at_risk_count(location_id=location_id("WH")) == 0  # counted where the package is, as the list filters
    assert_invariants()
