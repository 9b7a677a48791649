"""The package list's status slider (what matters first, the selected status always shown) and the transfer
list's page controls, through the test client."""

from __future__ import annotations

import re

import pytest

from oms_dashboard.states import PackageStatus
from tests.helpers import location, location_id, order, product, run, scenario, sign_in, stock


def _slider(page: str) -> tuple[list[str], list[str]]:
    """The slider's first row and its "More statuses", as status labels in their order."""
    slider = page[page.index('<nav class="slider"') : page.index("</nav>", page.index('<nav class="slider"'))]
    main, _, more = slider.partition('<details class="more-statuses">')
    labels = r'class="status-[a-z_]+[^"]*"[^>]*>([^<]+?) <span class="count">'
    return re.findall(labels, main), re.findall(labels, more)


@pytest.fixture
def shop(two_stores, client):
    packed = order("1001", "A", prefer="L1")[0]
    order("1002", "A", prefer="L1")
    run(packed, "COMPLETE_PACKAGING")
    run(packed, "SHIP")
    sign_in(client, "murat")
    return client


def test_the_slider_shows_the_shop_floor_and_busy_statuses_first_in_workflow_order(shop):
    main, more = _slider(shop.get("/packages/").get_data(as_text=True))

    assert main == ["Pending", "In Progress", "Ready to Packaging", "Packaging Completed", "Shipped"]
    assert "Delivered" in more and "Canceled" in more and "Pending" not in more
    assert len(main) + len(more) == len(PackageStatus)


def test_a_selected_status_without_packages_is_in_the_first_row(shop):
    page = shop.get(f"/packages/?status={PackageStatus.DELIVERED.value}").get_data(as_text=True)
    main, more = _slider(page)

    assert "Delivered" in main and "Delivered" not in more
    assert re.search(r'class="status-delivered zero" aria-current="true"', page)
    assert "More statuses" in page


@pytest.fixture
def transfers(app, client):
    """27 transfers from the Warehouse to Kadıköy (one per order), and one from Beşiktaş."""
    location("L1", priority=80, name="Kadıköy")
    location("L2", priority=70, name="Beşiktaş")
    location("WH", priority=40, kind="warehouse", name="Warehouse")
    product("A")
    product("B")
    stock("L1", "A", 30)
    stock("WH", "B", 30)
    scenario({"name": "Pack at the best store, transfer the rest", "transferable": True, "order_by": ["priority"]})
    for number in range(27):
        order(f"T{number}", "A", "B")
    from tests.helpers import user

    user("murat", "manager")
    sign_in(client, "murat")
    return client


def test_27_transfers_make_two_pages_whose_links_keep_the_filters(transfers):
    here = location_id("L1")
    first = transfers.get(f"/transfers/list?location={here}&direction=incoming&status=waiting").get_data(as_text=True)

    assert "27 transfers" in first and "Page 1 of 2" in first
    assert first.count("<tr>") == 1 + 25  # the header and a page of 25
    next_link = re.search(r'<a href="([^"]+)" rel="next">', first).group(1).replace("&amp;", "&")
    assert f"location={here}" in next_link and "direction=incoming" in next_link and "status=waiting" in next_link
    assert "page=2" in next_link and 'rel="prev"' not in first

    second = transfers.get(next_link).get_data(as_text=True)
    assert "Page 2 of 2" in second and second.count("<tr>") == 1 + 2
    assert 'rel="next"' not in second
    previous = re.search(r'<a href="([^"]+)" rel="prev">', second).group(1).replace("&amp;", "&")
    assert "page=1" in previous and "direction=incoming" in previous


def test_the_transfer_list_keeps_destination_and_status_and_marks_the_rest_optional(transfers):
    page = transfers.get("/transfers/list").get_data(as_text=True)
    headers = re.findall(r'<th scope="col"( class="[^"]*")?>([^<]+)</th>', page)

    optional = [name for classes, name in headers if "optional" in classes]
    assert optional == ["Package", "Items", "Created"]
    assert {"Transfer", "From", "To", "Status"} <= {name for classes, name in headers if "optional" not in classes}


@pytest.mark.parametrize("query", ["page=0", "page=x", "page=-2"])
def test_a_bad_transfer_page_is_a_400(transfers, query):
    response = transfers.get(f"/transfers/list?{query}")
    assert response.status_code == 400 and "page" in response.get_data(as_text=True)
