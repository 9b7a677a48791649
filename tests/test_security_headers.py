"""Security headers on every answer, and pages that need nothing the Content-Security-Policy refuses."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from oms_dashboard.config import ConfigurationError, settings_from_environment
from oms_dashboard.extensions import db
from oms_dashboard.models import Product, TransferOrder
from oms_dashboard.states import PackageStatus
from oms_dashboard.templating import UNPKG_HTMX_URL
from tests.helpers import API, order, run, sign_in, token, transition, user, waiting_transfer

POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: https:; font-src 'self' data:; "
    "connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)
HTMX = {"HX-Request": "true"}


def assert_protected(response, where: str) -> None:
    headers = response.headers
    assert headers["Content-Security-Policy"] == POLICY, where
    assert headers["X-Content-Type-Options"] == "nosniff", where
    assert headers["X-Frame-Options"] == "DENY", where
    assert headers["Referrer-Policy"] == "same-origin", where
    assert headers["Cache-Control"] == "no-store", where


def test_pages_fragments_errors_and_api_answers_carry_the_headers_and_are_not_stored(app, client, two_stores):
    package_id = order("1001", "A", prefer="L1")[0]
    key = token()
    answers = {
        "login page": client.get("/login"),
        "redirect to login": client.get("/packages/"),
        "api list": client.get(f"{API}/packages/", headers={"Authorization": f"Token {key}"}),
        "api 401": client.get(f"{API}/packages/"),
        "api 404": client.get(f"{API}/no-such-thing/"),
    }
    sign_in(client, "murat")
    answers |= {
        "page": client.get(f"/packages/{package_id}"),
        "fragment": client.get("/packages/?status=100", headers=HTMX),
        "document": client.get(f"/packages/{package_id}/document"),
        "page 404": client.get("/no-such-page"),
        "page 400": client.get("/packages/?status=x"),
    }
    for where, response in answers.items():
        assert_protected(response, where)


def test_static_files_are_protected_but_keep_their_caching(client):
    response = client.get("/static/js/htmx.min.js")
    assert response.status_code == 200
    assert response.headers["Content-Security-Policy"] == POLICY
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "no-store" not in response.headers.get("Cache-Control", "")
    response.close()


def test_a_header_a_view_set_itself_is_kept(app, client):
    @app.get("/own-policy")
    def own_policy():
        return "docs", {"Content-Security-Policy": "default-src 'self' 'unsafe-inline'", "Cache-Control": "max-age=60"}

    response = client.get("/own-policy")

    assert response.headers["Content-Security-Policy"] == "default-src 'self' 'unsafe-inline'"
    assert response.headers["Cache-Control"] == "max-age=60"
    assert response.headers["X-Frame-Options"] == "DENY"  # the headers it did not set are still added


# --- htmx: the local copy by default, a CDN only when configured ---------------------------------------


def scripts(html: str) -> list[str]:
    return re.findall(r"<script\b[^>]*>", html)


def test_by_default_pages_load_the_local_htmx_only(client):
    assert scripts(client.get("/login").get_data(as_text=True)) == [
        '<script src="/static/js/htmx.min.js">',
        '<script src="/static/js/leaving.js">',
        '<script src="/static/js/focus.js">',
        '<script src="/static/js/csrf.js">',
    ]


def test_a_configured_cdn_is_tried_first_with_a_static_fallback_and_allowed_by_the_policy(app, client):
    app.config["HTMX_CDN_URL"] = UNPKG_HTMX_URL
    response = client.get("/login")

    cdn, fallback, *_local = scripts(response.get_data(as_text=True))
    assert f'src="{UNPKG_HTMX_URL}"' in cdn and 'integrity="sha384-' in cdn
    assert 'src="/static/js/htmx-fallback.js"' in fallback and 'data-local-copy="/static/js/htmx.min.js"' in fallback
    assert "script-src 'self' https://unpkg.com;" in response.headers["Content-Security-Policy"]
    assert "style-src 'self';" in response.headers["Content-Security-Policy"]  # only scripts may come from it


def test_the_htmx_cdn_url_is_empty_by_default_and_checked(monkeypatch, tmp_path):
    assert settings_from_environment(tmp_path, {"SECRET_KEY": "x"})["HTMX_CDN_URL"] == ""
    monkeypatch.setenv("HTMX_CDN_URL", "https://cdn.example; script-src *")
    with pytest.raises(ConfigurationError, match="HTMX_CDN_URL"):
        settings_from_environment(tmp_path, {"SECRET_KEY": "x"})


# --- nothing inline -----------------------------------------------------------------------------

INLINE_CODE = {
    "inline script": re.compile(r"<script\b(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE),
    "event handler attribute": re.compile(r"<[^>]+\son[a-z]+\s*=", re.IGNORECASE),
    "style attribute": re.compile(r"<[^>]+\sstyle\s*=", re.IGNORECASE),
    "style element": re.compile(r"<style\b", re.IGNORECASE),
    "javascript: URL": re.compile(r"javascript:", re.IGNORECASE),
}


def test_no_page_has_inline_scripts_handlers_or_styles(app, client, two_stores):
    user("ada", "admin")
    packed = order("1001", "A", prefer="L1")[0]
    run(packed, "COMPLETE_PACKAGING")
    waiting = order("1002", "B", prefer="L1")[0]
    transfer_package = waiting_transfer()
    transfer_id = db.session.scalars(select(TransferOrder.id).where(TransferOrder.package_id == transfer_package)).one()
    not_found = transition("DETECTED_OUT_OF_STOCK_ITEM", PackageStatus.WAITING)  # a form with item choices

    def assert_nothing_inline(path: str, expected_status: int = 200) -> None:
        response = client.get(path)
        assert response.status_code == expected_status, path
        html = response.get_data(as_text=True)
        for what, pattern in INLINE_CODE.items():
            match = pattern.search(html)
            assert match is None, f"{what} on {path}: {match.group(0) if match else ''}"

    assert_nothing_inline("/login")
    sign_in(client, "ada")
    for path in (
        "/",
        "/locations/1",
        "/packages/",
        "/packages/?location=1&status=100",
        f"/packages/{waiting}",
        f"/packages/{waiting}?action={not_found.id}",
        f"/packages/{packed}/document",
        f"/packages/{packed}/label",
        "/transfers/",
        f"/transfers/{transfer_id}",
        "/scenarios/",
    ):
        assert_nothing_inline(path)
    assert_nothing_inline("/no-such-page", 404)


def test_only_https_product_images_are_shown(app, client, two_stores):
    db.session.execute(
        Product.__table__.update().where(Product.sku == "A").values(image_url="http://erp.example/a.jpg")
    )
    db.session.execute(
        Product.__table__.update().where(Product.sku == "B").values(image_url="https://erp.example/b.jpg")
    )
    db.session.commit()
    package_id = order("1001", "A", "B", prefer="L1")[0]
    sign_in(client, "murat")

    html = client.get(f"/packages/{package_id}").get_data(as_text=True)

    assert 'src="https://erp.example/b.jpg"' in html and "http://erp.example/a.jpg" not in html
