"""The services' sentences in the page's language: a command's result and refusal on a Turkish page are
Turkish; the API, the CLI and the worker keep the English of the contract, field names included."""

from __future__ import annotations

from flask_babel import gettext

from oms_dashboard.errors import AppError
from oms_dashboard.extensions import db
from oms_dashboard.models import Package, Transition
from oms_dashboard.states import PackageStatus
from tests.helpers import ApiClient, csrf_token, fresh, item_ids, order, run, sign_in, status_of, token, transition

HTMX = {"HX-Request": "true"}


def press(client, locale: str, page: str = "/") -> None:
    form = csrf_token(client.get(page).get_data(as_text=True))
    client.post("/language", data={"locale": locale, "next": page, "csrf_token": form})


def number_of(package_id: int) -> str:
    return db.session.get(Package, package_id).number


def test_a_command_run_on_a_turkish_page_says_what_it_did_in_turkish(client, two_stores):
    [package_id] = order("1001", "A", prefer="L1")
    sign_in(client, "selin")
    press(client, "tr")
    page = client.get(f"/packages/{package_id}").get_data(as_text=True)
    pack = transition("COMPLETE_PACKAGING", PackageStatus.WAITING)

    response = client.post(
        f"/packages/{package_id}/actions/{pack.id}", data={"csrf_token": csrf_token(page)}, headers=HTMX
    )

    html = response.get_data(as_text=True)
    assert response.status_code == 200 and status_of(package_id) is PackageStatus.PACKED
    assert f"{number_of(package_id)} paketi paketlendi." in html
    assert "packed." not in html


def test_a_not_found_on_a_turkish_page_names_and_links_the_packages_it_made_in_turkish(client, two_stores):
    [first] = order("1001", "A", "B", prefer="L1")
    sign_in(client, "selin")
    press(client, "tr")
    page = client.get(f"/packages/{first}").get_data(as_text=True)
    not_found = db.session.scalar(
        db.select(Transition.id).where(Transition.slug == "package__detected_out_of_stock_item__waiting__out_of_stock")
    )

    html = client.post(
        f"/packages/{first}/actions/{not_found}",
        data={"csrf_token": csrf_token(page), "package_items": [item_ids(first)[1]], "reason": "not_found"},
        headers=HTMX,
    ).get_data(as_text=True)

    fresh()
    made = {p.stock_location.erp_code: p for p in db.session.scalars(db.select(Package).where(Package.id != first))}
    here, there = made["L1"], made["L2"]
    assert "1 ürün bulunamadı olarak işaretlendi." in html
    assert (
        f'<a href="/packages/{here.id}">{here.number}</a> paketi olarak Kadıköy lokasyonuna yeniden planlandı.' in html
    )
    assert f"{there.number} paketi olarak Beşiktaş lokasyonuna yeniden planlandı." in html


def test_the_same_command_on_an_english_page_keeps_its_english_sentence(client, two_stores):
    [package_id] = order("1001", "A", prefer="L1")
    sign_in(client, "selin")
    page = client.get(f"/packages/{package_id}").get_data(as_text=True)
    pack = transition("COMPLETE_PACKAGING", PackageStatus.WAITING)

    html = client.post(
        f"/packages/{package_id}/actions/{pack.id}", data={"csrf_token": csrf_token(page)}, headers=HTMX
    ).get_data(as_text=True)

    assert f"Package {number_of(package_id)} packed." in html


def test_a_bulk_run_on_a_turkish_page_counts_and_refuses_in_turkish(client, two_stores):
    first, second = order("1001", "A", prefer="L1")[0], order("1002", "A", prefer="L1")[0]
    run(second, "COMPLETE_PACKAGING")  # packed at the desk meanwhile: refused in the bulk run
    sign_in(client, "selin")
    press(client, "tr")
    form = csrf_token(client.get("/packages/").get_data(as_text=True))

    page = client.post(
        "/packages/bulk",
        data={
            "csrf_token": form,
            "ids": [str(first), str(second)],
            "command": "COMPLETE_PACKAGING:500",
            "confirm": "1",
        },
        headers=HTMX,
    ).get_data(as_text=True)

    assert "1 paketlendi, 1 reddedildi" in page
    assert "Paketleme Tamamlandı, Paketleme Tamamlandı durumundaki bir paket için kullanılamaz." in page
    assert f"{number_of(first)} paketi paketlendi." in page


def test_a_refusal_on_a_turkish_page_names_the_field_in_turkish(client, two_stores):
    sign_in(client, "selin")
    press(client, "tr")
    form = csrf_token(client.get("/").get_data(as_text=True))

    response = client.post("/language", data={"locale": "xx", "csrf_token": form})

    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Dil: Şunlardan birini seçin: en, tr." in html


def test_the_api_answers_in_english_to_a_turkish_user_and_browser(client, two_stores):
    [package_id] = order("1001", "A", prefer="L1")
    sign_in(client, "selin")
    press(client, "tr")  # the user's language is Turkish, and the browser asks for it too
    api = ApiClient(client, token())
    turkish = {"Accept-Language": "tr-TR,tr;q=0.9"}

    response = api.run(package_id, "CHANNEL_BASED_COMPLETE_PACKAGING", headers=turkish, barcodes=["NOPE"])

    assert response.status_code == 400
    assert response.get_json() == {
        "error": {
            "barcodes": ["Scan every item of the package once; not scanned: 8690000000011; not in this package: NOPE."]
        },
        "status_code": 400,
    }
    missing = api.client.get("/api/v1/packages/999999/", headers=api.headers | turkish)
    assert missing.status_code == 404 and missing.get_json()["error"] == {"detail": "Not found."}
    assert status_of(package_id) is PackageStatus.WAITING


def test_an_error_reads_in_the_pages_language_and_in_english_outside_a_request(app):
    # Each in its own app context, as each request has: the locale is kept for the request in `g`.
    with app.app_context(), app.test_request_context(headers={"Accept-Language": "tr"}):
        refused = AppError.field("package_items", gettext("Not items of this package: %(items)s.", items="7"))
        assert refused.message == "Paket ürünleri: Bu paketin ürünleri değil: 7."
        assert refused.body == {"error": {"package_items": ["Bu paketin ürünleri değil: 7."]}, "status_code": 400}
        assert AppError.not_found().message == "Bulunamadı."
        assert AppError.uri_too_long(8190).message == "Adres 8190 bayttan uzun."
    with app.app_context(), app.test_request_context(headers={"Accept-Language": "en"}):
        assert AppError.field("package_items", "x.").message == "package_items: x."  # as English pages were
        assert AppError.not_found().message == "Not found."
    with app.app_context():  # the CLI and the worker: English, with the API's field names
        refused = AppError.field("package_items", gettext("Not items of this package: %(items)s.", items="7"))
        assert refused.message == "package_items: Not items of this package: 7."
        assert AppError.uri_too_long(8190).body["error"] == {"detail": "The address is longer than 8190 bytes."}


def test_a_server_error_page_does_not_read_the_user_to_choose_its_language(app):
    with app.app_context(), app.test_request_context(headers={"Accept-Language": "tr"}):
        # No language chosen yet on this request: choosing it could query the database that just failed.
        assert AppError.unavailable().message.startswith("The service is busy")
