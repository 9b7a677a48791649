"""Every test that takes `app` runs twice: on SQLite and on a real PostgreSQL.

The schema comes from the Alembic migrations (once per backend and test process); each test
starts from empty tables plus `oms install`'s defaults.
"""

from __future__ import annotations

import contextvars
import os
import shutil
import tempfile
import threading
from contextlib import ExitStack

import pytest
from flask.testing import FlaskClient
from flask_migrate import upgrade

from oms_dashboard import create_app
from oms_dashboard.extensions import db
from tests import postgres
from tests.helpers import reset_database
from tests.pglocks import Locker, Watcher
from tests.screens import WIDTHS, PolicyWatch

BACKENDS = ("sqlite", "postgresql")
BROWSER_BACKENDS = ("postgresql", "sqlite")  # beside WIDTHS (1280, 768)
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or "/usr/bin/chromium"


def pytest_generate_tests(metafunc):
    postgresql_only = metafunc.definition.get_closest_marker("postgresql_only") is not None
    if "screen" in metafunc.fixturenames:
        # A browser test runs at each width once, a desk's on PostgreSQL and a tablet's on SQLite: every flow
        # meets both widths and both databases, in half the time of every pairing (the layout does not depend
        # on the database, nor the data on the width).
        pairs = (
            [(width, "postgresql") for width in WIDTHS]
            if postgresql_only
            else list(zip(WIDTHS, BROWSER_BACKENDS, strict=True))
        )
        ids = [f"{width}px-{backend}" for width, backend in pairs]
        metafunc.parametrize(("screen", "backend"), pairs, indirect=["screen"], ids=ids)
    elif "backend" in metafunc.fixturenames and not _parametrizes_backend_itself(metafunc):
        metafunc.parametrize("backend", ["postgresql"] if postgresql_only else list(BACKENDS))


def _parametrizes_backend_itself(metafunc) -> bool:
    """A test may pair each case with one database itself (`@pytest.mark.parametrize(("user", "backend"), …)`)
    where its cases do not depend on the database: both databases are still met, in half the time."""
    for marker in metafunc.definition.iter_markers("parametrize"):
        names = marker.args[0]
        if "backend" in ([name.strip() for name in names.split(",")] if isinstance(names, str) else names):
            return True
    return False


# The longest tests first: one worker per core takes them while the other runs the short ones, instead of
# one of them being left running at the end with the other worker idle.
SLOW_FIRST = ("test_stateful_invariants.py", "test_bench.py", "test_api_fuzz.py", "test_concurrency_soak.py")


def pytest_collection_modifyitems(items):
    items.sort(key=lambda item: item.path.name not in SLOW_FIRST)  # stable: the rest keep their order


class IsolatedClient(FlaskClient):
    """Each request in its own context, as in production.

    The `app` fixture keeps an app context open for the test's own reads; Flask's test client
    would reuse it (same session, same `g`, the logged-in user cached). A fresh contextvars
    Context makes each request push its own.
    """

    def open(self, *args, **kwargs):
        kwargs.setdefault("buffered", True)  # finish (and tear down) inside that context
        return contextvars.Context().run(super().open, *args, **kwargs)


def _worker() -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


@pytest.fixture(scope="session")
def database_url():
    """database_url(backend) -> URL of a migrated database of that kind, made on first use."""
    stack = ExitStack()
    made: dict[str, str] = {}
    server: list[str] = []

    def get(backend: str) -> str:
        if backend in made:
            return made[backend]
        if backend == "sqlite":
            directory = tempfile.mkdtemp(prefix="oms-sqlite-")
            stack.callback(shutil.rmtree, directory, True)
            url = f"sqlite:///{directory}/oms.sqlite3"
        else:
            if not server:
                given = os.environ.get("TEST_DATABASE_URL")
                server.append(given or stack.enter_context(postgres.throwaway_cluster()))
            name = f"oms_test_{_worker()}"
            url = postgres.fresh_database(server[0], name)
            stack.callback(postgres.drop_database, server[0], name)
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "test"})
        with app.app_context():
            upgrade()
            db.engine.dispose()
        made[backend] = url
        return url

    yield get
    stack.close()


@pytest.fixture
def app(backend, database_url):
    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": database_url(backend),
            "SECRET_KEY": "test-secret",
            "HTMX_CDN_URL": "",  # a closed network: the local copy of htmx, at once
            "MOVEMENTS_REFRESH_SECONDS": 1,
            # A cheap hash: the suite makes thousands of users and sign-ins (production keeps scrypt).
            "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
            # Every API response is checked against the OpenAPI document's models (api/response_check.py).
            "OPENAPI_VALIDATE_RESPONSES": True,
        }
    )
    app.test_client_class = IsolatedClient
    with app.app_context():
        reset_database()
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def two_stores(app):
    """Kadıköy (L1) and Beşiktaş (L2) with Tea Glass (A) and Coffee Cup (B); selin works at L1, murat manages."""
    from tests.helpers import location, product, stock, user

    location("L1", priority=80, name="Kadıköy")
    location("L2", priority=70, name="Beşiktaş")
    product("A", barcode="8690000000011", name="Tea Glass")
    product("B", barcode="8690000000028", name="Coffee Cup")
    for code in ("L1", "L2"):
        stock(code, "A", 20)
        stock(code, "B", 20)
    user("selin", "store_staff", "L1")
    user("murat", "manager")


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """The system Chromium, never a downloaded browser, and no calls out of this closed network."""
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--no-first-run",
            "--disable-sync",
        ],
    }


@pytest.fixture
def live_server(app):
    """The app served over HTTP on a free port, for the browser."""
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join()


@pytest.fixture
def screen(request, browser, live_server):
    """A page at a desk's or a tablet's width (`request.param`, see pytest_generate_tests), recording CSP
    refusals and script errors."""
    context = browser.new_context(viewport={"width": request.param, "height": 900}, base_url=live_server)
    watch = PolicyWatch(context)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield {"page": page, "width": request.param, "watch": watch, "errors": errors, "context": context}
    context.close()


@pytest.fixture
def watcher(app):
    """Sees which requests wait for a lock (PostgreSQL)."""
    watching = Watcher(app)
    yield watching
    watching.close()


@pytest.fixture
def locker(app):
    """Holds row locks from outside the app until the test lets go (PostgreSQL)."""
    holding = Locker(app)
    yield holding
    holding.release()
    holding.close()
