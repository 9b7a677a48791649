"""Shipping labels (100 × 150 mm) and package documents: the pages, their PDFs and batch printing."""

from __future__ import annotations

import re

import pytest

from oms_dashboard.pdf_documents import wrap
from tests.helpers import order, run, sign_in
from tests.test_query_counts import counted_statements

MM = 72 / 25.4
LONG_TRACKING = "1Z999AA10123456784" + "X7" * 15  # 48 characters: the longest carriers print are shorter

CUSTOMER = {"first_name": "Şule İnce", "last_name": "Ağaoğlu", "phone": "+90 555 000 11 22"}
ADDRESS = {
    "city": "İstanbul",
    "line": "Bağdat Caddesi No: 5 Daire: 3 Kızıltoprak Mahallesi",
    "phone": "+90 216 111 22 33",
}


@pytest.fixture
def shop(two_stores):
    here = order("1001", "A", "B", prefer="L1", customer=CUSTOMER, shipping_address=ADDRESS)[0]
    unpacked = order("1002", "A", prefer="L1")[0]
    there = order("2001", "A", prefer="L2")[0]
    run(here, "COMPLETE_PACKAGING")
    run(there, "COMPLETE_PACKAGING")
    return {"here": here, "unpacked": unpacked, "there": there}


@pytest.fixture
def staff(client, shop):
    sign_in(client, "selin")  # works at L1 (Kadıköy)
    return client


@pytest.fixture
def manager(client, shop):
    sign_in(client, "murat")
    return client


def media_boxes(pdf: bytes) -> list[tuple[float, float]]:
    """Each page's size in points, read from the PDF's /MediaBox entries (no PDF library needed)."""
    boxes = re.findall(rb"/MediaBox\s*\[\s*([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s*\]", pdf)
    return [(float(x1) - float(x0), float(y1) - float(y0)) for x0, y0, x1, y1 in boxes]


def assert_pdf(response, *, filename: str, pages: int, size_mm: tuple[float, float]) -> None:
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert response.content_type == "application/pdf"
    assert response.headers["Content-Disposition"] == f'attachment; filename="{filename}"'
    pdf = response.get_data()
    assert pdf.startswith(b"%PDF")
    boxes = media_boxes(pdf)
    assert len(boxes) == pages
    for width, height in boxes:
        assert width == pytest.approx(size_mm[0] * MM, abs=0.5) and height == pytest.approx(size_mm[1] * MM, abs=0.5)


# --- one label ---------------------------------------------------------------------------------


def test_the_label_prints_every_field_on_a_100_by_150_mm_page(staff, shop):
    page = staff.get(f"/packages/{shop['here']}/label").get_data(as_text=True)

    for text in ("Yurtiçi Kargo", "Kadıköy", "Şule İnce Ağaoğlu", "Bağdat Caddesi", "İstanbul", "+90 216 111 22 33"):
        assert text in page
    assert page.count("<svg") == 2  # tracking number and package number, both Code 128
    assert re.search(r"<strong>2</strong>", page)  # two pieces
    assert f'href="/packages/{shop["here"]}/label.pdf"' in page and "Download PDF" in page
    assert "data-print" in page


def test_the_tracking_barcode_scales_to_the_label_rather_than_having_a_size(staff, shop):
    run(shop["here"], "UPDATE_SHIPMENT_LABEL", tracking_number=LONG_TRACKING)
    page = staff.get(f"/packages/{shop['here']}/label").get_data(as_text=True)
    svgs = re.findall(r"<svg[^>]*>", page)
    assert len(svgs) == 2 and LONG_TRACKING in page
    for svg in svgs:
        assert "viewBox" in svg and 'preserveAspectRatio="none"' in svg and "width=" not in svg


def test_the_label_pdf_is_one_100_by_150_mm_page_named_by_the_package_id(staff, shop):
    run(shop["here"], "UPDATE_SHIPMENT_LABEL", tracking_number=LONG_TRACKING)
    response = staff.get(f"/packages/{shop['here']}/label.pdf")
    assert_pdf(response, filename=f"label-{shop['here']}.pdf", pages=1, size_mm=(100, 150))
    assert b"DejaVuSans" in response.get_data()  # the embedded font that draws ş, ğ and İ


def test_the_document_pdf_is_a4(staff, shop):
    response = staff.get(f"/packages/{shop['unpacked']}/document.pdf")
    assert_pdf(response, filename=f"document-{shop['unpacked']}.pdf", pages=1, size_mm=(210, 297))
    page = staff.get(f"/packages/{shop['unpacked']}/document").get_data(as_text=True)
    assert f'href="/packages/{shop["unpacked"]}/document.pdf"' in page


def test_a_package_without_a_label_has_no_label_pdf(staff, shop):
    for path in ("label", "label.pdf"):
        response = staff.get(f"/packages/{shop['unpacked']}/{path}")
        assert response.status_code == 404
        assert "no shipping label yet" in response.get_data(as_text=True)


@pytest.mark.parametrize("path", ["label", "label.pdf", "document", "document.pdf"])
def test_store_staff_get_404_for_another_locations_documents(staff, shop, path):
    response = staff.get(f"/packages/{shop['there']}/{path}")
    assert response.status_code == 404
    assert "2001P1" not in response.get_data(as_text=True)


def test_a_manager_prints_any_location(manager, shop):
    assert manager.get(f"/packages/{shop['there']}/label.pdf").status_code == 200


def test_signed_out_pdfs_ask_to_sign_in(client, shop):
    response = client.get(f"/packages/{shop['here']}/label.pdf")
    assert response.status_code in (302, 401) and b"%PDF" not in response.get_data()


def test_stored_text_of_any_kind_prints_in_the_pdf(staff, two_stores):
    # An order stored before strict intake: odd types, control characters and markup in names.
    [odd] = order(
        "1009",
        "A",
        prefer="L1",
        customer={"first_name": "<b>Ayşe</b> & ğ", "last_name": ["x", 5]},
        shipping_address={"city": "Iğdır", "line": "a" * 400},
    )
    run(odd, "COMPLETE_PACKAGING")
    assert staff.get(f"/packages/{odd}/label.pdf").status_code == 200
    assert staff.get(f"/packages/{odd}/document.pdf").status_code == 200


def test_a_tracking_number_code_128_cannot_encode_prints_as_text(staff, shop):
    run(shop["here"], "UPDATE_SHIPMENT_LABEL", tracking_number="ÇĞŞ-4711")
    page = staff.get(f"/packages/{shop['here']}/label").get_data(as_text=True)
    assert page.count("<svg") == 1 and "ÇĞŞ-4711" in page and "not Code 128 text" in page
    assert staff.get(f"/packages/{shop['here']}/label.pdf").status_code == 200


def test_wrap_cuts_long_words_and_long_text_to_their_lines():
    lines = wrap("x" * 300 + " tail", font="Helvetica", size=9, width=100, max_lines=3)
    assert len(lines) == 3 and lines[-1].endswith("…")
    assert wrap("Kısa adres", font="Helvetica", size=9, width=100, max_lines=3) == ["Kısa adres"]


# --- batches -------------------------------------------------------------------------------------


def test_a_batch_prints_the_labels_it_may_and_lists_the_others(staff, shop):
    ids = [shop["here"], shop["unpacked"], shop["there"], 999999]
    page = staff.get("/packages/labels", query_string={"ids": ids})
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert text.count('class="label"') == 1 and "1001P1" in text
    assert "3 packages skipped" in text
    assert "Package 1002P1: no shipping label yet" in text
    assert f"Package #{shop['there']}: not found" in text and "2001P1" not in text
    assert "Package #999999: not found" in text

    response = staff.get("/packages/labels.pdf", query_string={"ids": ids})
    assert_pdf(response, filename="labels-1-packages.pdf", pages=1, size_mm=(100, 150))


def test_a_managers_batch_has_a_page_per_label_in_the_order_chosen(manager, shop):
    ids = f"{shop['there']},{shop['here']}"  # one comma-separated value
    text = manager.get("/packages/labels", query_string={"ids": ids}).get_data(as_text=True)
    assert text.count('class="label"') == 2 and text.index("2001P1") < text.index("1001P1")
    assert "skipped" not in text and "Print 2 labels" in text
    response = manager.get("/packages/labels.pdf", query_string={"ids": ids})
    assert_pdf(response, filename="labels-2-packages.pdf", pages=2, size_mm=(100, 150))


def test_documents_print_in_a_batch_without_labels(staff, shop):
    ids = [shop["here"], shop["unpacked"], shop["here"]]  # a repeat prints once
    text = staff.get("/packages/documents", query_string={"ids": ids}).get_data(as_text=True)
    assert text.count('class="sheet"') == 2 and "skipped" not in text
    response = staff.get("/packages/documents.pdf", query_string={"ids": ids})
    assert_pdf(response, filename="documents-2-packages.pdf", pages=2, size_mm=(210, 297))


def test_a_batch_of_nothing_printable_says_so(staff, shop):
    text = staff.get("/packages/labels", query_string={"ids": shop["there"]}).get_data(as_text=True)
    assert "No labels to print" in text and "Download PDF" not in text
    assert staff.get("/packages/labels.pdf", query_string={"ids": shop["there"]}).status_code == 404


@pytest.mark.parametrize(
    "ids",
    [None, "", "abc", "1.5", "0", "-3", " 1", "1;2", "99999999999", [str(n) for n in range(1, 102)]],
    ids=["missing", "blank", "text", "decimal", "zero", "negative", "space", "semicolon", "too-big", "101-ids"],
)
def test_batch_ids_are_strictly_validated(staff, shop, ids):
    response = staff.get("/packages/labels", query_string={} if ids is None else {"ids": ids})
    assert response.status_code == 400
    assert "ids" in response.get_data(as_text=True)


def test_every_batch_address_validates_its_ids(staff, shop):
    for path in ("/packages/labels.pdf", "/packages/documents", "/packages/documents.pdf"):
        for ids in ("abc", [str(n) for n in range(1, 102)]):
            response = staff.get(path, query_string={"ids": ids})
            assert response.status_code == 400 and "ids" in response.get_data(as_text=True), path


def test_100_ids_are_accepted(manager, shop):
    ids = [shop["here"], *range(100000, 100099)]
    assert manager.get("/packages/labels", query_string={"ids": ids}).status_code == 200


# --- query counts ------------------------------------------------------------------------------


def _statements(client, path: str, ids: list[int]) -> int:
    with counted_statements() as statements:
        response = client.get(path, query_string={"ids": ids})
    assert response.status_code == 200
    return len(statements)


@pytest.mark.parametrize(
    "path", ["/packages/labels", "/packages/labels.pdf", "/packages/documents", "/packages/documents.pdf"]
)
def test_a_batch_costs_the_same_for_1_or_12_packages(manager, shop, path):
    small = _statements(manager, path, [shop["here"]])
    many = [shop["here"]]
    for number in range(11):
        [package_id] = order(f"30{number:02d}", "A", "B", prefer="L1" if number % 2 else "L2")
        run(package_id, "COMPLETE_PACKAGING")
        many.append(package_id)
    assert _statements(manager, path, many) == small
