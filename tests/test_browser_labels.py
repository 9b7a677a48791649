"""Printing shipping labels on 100 × 150 mm thermal stock, in a real browser at desk and tablet widths:
one label from its package (a long tracking number still fits), and a batch of labels in one print job."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.helpers import order, run
from tests.test_browser import shot, sign_in
from tests.test_pages_labels import ADDRESS, CUSTOMER, LONG_TRACKING, media_boxes

pytestmark = pytest.mark.browser

PX_PER_MM = 96 / 25.4
PAGE_MM = (100, 150)
MARGIN_MM = 4  # the label page's @page margin
TOLERANCE_PX = 0.5

# Every barcode's box and the label's box, as the browser lays them out.
BOXES = """() => [...document.querySelectorAll('article.label')].map(label => ({
  label: label.getBoundingClientRect().toJSON(),
  barcodes: [...label.querySelectorAll('svg')].map(svg => svg.getBoundingClientRect().toJSON()),
}))"""


@pytest.fixture
def packed(two_stores):
    here = order("1001", "A", "B", prefer="L1", customer=CUSTOMER, shipping_address=ADDRESS)[0]
    second = order("1002", "B", prefer="L1")[0]
    there = order("2001", "A", prefer="L2")[0]
    for package_id in (here, second, there):
        run(package_id, "COMPLETE_PACKAGING")
    run(here, "UPDATE_SHIPMENT_LABEL", tracking_number=LONG_TRACKING)  # the carrier's number is long
    return {"here": here, "second": second, "there": there}


def assert_barcodes_inside_the_page(page: Page, labels: int) -> None:
    """In print media, each label fills its page's content box (100 × 150 mm less the 4 mm margin, whatever
    the screen's width) and each of its barcodes lies inside that box."""
    page.emulate_media(media="print")
    content_width = (PAGE_MM[0] - 2 * MARGIN_MM) * PX_PER_MM
    content_height = (PAGE_MM[1] - 2 * MARGIN_MM) * PX_PER_MM
    laid_out = page.evaluate(BOXES)
    assert len(laid_out) == labels
    for each in laid_out:
        box = each["label"]
        assert box["width"] == pytest.approx(content_width, abs=TOLERANCE_PX)
        # A hair shorter than the page's content box, so that rounding never pushes it onto a second page.
        assert content_height - PX_PER_MM <= box["height"] <= content_height
        assert len(each["barcodes"]) == 2
        for barcode in each["barcodes"]:
            assert barcode["width"] > 0 and barcode["height"] > 0
            assert barcode["left"] >= box["left"] - TOLERANCE_PX
            assert barcode["right"] <= box["left"] + content_width + TOLERANCE_PX
            assert barcode["top"] >= box["top"] - TOLERANCE_PX
            assert barcode["bottom"] <= box["top"] + content_height + TOLERANCE_PX
        tracking = each["barcodes"][0]
        assert tracking["width"] == pytest.approx(content_width, abs=1)  # scaled to the label's full width
    page.emulate_media(media="null")


def assert_printed_pages(page: Page, count: int) -> None:
    """What Chromium prints: `count` pages of 100 × 150 mm, one per label, nothing spilling onto another."""
    boxes = media_boxes(page.pdf(prefer_css_page_size=True))
    assert len(boxes) == count
    for width, height in boxes:
        assert width == pytest.approx(PAGE_MM[0] * 72 / 25.4, abs=1)
        assert height == pytest.approx(PAGE_MM[1] * 72 / 25.4, abs=1)


def test_a_store_employee_prints_a_label_with_a_long_tracking_number(screen, live_server, packed, backend):
    page: Page = screen["page"]
    name = f"{backend}-{screen['width']}"
    sign_in(page, live_server, "selin")
    page.goto(f"{live_server}/packages/{packed['here']}")
    with page.context.expect_page() as opened:
        page.get_by_role("link", name="Show Shipping Label").click()
    label_page = opened.value
    label_page.wait_for_load_state()

    label = label_page.get_by_role("article", name="Shipping label 1001P1")
    expect(label).to_contain_text("Yurtiçi Kargo")
    expect(label).to_contain_text("Şule İnce Ağaoğlu")
    expect(label).to_contain_text("Tel: +90 216 111 22 33")
    expect(label).to_contain_text(LONG_TRACKING)
    expect(label.locator(".pieces")).to_contain_text("2")
    # The preview is the label at its real size, whatever the window's width.
    box = label.bounding_box()
    assert box["width"] == pytest.approx(PAGE_MM[0] * PX_PER_MM, abs=1)
    assert box["height"] == pytest.approx(PAGE_MM[1] * PX_PER_MM, abs=1)
    expect(label_page.get_by_role("link", name="Download PDF")).to_have_attribute(
        "href", f"/packages/{packed['here']}/label.pdf"
    )
    shot(label_page, f"{name}-label")

    assert_barcodes_inside_the_page(label_page, labels=1)
    label_page.emulate_media(media="print")
    shot(label_page, f"{name}-label-print")
    label_page.emulate_media(media="null")
    assert_printed_pages(label_page, 1)
    assert screen["watch"].refused == [] and screen["errors"] == []


def test_a_batch_prints_one_label_per_page_in_one_job(screen, live_server, packed, backend):
    page: Page = screen["page"]
    name = f"{backend}-{screen['width']}"
    sign_in(page, live_server, "selin")
    ids = "&".join(f"ids={packed[key]}" for key in ("here", "second", "there"))
    page.goto(f"{live_server}/packages/labels?{ids}")

    expect(page.get_by_role("status")).to_contain_text(re.compile(r"Package #\d+: not found, or not at your location"))
    expect(page.locator("article.label")).to_have_count(2)
    shot(page, f"{name}-labels-batch")
    assert_barcodes_inside_the_page(page, labels=2)
    assert_printed_pages(page, 2)

    page.evaluate("() => { window.print = () => { window.printJobs = (window.printJobs || 0) + 1; }; }")
    page.get_by_role("button", name="Print 2 labels").click()
    assert page.evaluate("window.printJobs") == 1

    page.goto(f"{live_server}/packages/documents?{ids}")  # the A4 package documents, the same way
    expect(page.get_by_role("article", name=re.compile("Package document"))).to_have_count(2)
    expect(page.get_by_role("button", name="Print 2 documents")).to_be_visible()
    shot(page, f"{name}-documents-batch")
    assert screen["watch"].refused == [] and screen["errors"] == []
