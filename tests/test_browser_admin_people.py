"""An admin manages people in a real browser, at desktop and tablet widths, under the Content-Security-Policy."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.helpers import API, order, user
from tests.test_browser import NO_SIDEWAYS_SCROLL, UNLABELLED_CONTROLS, shot, sign_in

pytestmark = pytest.mark.browser


@pytest.fixture
def world(two_stores):
    user("ada", "admin")
    return {"kadikoy": order("1001", "A", prefer="L1")[0], "besiktas": order("2001", "B", prefer="L2")[0]}


def looks_right(page: Page, name: str) -> None:
    """Every control labelled, nothing wider than the screen; then a screenshot from the top of the page."""
    assert page.evaluate(UNLABELLED_CONTROLS) == [], page.url
    assert page.evaluate(NO_SIDEWAYS_SCROLL), page.url
    page.evaluate("window.scrollTo(0, 0)")  # the sticky header is drawn where the page was scrolled to
    shot(page, name)


def api_status(page: Page, base: str, key: str) -> int:
    return page.request.get(f"{base}{API}/stocklocations/", headers={"Authorization": f"Token {key}"}).status


def test_an_admin_adds_a_store_employee_who_then_sees_only_their_store(screen, live_server, world, backend):
    page: Page = screen["page"]
    name = f"{backend}-{screen['width']}"
    sign_in(page, live_server, "ada")
    page.get_by_role("link", name="Admin").click()
    page.get_by_role("navigation", name="Administration").get_by_role("link", name="Users").click()
    expect(page.get_by_role("heading", name="Users")).to_be_visible()
    page.get_by_role("link", name="New user").click()

    page.get_by_label("Username").fill("deniz")
    page.get_by_label("Full name").fill("Deniz Demir")
    page.get_by_label("Role").select_option(label="Store staff")
    page.get_by_role("button", name="Create user").click()  # no location ticked yet
    expect(page.get_by_text("Store staff work at one or more locations: tick at least one.")).to_be_visible()
    page.get_by_label("Beşiktaş (L2)").check()
    page.get_by_label("Initial password").fill("s3cret-pass")
    page.get_by_label("Repeat the password").fill("s3cret-pass")
    looks_right(page, f"{name}-admin-user-form")
    page.get_by_role("button", name="Create user").click()

    expect(page.get_by_role("status")).to_have_text("User deniz created: they can sign in now.")
    row = page.get_by_role("row").filter(has_text="deniz")
    expect(row).to_contain_text("Deniz Demir")
    expect(row).to_contain_text("Store staff")
    expect(row).to_contain_text("Beşiktaş")
    looks_right(page, f"{name}-admin-users")
    row.get_by_role("link", name="Edit deniz").click()
    expect(page.get_by_label("Beşiktaş (L2)")).to_be_checked()
    looks_right(page, f"{name}-admin-user-edit")
    page.get_by_role("link", name="Reset password…").click()
    expect(page.get_by_role("heading", name="New password for deniz")).to_be_visible()
    looks_right(page, f"{name}-admin-user-password")
    page.goto(f"{live_server}/admin/users/")
    page.get_by_role("link", name="Edit ada").click()
    expect(page.get_by_text("you cannot deactivate your own account")).to_be_visible()
    looks_right(page, f"{name}-admin-user-edit-self")

    page.get_by_role("button", name="Sign out").click()
    page.get_by_label("Username").fill("deniz")
    page.get_by_label("Password").fill("s3cret-pass")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Package Location Movements")).to_be_visible()
    expect(page.locator('[data-location="L2"]')).to_be_visible()
    expect(page.locator('[data-location="L1"]')).to_have_count(0)
    page.get_by_role("link", name="Packages", exact=True).click()
    expect(page.locator("#package-list tbody")).to_contain_text("2001P1")
    expect(page.locator("#package-list tbody")).not_to_contain_text("1001P1")
    shot(page, f"{name}-new-employee-packages")
    page.goto(f"{live_server}/packages/{world['kadikoy']}")
    expect(page.get_by_role("heading", name="Not found")).to_be_visible()

    assert screen["watch"].refused == []
    assert screen["errors"] == []


def test_an_admin_makes_a_token_sees_its_key_once_and_revokes_it(screen, live_server, world, backend):
    page: Page = screen["page"]
    name = f"{backend}-{screen['width']}"
    sign_in(page, live_server, "ada")
    page.goto(f"{live_server}/admin/tokens/")
    expect(page.get_by_text("No API tokens yet.")).to_be_visible()
    page.get_by_role("link", name="New token").click()
    page.get_by_label("Name").fill("Store ERP")
    page.get_by_label("Kadıköy (L1)").check()
    looks_right(page, f"{name}-admin-token-form")
    page.get_by_role("button", name="Create token").click()

    expect(page.get_by_role("heading", name="API token created")).to_be_visible()
    expect(page.get_by_role("alert")).to_contain_text("shown only this once")
    key = page.get_by_label("API key for Store ERP").input_value()
    assert re.fullmatch(r"[0-9a-f]{40}", key)
    assert key not in page.url
    looks_right(page, f"{name}-admin-token-created")
    assert api_status(page, live_server, key) == 200

    page.get_by_role("link", name="Done: back to the tokens").click()
    row = page.get_by_role("row").filter(has_text="Store ERP")
    expect(row).to_contain_text(f"{key[:8]}…")
    expect(row).to_contain_text("Kadıköy")
    expect(row).to_contain_text("Live")
    assert key not in page.content()
    looks_right(page, f"{name}-admin-tokens")

    row.get_by_role("link", name=re.compile("^Revoke")).click()
    expect(page.get_by_role("heading", name="Revoke token Store ERP?")).to_be_visible()
    looks_right(page, f"{name}-admin-token-revoke")
    assert api_status(page, live_server, key) == 200  # not yet: only asked
    page.get_by_role("button", name="Revoke token").click()

    expect(page.get_by_role("status")).to_contain_text("revoked: the API refuses it from now on")
    expect(row).to_contain_text("Revoked")
    expect(row.get_by_role("link", name=re.compile("^Revoke"))).to_have_count(0)
    assert api_status(page, live_server, key) == 401
    looks_right(page, f"{name}-admin-tokens-revoked")

    assert screen["watch"].refused == []
    assert screen["errors"] == []


def test_the_people_pages_work_without_javascript(browser, live_server, world):
    context = browser.new_context(java_script_enabled=False, viewport={"width": 768, "height": 900})
    page = context.new_page()
    sign_in(page, live_server, "ada")
    page.goto(f"{live_server}/admin/users/")
    page.get_by_role("row").filter(has_text="selin").get_by_role("button", name="Deactivate").click()
    expect(page.get_by_role("status")).to_contain_text("selin deactivated")
    page.get_by_role("row").filter(has_text="selin").get_by_role("button", name="Reactivate").click()
    expect(page.get_by_role("status")).to_contain_text("selin reactivated")

    page.goto(f"{live_server}/admin/tokens/new")
    page.get_by_label("Name").fill("ERP")
    page.get_by_role("button", name="Create token").click()
    key = page.get_by_label("API key for ERP").input_value()
    page.get_by_role("link", name="Done: back to the tokens").click()
    page.get_by_role("link", name=re.compile("^Revoke")).click()
    page.get_by_role("button", name="Revoke token").click()
    expect(page.get_by_role("row").filter(has_text="ERP")).to_contain_text("Revoked")
    assert api_status(page, live_server, key) == 401
    context.close()
