"""Turkish pages show no English, and the catalogues cover every marked message.

The first tests read the catalogues: every message the code marks is in the Turkish catalogue, translated
(not empty, not fuzzy), with the same placeholders. The crawl signs in as each role, switches to Turkish,
and opens every page of the site, every package in each of its states with each command's form or
confirmation open, and the error pages; any English word on them fails the test with the text it sits in
(tests/untranslated.py tells English from Turkish by the catalogue itself).
"""

from __future__ import annotations

import re

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.pofile import read_po
from sqlalchemy import select

from oms_dashboard.config import PROJECT_ROOT
from oms_dashboard.extensions import db
from oms_dashboard.i18n import TRANSLATIONS_DIRECTORY
from oms_dashboard.models import (
    ApiToken,
    CargoCompany,
    DenialReason,
    Order,
    Package,
    SalesChannel,
    StockLocation,
    TransferOrder,
    User,
    WebhookSubscription,
)
from oms_dashboard.services.masterdata.reference import upsert_sales_channels
from oms_dashboard.services.masterdata.rows import SalesChannelRow
from oms_dashboard.services.webhooks.subscriptions import SubscriptionRow, create_subscription
from tests.helpers import csrf_token, location, order, product, run, scenario, sign_in, stock, token, user
from tests.untranslated import english_on

KEYWORDS = DEFAULT_KEYWORDS | {"N_": None, "lazy_gettext": None, "_l": None}
METHODS = [("oms_dashboard/**.py", "python"), ("templates/**.html", "jinja2")]


def catalogue(language: str):
    with open(TRANSLATIONS_DIRECTORY / language / "LC_MESSAGES" / "messages.po", "rb") as file:
        return read_po(file, locale=language)


def marked_messages() -> set[str]:
    found = set()
    for _filename, _line, message, _comments, _context in extract_from_dir(str(PROJECT_ROOT), METHODS, KEYWORDS):
        found.add(message[0] if isinstance(message, tuple) else message)
    return found


def test_the_turkish_catalogue_translates_every_marked_message():
    turkish = catalogue("tr")
    missing = sorted(message for message in marked_messages() if not (turkish.get(message) and turkish[message].string))
    assert missing == [], f"not in the Turkish catalogue (pybabel extract/update, docs/translations.md): {missing}"
    untranslated = [
        m.id for m in turkish if m.id and (m.fuzzy or not all(m.string if isinstance(m.string, tuple) else [m.string]))
    ]
    assert untranslated == []


def test_translations_keep_every_placeholder():
    for language in ("en", "tr"):
        problems = [(message.id, [str(error) for error in errors]) for message, errors in catalogue(language).check()]
        assert problems == [], language


@pytest.fixture
def turkish_world(app):
    """A store, a warehouse and packages in many states, with data that is Turkish or codes: any English on
    a page is the page's own."""
    location("L1", priority=80, name="Kadıköy")
    location("L2", priority=70, name="Beşiktaş")
    location("WH", priority=40, kind="warehouse", name="Ana Depo", cargo="aras")
    product("A", barcode="8690000000011", name="Çay Bardağı")
    product("B", barcode="8690000000028", name="Kahve Fincanı")
    product("C", barcode="8690000000035", name="Demlik")
    for code in ("L1", "L2"):
        stock(code, "A", 20)
        stock(code, "C", 20)
    stock("WH", "B", 5)
    upsert_sales_channels(rows=[SalesChannelRow(code="web", name="İnternet Mağazası")])
    customer = {"first_name": "Ayşe", "last_name": "Yılmaz", "email": "ayse@ornek.com.tr", "phone": "5551234567"}
    address = {"city": "İstanbul", "district": "Kadıköy", "line": "Moda Cad. 1"}
    fields = {"customer": customer, "shipping_address": address, "channel": "web"}
    [pending] = order("1001", "A", "C", prefer="L1", **fields)
    [packed] = order("1002", "A", prefer="L1", **fields)
    run(packed, "COMPLETE_PACKAGING")
    [shipped] = order("1003", "C", prefer="L1", **fields)
    run(shipped, "COMPLETE_PACKAGING")
    run(shipped, "SHIP")
    [blocked] = order("1004", "A", prefer="L1", **fields)
    run(blocked, "BLOCK")
    [not_found] = order("1005", "A", prefer="L1", **fields)
    run(
        not_found,
        "DETECTED_OUT_OF_STOCK_ITEM",
        package_items=[item.id for item in db.session.get(Package, not_found).items],
    )
    # Packed at a store; the Kahve Fincanı comes from the depot by transfer.
    scenario({"name": "Mağazada paketle", "transferable": True, "locations": {"types": ["store"]}})
    order("1006", "A", "B", prefer="L1", **fields)
    user("selin", "store_staff", "L1")
    user("murat", "manager")
    user("yonetici", "admin")
    token("L1", name="ERP")
    create_subscription(
        row=SubscriptionRow.model_validate(
            {"event_type": "*", "target_url": "https://erp.ornek.com.tr/olaylar", "secret_key": "s" * 32}
        )
    )


ARGUMENTS = {
    "package_id": (Package, Package.id),
    "transfer_id": (TransferOrder, TransferOrder.id),
    "location_id": (StockLocation, StockLocation.id),
    "carrier_id": (CargoCompany, CargoCompany.id),
    "channel_id": (SalesChannel, SalesChannel.id),
    "reason_id": (DenialReason, DenialReason.id),
    "token_id": (ApiToken, ApiToken.id),
    "user_id": (User, User.id),
    "subscription_id": (WebhookSubscription, WebhookSubscription.id),
    "number": (Order, Order.number),
}
NOT_PAGES = {"auth.logout", "static"}


def every_page(app) -> list[str]:
    """The address of every page (GET, not the API), once for each row its arguments can name."""
    values = {
        name: db.session.scalars(select(column).order_by(column)).all() for name, (_, column) in ARGUMENTS.items()
    }
    paths = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint in NOT_PAGES or rule.rule.startswith("/api"):
            continue
        if rule.rule.endswith(".pdf"):
            continue  # PDFs are checked by their HTML twins
        [argument] = rule.arguments or [None]
        for value in values[argument] if argument else [None]:
            with app.test_request_context():
                from flask import url_for

                paths.append(url_for(rule.endpoint, **({argument: value} if argument else {})))
    return sorted(set(paths))


def in_turkish(client, page: str = "/") -> None:
    """Press TR in the header of `page`."""
    form = csrf_token(client.get(page).get_data(as_text=True))
    assert client.post("/language", data={"locale": "tr", "next": page, "csrf_token": form}).status_code == 303


def english_of(client, path: str) -> list[str]:
    response = client.get(path)
    assert response.status_code < 500, path
    if response.status_code in (301, 302, 303):
        return []  # werkzeug's own redirect body, never shown
    html = response.get_data(as_text=True)
    wrong_language = ["<html> not marked Turkish"] if "<html" in html and '<html lang="tr">' not in html else []
    return wrong_language + english_on(html)


# The pages do not depend on the database: each role meets one, and both are met.
@pytest.mark.parametrize(
    ("username", "backend"), [("selin", "postgresql"), ("murat", "sqlite"), ("yonetici", "sqlite")]
)
def test_every_page_is_all_turkish(app, client, turkish_world, username):
    sign_in(client, username)
    in_turkish(client)
    found = {}
    paths = every_page(app)
    # Each package and transfer with each command it offers opened (its form, or its confirmation).
    for kind, model in (("packages", Package), ("transfers", TransferOrder)):
        for row_id in db.session.scalars(select(model.id)):
            html = client.get(f"/{kind}/{row_id}").get_data(as_text=True)
            paths += sorted(set(re.findall(rf"/{kind}/{row_id}\?action=\d+", html)))
    paths += ["/packages/?status=100&q=ayşe", "/packages/?created_from=2001-13-01", "/yok-boyle-bir-sayfa"]
    for path in paths:
        if english := english_of(client, path):
            found[path] = english
    assert found == {}


def test_the_sign_in_page_follows_the_browser_and_the_switch(client, turkish_world):
    page = client.get("/login", headers={"Accept-Language": "tr-TR,tr;q=0.9,en;q=0.5"}).get_data(as_text=True)
    assert '<html lang="tr">' in page and english_on(page) == []
    in_turkish(client, "/login")
    page = client.get("/login").get_data(as_text=True)
    assert '<html lang="tr">' in page and english_on(page) == []
