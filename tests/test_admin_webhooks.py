"""The webhook admin pages through the test client: list with counts, create, edit (secret kept or
replaced, never shown), delete after a confirmation, the deliveries with their attempts, Re-send."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from oms_dashboard.extensions import db
from oms_dashboard.models import WebhookAttempt, WebhookDelivery, WebhookSubscription
from oms_dashboard.services.webhooks.subscriptions import SubscriptionRow, create_subscription
from tests.helpers import csrf_token, fresh, sign_in, user
from tests.test_admin_masterdata import field_error, submit
from tests.test_api_webhooks import SECRET, deliveries_world
from tests.test_query_counts import counted_statements

FORM = {
    "event_type": "package.status.shipped",
    "target_url": "https://erp.example.com/hooks",
    "secret_key": SECRET,
    "is_active": "y",
    "retry_choice": "linear",
    "retry_interval": "60",
    "retry_max_retries": "3",
    "retry_max_interval": "",
}


@pytest.fixture
def admin(client, app):
    user("ada", "admin")
    sign_in(client, "ada")
    return client


def subscribe(**fields) -> int:
    row = {"event_type": "*", "target_url": "https://erp.example.com/all", "secret_key": SECRET} | fields
    return create_subscription(row=SubscriptionRow.model_validate(row)).id


def stored(subscription_id: int) -> WebhookSubscription | None:
    fresh()
    return db.session.get(WebhookSubscription, subscription_id)


def test_other_roles_get_404(client, app):
    user("mia", "manager")
    sign_in(client, "mia")
    sid = subscribe()
    for path in ("/admin/webhooks", "/admin/webhooks/new", f"/admin/webhooks/{sid}/deliveries"):
        assert client.get(path).status_code == 404


def test_the_admin_navigation_has_webhooks(admin):
    html = admin.get("/admin/webhooks").get_data(as_text=True)
    assert 'aria-current="page">Webhooks<' in html
    assert "No webhook subscription yet" in html


def test_an_admin_creates_a_subscription(admin):
    response = submit(admin, "/admin/webhooks/new", FORM)
    assert response.status_code == 302
    [row] = db.session.scalars(select(WebhookSubscription)).all()
    assert (row.event_type, row.target_url, row.secret_key, row.is_active) == (
        "package.status.shipped",
        "https://erp.example.com/hooks",
        SECRET,
        True,
    )
    assert row.retry_countdown_config == {"choice": "linear", "interval": 60, "max_retries": 3}
    html = admin.get("/admin/webhooks").get_data(as_text=True)
    assert "https://erp.example.com/hooks" in html
    assert "Linear, 60 s, up to 3 retries" in html
    assert SECRET not in html


def test_bad_input_is_shown_under_its_field(admin):
    response = submit(
        admin,
        "/admin/webhooks/new",
        FORM | {"target_url": "ftp://x", "secret_key": "short", "event_type": "nope", "retry_interval": "0"},
    )
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "http" in field_error(html, "target_url")
    assert "8 characters" in field_error(html, "secret_key")
    assert "Unknown event type" in field_error(html, "event_type")
    assert field_error(html, "retry_interval")
    assert 'value="short"' not in html  # a password box is never filled back
    assert db.session.scalar(select(func.count()).select_from(WebhookSubscription)) == 0


def test_edit_keeps_the_secret_when_blank_and_never_shows_it(admin):
    sid = subscribe()
    page = admin.get(f"/admin/webhooks/{sid}/edit").get_data(as_text=True)
    assert SECRET not in page
    assert "Blank keeps the current secret" in page
    edit = FORM | {"secret_key": "", "is_active": None, "event_type": "*"}
    response = submit(admin, f"/admin/webhooks/{sid}/edit", {k: v for k, v in edit.items() if v is not None})
    assert response.status_code == 302, response.get_data(as_text=True)
    row = stored(sid)
    assert (row.secret_key, row.is_active, row.event_type) == (SECRET, False, "*")

    response = submit(admin, f"/admin/webhooks/{sid}/edit", FORM | {"secret_key": "a-brand-new-secret"})
    assert response.status_code == 302
    assert stored(sid).secret_key == "a-brand-new-secret"


def test_delete_asks_first_and_works_without_javascript(admin):
    sid = subscribe()
    deliveries_world(sid)
    page = admin.get(f"/admin/webhooks/{sid}/delete")
    html = page.get_data(as_text=True)
    assert "Delete this webhook subscription?" in html
    assert "1 delivered, 0 pending, 1 failed" in html
    assert stored(sid) is not None
    response = admin.post(f"/admin/webhooks/{sid}/delete", data={"csrf_token": csrf_token(html)})
    assert response.status_code == 302
    assert stored(sid) is None
    assert db.session.scalar(select(func.count()).select_from(WebhookAttempt)) == 0
    # Without the CSRF token nothing happens.
    other = subscribe()
    assert admin.post(f"/admin/webhooks/{other}/delete").status_code == 400
    assert stored(other) is not None


def test_the_list_counts_pending_and_failed_without_a_query_per_row(admin):
    first = subscribe()
    deliveries_world(first)
    admin.get("/admin/webhooks")  # warm up
    with counted_statements() as few:
        html = admin.get("/admin/webhooks").get_data(as_text=True)
    row = re.search(rf'<tr data-subscription="{first}".*?</tr>', html, re.S).group(0)
    assert '<td class="num pending">0</td>' in row
    assert '<span class="badge off">1</span>' in row
    for number in range(10):
        subscribe(target_url=f"https://erp.example.com/{number}")
    with counted_statements() as many:
        admin.get("/admin/webhooks")
    assert len(many) == len(few)


def test_the_deliveries_page_shows_each_attempt_and_resends(admin):
    sid = subscribe()
    ids = deliveries_world(sid)
    html = admin.get(f"/admin/webhooks/{sid}/deliveries").get_data(as_text=True)
    failed = re.search(rf'<tr id="delivery-{ids["failed"]}".*?</tr>', html, re.S).group(0)
    assert "Failed" in failed
    assert failed.count('<li class="attempt">') == 3
    assert "HTTP 502" in failed and "120 ms" in failed and "502" in failed
    assert f'href="/packages/{ids["package"]}"' in failed
    assert "Re-send" in failed
    delivered = re.search(rf'<tr id="delivery-{ids["delivered"]}".*?</tr>', html, re.S).group(0)
    assert "Delivered" in delivered and "Re-send" in delivered

    response = admin.post(
        f"/admin/webhooks/{sid}/deliveries/{ids['failed']}/redeliver", data={"csrf_token": csrf_token(html)}
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/admin/webhooks/{sid}/deliveries#delivery-{ids['failed']}")
    fresh()
    delivery = db.session.get(WebhookDelivery, ids["failed"])
    assert (delivery.status, delivery.attempts) == ("pending", 0)
    after = admin.get(f"/admin/webhooks/{sid}/deliveries").get_data(as_text=True)
    row = re.search(rf'<tr id="delivery-{ids["failed"]}".*?</tr>', after, re.S).group(0)
    assert "Pending" in row and "Re-send" not in row
    assert row.count('<li class="attempt">') == 3  # earlier attempts stay listed

    only_failed = admin.get(f"/admin/webhooks/{sid}/deliveries?status=failed").get_data(as_text=True)
    assert "No failed deliveries yet." in only_failed
    assert admin.get(f"/admin/webhooks/{sid}/deliveries?status=lost").status_code == 400


def test_resend_of_another_subscriptions_delivery_is_404(admin):
    sid = subscribe()
    other = subscribe(target_url="https://other.example.com/")
    ids = deliveries_world(sid)
    token = csrf_token(admin.get("/admin/webhooks").get_data(as_text=True))
    response = admin.post(f"/admin/webhooks/{other}/deliveries/{ids['failed']}/redeliver", data={"csrf_token": token})
    assert response.status_code == 404
    assert admin.post(f"/admin/webhooks/{sid}/deliveries/{ids['failed']}/redeliver").status_code == 400  # no CSRF
    fresh()
    assert db.session.get(WebhookDelivery, ids["failed"]).status == "failed"


# --- the package page --------------------------------------------------------------------------------


def test_managers_see_each_events_deliveries_on_the_package_page(client, app):
    user("mia", "manager")
    sid = subscribe()
    ids = deliveries_world(sid)
    sign_in(client, "mia")
    with counted_statements() as before:
        client.get(f"/packages/{ids['package']}")
    subscribe(target_url="https://second.example.com/")  # more subscriptions: the same queries
    with counted_statements() as after:
        html = client.get(f"/packages/{ids['package']}").get_data(as_text=True)
    assert len(after) == len(before)
    assert "Webhook Events" in html
    assert "package.created" in html
    assert "delivered to erp.example.com · 1 attempt" in html
    assert "failed to reach erp.example.com after 3 attempts" in html
    assert SECRET not in html


def test_store_staff_see_no_event_names_or_deliveries(client, app):
    sid = subscribe()
    ids = deliveries_world(sid)
    user("sam", "store_staff", "L1")
    sign_in(client, "sam")
    response = client.get(f"/packages/{ids['package']}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Webhook Events" not in html
    assert "package.created" not in html and "package.status." not in html
    assert "erp.example.com" not in html and "attempt" not in html
