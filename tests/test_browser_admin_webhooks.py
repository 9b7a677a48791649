"""An admin looks after a webhook subscription in a real browser (system Chromium), at desktop and tablet
widths: the list, a failed delivery with its attempts, Re-send, and the package page's deliveries."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from oms_dashboard.extensions import db
from oms_dashboard.models import WebhookAttempt, WebhookDelivery
from tests.helpers import user
from tests.test_admin_webhooks import subscribe
from tests.test_api_webhooks import deliveries_world
from tests.test_browser import shot, sign_in
from tests.test_browser_admin_masterdata import looks_right

pytestmark = pytest.mark.browser


@pytest.fixture
def webhook_world(app):
    user("ada", "admin")
    subscribe(
        event_type="package.status.transitioned",
        target_url="https://erp.example.com/integrations/oms/webhooks/receive?tenant=brand-with-a-long-name",
    )
    sid = subscribe()
    ids = deliveries_world(sid)
    # A timeout among the failed attempts, with a long error text, as a dead receiver gives.
    failed = db.session.get(WebhookDelivery, ids["failed"])
    db.session.add(
        WebhookAttempt(
            delivery_id=failed.id,
            status_code=None,
            error="Timed out after 10 s waiting for https://erp.example.com/all (connection reset by peer)",
            duration_ms=10000,
        )
    )
    failed.attempts = 4
    db.session.commit()
    return {"subscription": sid} | ids


def test_an_admin_resends_a_failed_delivery(screen, live_server, webhook_world, backend):
    page: Page = screen["page"]
    name = f"{backend}-{screen['width']}"
    sign_in(page, live_server, "ada")
    page.goto("/admin/")
    page.get_by_role("navigation", name="Administration").get_by_role("link", name="Webhooks").click()

    expect(page.get_by_role("heading", name="Webhooks")).to_be_visible()
    row = page.locator(f'tr[data-subscription="{webhook_world["subscription"]}"]')
    expect(row.locator("td.failed")).to_have_text("1")
    looks_right(screen)
    shot(page, f"{name}-admin-webhooks")

    row.get_by_role("link", name="Deliveries").click()
    expect(page.get_by_role("heading", name="Deliveries")).to_be_visible()
    failed = page.locator(f"#delivery-{webhook_world['failed']}")
    expect(failed.locator(".status")).to_contain_text("Failed")
    expect(failed.locator("li.attempt")).to_have_count(4)
    expect(failed).to_contain_text("HTTP 502")
    expect(failed).to_contain_text("Timed out after 10 s")
    expect(failed.get_by_role("link")).to_have_attribute("href", f"/packages/{webhook_world['package']}")
    looks_right(screen)
    shot(page, f"{name}-admin-webhook-deliveries")

    failed.get_by_role("button", name="Re-send").click()
    expect(page.get_by_role("status").first).to_contain_text("will be sent again")
    failed = page.locator(f"#delivery-{webhook_world['failed']}")
    expect(failed.locator(".status")).to_contain_text("Pending")
    expect(failed.get_by_role("button", name="Re-send")).to_have_count(0)
    expect(failed.locator("li.attempt")).to_have_count(4)  # earlier attempts stay
    expect(failed.locator(".attempt-count")).to_have_text("0 since re-sent, 4 in all")
    looks_right(screen)
    shot(page, f"{name}-admin-webhook-resent")

    page.goto(f"/packages/{webhook_world['package']}")
    events = page.locator("section[aria-labelledby='info-events']")
    expect(events).to_contain_text("delivered to erp.example.com · 1 attempt")
    expect(events).to_contain_text("pending for erp.example.com")
    looks_right(screen)
    shot(page, f"{name}-package-webhook-events")
