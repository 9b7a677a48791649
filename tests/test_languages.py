"""The language switch, the browser's language, and times in the location's zone (docs/translations.md)."""

from __future__ import annotations

from datetime import datetime, timezone

from flask import render_template_string
from sqlalchemy import update

from oms_dashboard.extensions import db
from oms_dashboard.i18n import label_translations, number
from oms_dashboard.models import Package, StockLocation, TransitionLog, User
from oms_dashboard.states import PackageStatus
from tests.helpers import API, csrf_token, fresh, order, sign_in, snapshot, token

EVENING_IN_ISTANBUL = datetime(2026, 12, 7, 19, 11, tzinfo=timezone.utc)  # 22:11 in Istanbul (UTC+3)


def press(client, locale: str, page: str = "/") -> object:
    form = csrf_token(client.get(page).get_data(as_text=True))
    return client.post("/language", data={"locale": locale, "next": page, "csrf_token": form})


def language_of(client, path: str = "/", **headers) -> str:
    html = client.get(path, headers=headers).get_data(as_text=True)
    return html.split('<html lang="', 1)[1].split('"', 1)[0]


def test_a_user_switches_to_turkish_and_it_follows_them_to_another_device(app, client, two_stores):
    sign_in(client, "selin")
    assert language_of(client) == "en"
    response = press(client, "tr", "/packages/?status=100")
    assert response.status_code == 303 and response.headers["Location"] == "/packages/?status=100"
    assert language_of(client) == "tr"
    assert 'aria-pressed="true">TR' in client.get("/").get_data(as_text=True)

    tablet = app.test_client()
    sign_in(tablet, "selin")
    assert language_of(tablet, "/", **{"Accept-Language": "en-US"}) == "tr"  # the user's choice beats the browser's
    fresh()
    assert db.session.scalar(db.select(User.locale).where(User.username == "selin")) == "tr"

    press(tablet, "en")
    assert language_of(client) == "en"


def test_without_a_choice_the_browser_decides_and_the_sign_in_page_remembers_a_choice(client, two_stores):
    assert language_of(client, "/login", **{"Accept-Language": "tr-TR,tr;q=0.9"}) == "tr"
    assert language_of(client, "/login", **{"Accept-Language": "de-DE,en;q=0.5"}) == "en"
    assert language_of(client, "/login", **{"Accept-Language": "de-DE"}) == "en"
    press(client, "tr", "/login")
    assert language_of(client, "/login", **{"Accept-Language": "en-US"}) == "tr"
    sign_in(client, "selin")  # a choice made before signing in is not the user's yet
    assert language_of(client, "/", **{"Accept-Language": "en-US"}) == "tr"  # still the session's


def test_an_unknown_language_is_a_400_naming_the_field_and_changes_nothing(client, two_stores):
    sign_in(client, "selin")
    before = snapshot()
    form = csrf_token(client.get("/").get_data(as_text=True))
    response = client.post("/language", data={"locale": "xx", "csrf_token": form})
    assert response.status_code == 400 and "locale" in response.get_data(as_text=True)
    assert snapshot() == before and language_of(client) == "en"


def test_the_api_speaks_english_whatever_the_caller_asks(client, two_stores):
    [package_id] = order("1001", "A", prefer="L1")
    headers = {"Authorization": f"Token {token()}", "Accept-Language": "tr-TR"}
    body = client.post(
        f"{API}/packages/{package_id}/command/", json={"slug": "no_such_command"}, headers=headers
    ).get_json()
    assert body["error"]["non_field_errors"].startswith("Command definition is not allowed!")
    detail = client.get(f"{API}/packages/{package_id}/", headers=headers).get_json()
    assert detail["state"]["name"] == "Pending"  # the seed's English name, not the page's Turkish
    assert detail["created_date"].endswith("Z")  # ISO 8601 UTC


def test_commands_in_the_api_carry_their_turkish_label(client, two_stores):
    [package_id] = order("1001", "A", prefer="L1")
    detail = client.get(f"{API}/packages/{package_id}/", headers={"Authorization": f"Token {token()}"}).get_json()
    complete = next(command for command in detail["commands"] if command["command"] == "COMPLETE_PACKAGING")
    assert complete["label"] == "Packaging Completed"
    assert complete["translations"] == {"tr": {"label": label_translations("Packaging Completed")["tr"]["label"]}}
    assert complete["translations"]["tr"]["label"] not in ("", "Packaging Completed")
    assert label_translations("A label an installation made up") is None


def test_the_history_shows_the_locations_time_with_the_zone_named(app, client, two_stores):
    [package_id] = order("1001", "A", prefer="L1")
    db.session.execute(update(TransitionLog).values(created_date=EVENING_IN_ISTANBUL))
    db.session.execute(update(Package).values(created_date=EVENING_IN_ISTANBUL))
    db.session.commit()
    sign_in(client, "selin")
    page = client.get(f"/packages/{package_id}").get_data(as_text=True)
    assert "07 Dec 2026, 22:11 Istanbul" in page and "19:11" not in page
    press(client, "tr")
    assert "07 Ara 2026, 22:11 İstanbul" in client.get(f"/packages/{package_id}").get_data(as_text=True)

    db.session.execute(update(StockLocation).values(timezone="Europe/London"))
    db.session.commit()
    page = client.get(f"/packages/{package_id}").get_data(as_text=True)
    assert "07 Ara 2026, 19:11 Londra" in page


def test_numbers_follow_the_language(app):
    # Each in its own app context, as each request has: the locale is kept for the request in `g`.
    with app.app_context(), app.test_request_context(headers={"Accept-Language": "tr"}):
        assert number(1234567) == "1.234.567"
    with app.app_context(), app.test_request_context(headers={"Accept-Language": "en"}):
        assert number(1234567) == "1,234,567"


def test_counts_in_plural_messages_follow_the_language(app):
    template = "{{ ngettext('%(num)d package', '%(num)d packages', n) }}"
    with app.app_context(), app.test_request_context(headers={"Accept-Language": "tr"}):
        assert render_template_string(template, n=1234) == "1.234 paket"
    with app.app_context(), app.test_request_context(headers={"Accept-Language": "en"}):
        assert render_template_string(template, n=1234) == "1,234 packages"
        assert render_template_string(template, n=1) == "1 package"


def test_state_names_are_translated_on_pages_and_stay_english_in_the_api(client, two_stores):
    [package_id] = order("1001", "A", prefer="L1")
    sign_in(client, "selin")
    press(client, "tr")
    page = client.get(f"/packages/{package_id}").get_data(as_text=True)
    turkish = label_translations(PackageStatus.WAITING.label)
    assert turkish and turkish["tr"]["label"] in page
    assert PackageStatus.WAITING.label == "Pending"
