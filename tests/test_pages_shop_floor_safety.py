"""Irreversible actions ask first, an open form blocks the other actions, an expired CSRF token never wipes the
page, tablet tables, and nothing loaded from the internet by default (Flask client; the browser side is in
test_browser_shop_floor_safety.py)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from sqlalchemy import select

from oms_dashboard.errorhandlers import CSRF_MESSAGE
from oms_dashboard.extensions import db
from oms_dashboard.models import TransferOrder, TransferTransition
from oms_dashboard.services.install import DEFAULT_TRANSFER_TRANSITIONS, DEFAULT_TRANSITIONS
from oms_dashboard.states import PackageStatus
from oms_dashboard.views.confirmations import IRREVERSIBLE
from tests.csrf_tokens import expired_csrf_token
from tests.helpers import (
    ApiClient,
    csrf_token,
    fresh,
    order,
    sign_in,
    slug,
    snapshot,
    status_of,
    token,
    transition,
    waiting_transfer,
)

HTMX = {"HX-Request": "true"}


@pytest.fixture
def packed(two_stores):
    [package_id] = order("1001", "A", prefer="L1")
    return package_id


@pytest.fixture
def staff(client, two_stores):
    sign_in(client, "selin")
    return client


# --- confirmation ------------------------------------------------------------------------------------


def test_every_irreversible_command_is_a_default_command():
    commands = {default.command for default in DEFAULT_TRANSITIONS} | {row[0] for row in DEFAULT_TRANSFER_TRANSITIONS}
    assert set(IRREVERSIBLE) <= commands
    assert {"COMPLETE_PACKAGING", "SHIP", "PACKED_FOR_REFUND", "BLOCK", "TRANSFER_OUT_OF_STOCK"} <= set(IRREVERSIBLE)


def test_packaging_completed_asks_first_and_runs_only_when_confirmed(staff, packed):
    pack = transition("COMPLETE_PACKAGING", PackageStatus.WAITING)
    page = staff.get(f"/packages/{packed}").get_data(as_text=True)
    # A link to the question (no JavaScript needed), not a form that runs the command at once.
    assert f'href="/packages/{packed}?action={pack.id}"' in page
    assert f'action="/packages/{packed}/actions/{pack.id}"' not in page
    before = snapshot()

    question = staff.get(f"/packages/{packed}?action={pack.id}")
    html = question.get_data(as_text=True)
    assert question.status_code == 200 and "Mark package 1001P1 as packed?" in html
    assert "This cannot be undone." in html and f'action="/packages/{packed}/actions/{pack.id}"' in html
    assert re.search(r'<button type="submit" class="primary" autofocus>Packaging Completed</button>', html)
    assert f'<a href="/packages/{packed}" hx-get="/packages/{packed}"' in html  # Cancel
    assert snapshot() == before and status_of(packed) is PackageStatus.WAITING

    done = staff.post(f"/packages/{packed}/actions/{pack.id}", data={"csrf_token": csrf_token(html)})
    assert done.status_code == 302 and status_of(packed) is PackageStatus.PACKED


def test_with_htmx_the_question_is_a_fragment_and_the_confirmation_answers_with_the_result(staff, packed):
    pack = transition("COMPLETE_PACKAGING", PackageStatus.WAITING)
    question = staff.get(f"/packages/{packed}?action={pack.id}", headers=HTMX).get_data(as_text=True)
    assert question.lstrip().startswith('<article id="package"') and "Mark package 1001P1 as packed?" in question
    assert status_of(packed) is PackageStatus.WAITING

    answer = staff.post(
        f"/packages/{packed}/actions/{pack.id}", data={"csrf_token": csrf_token(question)}, headers=HTMX
    ).get_data(as_text=True)
    assert "Package 1001P1 packed." in answer and "Mark package" not in answer
    ship = transition("SHIP", PackageStatus.PACKED)
    assert f'href="/packages/{packed}?action={ship.id}"' in answer  # Ship asks too


def test_an_open_form_leaves_the_other_actions_shown_but_not_pressable(staff, packed):
    not_found = transition("DETECTED_OUT_OF_STOCK_ITEM", PackageStatus.WAITING)
    pack = transition("COMPLETE_PACKAGING", PackageStatus.WAITING)
    html = staff.get(f"/packages/{packed}?action={not_found.id}").get_data(as_text=True)
    head = html[html.index('<header class="package-head">') : html.index("</header>", html.index("package-head"))]
    assert '<details class="menu">' not in head and 'class="menu-closed is-disabled" aria-disabled="true"' in head
    assert 'class="button is-disabled primary" aria-disabled="true">Packaging Completed…</span>' in head
    assert "<a " not in head.split("</nav>")[-1] and "<button" not in head  # nothing to press up there
    assert f"?action={pack.id}" not in html
    # Closed again, the actions are back.
    assert '<details class="menu">' in staff.get(f"/packages/{packed}").get_data(as_text=True)


@pytest.mark.parametrize(
    ("command", "status", "question"),
    [
        ("SHIP", PackageStatus.PACKED, "Ship package 1001P1?"),
        ("PACKED_FOR_REFUND", PackageStatus.WAITING, "Mark package 1001P1 as packed for refund?"),
        ("BLOCK", PackageStatus.WAITING, "Block package 1001P1?"),
        ("REQUEST_CANCELLATION", PackageStatus.WAITING, "Ask the store to cancel package 1001P1?"),
    ],
)
def test_each_irreversible_package_command_asks_its_question(client, packed, command, status, question):
    from tests.helpers import run

    sign_in(client, "murat")
    if status is PackageStatus.PACKED:
        run(packed, "COMPLETE_PACKAGING")
    row = transition(command, status)
    page = client.get(f"/packages/{packed}").get_data(as_text=True)
    assert f'action="/packages/{packed}/actions/{row.id}"' not in page
    html = client.get(f"/packages/{packed}?action={row.id}").get_data(as_text=True)
    assert question in html and status_of(packed) is status


def test_the_api_runs_an_irreversible_command_without_asking(client, packed):
    api = ApiClient(client, token())
    response = api.post_raw(f"packages/{packed}/command/", {"slug": slug("COMPLETE_PACKAGING", PackageStatus.WAITING)})
    assert response.status_code == 204, response.get_data(as_text=True)  # done at once, as before
    assert status_of(packed) is PackageStatus.PACKED


def test_a_transfer_asks_before_product_not_found_and_cancel(client, two_stores):
    waiting_transfer()
    sign_in(client, "murat")
    fresh()
    transfer = db.session.scalars(select(TransferOrder)).one()
    rows = {
        row.command: row
        for row in db.session.scalars(select(TransferTransition).where(TransferTransition.source_state == "waiting"))
    }
    page = client.get(f"/transfers/{transfer.id}").get_data(as_text=True)
    for command, question in [
        ("TRANSFER_OUT_OF_STOCK", f"Report every item of transfer {transfer.number} as not found?"),
        ("TRANSFER_CANCEL", f"Cancel transfer {transfer.number}?"),
    ]:
        row = rows[command]
        assert f'href="/transfers/{transfer.id}?action={row.id}"' in page
        assert f'action="/transfers/{transfer.id}/actions/{row.id}"' not in page
        html = client.get(f"/transfers/{transfer.id}?action={row.id}").get_data(as_text=True)
        assert question in html and 'class="menu-closed is-disabled"' in html
    assert db.session.get(TransferOrder, transfer.id).status == "waiting"

    cancel = rows["TRANSFER_CANCEL"]
    html = client.get(f"/transfers/{transfer.id}?action={cancel.id}").get_data(as_text=True)
    answer = client.post(f"/transfers/{transfer.id}/actions/{cancel.id}", data={"csrf_token": csrf_token(html)})
    assert answer.status_code == 302
    fresh()
    assert db.session.get(TransferOrder, transfer.id).status == "cancelled"


# --- CSRF: a page left open for hours ---------------------------------------------------------------


def test_an_expired_token_on_htmx_keeps_the_page_and_hands_out_a_fresh_one(app, staff, packed):
    pack = transition("COMPLETE_PACKAGING", PackageStatus.WAITING)
    page = staff.get(f"/packages/{packed}?action={pack.id}").get_data(as_text=True)
    stale = expired_csrf_token(app, csrf_token(page))
    before = snapshot()

    refused = staff.post(
        f"/packages/{packed}/actions/{pack.id}", data={"csrf_token": stale}, headers=HTMX | {"X-CSRFToken": stale}
    )

    assert refused.status_code == 400 and snapshot() == before
    # The message goes into the page's notice slot; the package fragment it targeted stays on screen.
    assert refused.headers["HX-Retarget"] == "#service-notice" and refused.headers["HX-Reswap"] == "innerHTML"
    assert "nothing was changed" in refused.get_data(as_text=True) and "<article" not in refused.get_data(as_text=True)
    renewed = json.loads(refused.headers["HX-Trigger"])["csrf-token-renewed"]["token"]
    assert renewed != stale

    again = staff.post(
        f"/packages/{packed}/actions/{pack.id}", data={"csrf_token": renewed}, headers=HTMX | {"X-CSRFToken": renewed}
    )
    assert again.status_code == 200 and "Package 1001P1 packed." in again.get_data(as_text=True)
    assert status_of(packed) is PackageStatus.PACKED


def test_a_tiny_time_limit_expires_tokens_the_same_way(app, staff, packed):
    app.config["WTF_CSRF_TIME_LIMIT"] = 60
    pack = transition("COMPLETE_PACKAGING", PackageStatus.WAITING)
    page = staff.get(f"/packages/{packed}").get_data(as_text=True)
    stale = expired_csrf_token(app, csrf_token(page), hours=1)
    refused = staff.post(f"/packages/{packed}/actions/{pack.id}", headers=HTMX | {"X-CSRFToken": stale})
    assert refused.status_code == 400 and "csrf-token-renewed" in refused.headers["HX-Trigger"]
    assert status_of(packed) is PackageStatus.WAITING


def test_an_expired_token_on_a_plain_form_goes_back_to_the_page_with_the_explanation(app, staff, packed):
    pack = transition("COMPLETE_PACKAGING", PackageStatus.WAITING)
    page = staff.get(f"/packages/{packed}?action={pack.id}").get_data(as_text=True)
    stale = expired_csrf_token(app, csrf_token(page))
    before = snapshot()

    refused = staff.post(
        f"/packages/{packed}/actions/{pack.id}",
        data={"csrf_token": stale},
        headers={"Referer": f"http://localhost/packages/{packed}?action={pack.id}"},
    )

    assert refused.status_code == 303 and refused.headers["Location"] == f"/packages/{packed}?action={pack.id}"
    assert snapshot() == before
    shown = staff.get(refused.headers["Location"]).get_data(as_text=True)
    assert CSRF_MESSAGE in shown and "Package 1001P1" in shown and "Mark package 1001P1 as packed?" in shown
    done = staff.post(f"/packages/{packed}/actions/{pack.id}", data={"csrf_token": csrf_token(shown)})
    assert done.status_code == 302 and status_of(packed) is PackageStatus.PACKED


@pytest.mark.parametrize("referer", ["https://evil.example/packages/1", "", "not a url"])
def test_a_foreign_or_missing_referer_goes_back_to_the_package_itself(app, staff, packed, referer):
    pack = transition("COMPLETE_PACKAGING", PackageStatus.WAITING)
    stale = expired_csrf_token(app, csrf_token(staff.get(f"/packages/{packed}").get_data(as_text=True)))
    refused = staff.post(
        f"/packages/{packed}/actions/{pack.id}", data={"csrf_token": stale}, headers={"Referer": referer}
    )
    assert refused.status_code == 303 and refused.headers["Location"] == f"/packages/{packed}"
    assert status_of(packed) is PackageStatus.WAITING


# --- tablets and what a page loads ------------------------------------------------------------------


def test_tablets_hide_only_the_cells_a_table_marks_optional():
    css = (Path(__file__).parent.parent / "static" / "css" / "app.css").read_text()
    assert "nth-child(4)" not in css  # no more hiding a table's fourth column, whatever it holds
    tablet_rules = re.findall(r"@media \(max-width: 1000px\) \{(.*?)\n\}", css, re.S)
    assert any(".table .optional { display: none; }" in rules for rules in tablet_rules)


def test_pages_load_nothing_from_the_internet_by_default(app, staff, packed):
    assert not app.config["HTMX_CDN_URL"]
    for path in ("/", "/packages/", f"/packages/{packed}", "/transfers/"):
        html = staff.get(path).get_data(as_text=True)
        sources = re.findall(r'<(?:script|link|img|iframe)\b[^>]*\b(?:src|href)="([^"]*)"', html)
        assert sources and all(not re.match(r"^(?:[a-z]+:)?//", s) for s in sources), (path, sources)
        assert '<script src="/static/js/htmx.min.js">' in html
        scripts = re.findall(r'<script\b[^>]*\bsrc="([^"]*)"', html)
        assert scripts[0] == "/static/js/htmx.min.js"  # htmx first, from this server, with no CDN to wait for
        assert all(re.fullmatch(r"/static/js/[a-z-]+(\.min)?\.js", src) for src in scripts), (path, scripts)
        assert html.count("<script") == len(scripts)  # no inline script
    policy = staff.get("/").headers["Content-Security-Policy"]
    assert "script-src 'self';" in policy and "connect-src 'self'" in policy
