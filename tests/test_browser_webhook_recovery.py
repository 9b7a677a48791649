"""The whole recovery a real admin does, with a real receiver and the real worker passes: a delivery
fails once its retries run out; the admin points the subscription at the fixed address and re-sends
it from the page; the next worker pass delivers it, signed."""

from __future__ import annotations

import hashlib
import hmac

import pytest
from playwright.sync_api import Page, expect

from tests.helpers import order, user
from tests.test_browser import shot, sign_in
from tests.test_browser_admin_masterdata import looks_right
from tests.test_webhook_delivery import deliveries, one_pass, receiver, subscribe  # noqa: F401  (fixture)

pytestmark = pytest.mark.browser


def test_an_admin_fixes_the_address_and_resends_a_failed_delivery(screen, live_server, two_stores, receiver, backend):  # noqa: F811
    user("ada", "admin")
    subscription = subscribe(receiver.url("/down"), "package.created", choice="fixed", interval=5, max_retries=0)
    order("7001", "A", prefer="L1")
    one_pass()
    [delivery] = deliveries(subscription)
    assert (delivery.status, delivery.attempts) == ("failed", 1)

    page: Page = screen["page"]
    name = f"{backend}-{screen['width']}"
    sign_in(page, live_server, "ada")
    page.goto("/admin/webhooks")
    page.get_by_role("link", name="Edit").first.click()
    page.get_by_label("Target URL").fill(receiver.url("/ok"))
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status").first).to_contain_text("saved")

    page.get_by_role("link", name="Deliveries").first.click()
    row = page.locator(f"#delivery-{delivery.id}")
    expect(row.locator(".status")).to_contain_text("Failed")
    row.get_by_role("button", name="Re-send").click()
    expect(page.locator(f"#delivery-{delivery.id} .status")).to_contain_text("Pending")

    one_pass()  # the worker's next pass
    page.reload()
    expect(page.locator(f"#delivery-{delivery.id} .status")).to_contain_text("Delivered")
    looks_right(screen)
    shot(page, f"{name}-admin-webhook-recovered")

    [received] = receiver.at("/ok")
    expected = hmac.new(b"s3cret", received.body, hashlib.sha256).hexdigest()
    assert received.headers["X-OMS-Signature"] == f"sha256={expected}"
    assert received.json["event"]["type"] == "package.created"
