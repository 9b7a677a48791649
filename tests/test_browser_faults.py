"""A store employee keeps working while the database goes away and comes back (DESIGN §9 Faults)."""

from __future__ import annotations

import threading

import pytest
from playwright.sync_api import Browser, expect
from werkzeug.serving import make_server

from oms_dashboard import create_app
from oms_dashboard.extensions import db
from oms_dashboard.states import PackageStatus
from tests.helpers import order, status_of
from tests.pglocks import pg_url
from tests.proxy import DatabaseProxy
from tests.test_browser import shot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.postgresql_only]


@pytest.fixture
def cut_off_server(app, two_stores):
    """The app served over HTTP, reaching its database through a proxy the test can cut."""
    proxy = DatabaseProxy(pg_url(app))
    served = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": proxy.url().replace("postgresql://", "postgresql+psycopg://"),
            "SECRET_KEY": "test-secret",
            "HTMX_CDN_URL": "",
        }
    )
    server = make_server("127.0.0.1", 0, served, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", proxy
    server.shutdown()
    thread.join()
    proxy.cut()
    with served.app_context():
        db.engine.dispose()


@pytest.mark.parametrize("width", [1280, 768])
def test_the_database_goes_away_while_a_package_is_open_and_comes_back(browser: Browser, cut_off_server, width):
    base, proxy = cut_off_server
    [package_id] = order("3001", "B", prefer="L1")
    page = browser.new_context(viewport={"width": width, "height": 1000}).new_page()
    sign_in(page, base, "selin")
    page.goto(f"{base}/packages/{package_id}")
    expect(page.get_by_role("heading", name="Package 3001P1")).to_be_visible()

    page.get_by_role("link", name="Packaging Completed…").click()  # it asks first; the database is still there
    confirm = page.get_by_role("button", name="Packaging Completed", exact=True)
    expect(confirm).to_be_visible()
    proxy.cut()
    confirm.click()

    expect(page.get_by_role("alert")).to_contain_text("database is unreachable; nothing was changed")
    expect(page.get_by_role("heading", name="Package 3001P1")).to_be_visible()  # the package stays on screen
    expect(page.locator(".package-title .badge")).to_have_text("Pending")
    shot(page, f"faults-{width}-action-refused")

    page.reload()
    expect(page.get_by_role("heading", name="Temporarily unavailable")).to_be_visible()
    shot(page, f"faults-{width}-page-unavailable")

    proxy.restore()
    page.get_by_role("link", name="Try again").click()
    page.get_by_role("link", name="Packaging Completed…").click()
    page.get_by_role("button", name="Packaging Completed", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text("Package 3001P1 packed.")
    expect(page.locator(".package-title .badge")).to_have_text("Packaging Completed")
    assert status_of(package_id) is PackageStatus.PACKED
