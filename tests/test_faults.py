"""Database faults (DESIGN §9): a busy, unreachable or vanished database is a 503 that changed
nothing, never a 500; the app recovers by itself; a worker killed mid-request leaves no trace."""

from __future__ import annotations

import os
import signal
import socket
import sqlite3
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from oms_dashboard import create_app
from oms_dashboard.extensions import db
from oms_dashboard.states import PackageStatus
from tests.helpers import (
    API,
    ApiClient,
    csrf_token,
    location,
    order,
    product,
    sign_in,
    slug,
    snapshot,
    status_of,
    stock,
    token,
    user,
)
from tests.invariants import assert_invariants
from tests.pglocks import InThread, Locker, Watcher, pg_url, wait_until
from tests.proxy import DatabaseProxy

REPOSITORY = Path(__file__).resolve().parent.parent


@pytest.fixture
def world(app):
    location("L1", priority=80, name="Kadıköy")
    product("A")
    stock("L1", "A", 10)
    user("selin", "store_staff", "L1")
    [package_id] = order("F1", "A", prefer="L1")
    return package_id


def _sibling_app(app, **config):
    """Another app process on the same database, with its own settings."""
    return create_app({"SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"], "SECRET_KEY": "t"} | config)


def _sqlite_path(app) -> str:
    return app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///")


def test_a_command_that_cannot_get_its_lock_answers_503_and_changes_nothing(app, backend, world):
    """The row (PostgreSQL) or the database (SQLite) stays locked by someone else past the lock timeout."""
    impatient = _sibling_app(app, LOCK_TIMEOUT_MS=100)
    key = token()
    before = snapshot()
    body = {"slug": slug("COMPLETE_PACKAGING", PackageStatus.WAITING)}
    if backend == "postgresql":
        holder = Locker(app).hold("SELECT id FROM packages WHERE id = %s FOR UPDATE", world)
    else:
        holder = sqlite3.connect(_sqlite_path(app), isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")
    try:
        request = InThread(lambda: ApiClient(impatient.test_client(), key).command(world, body))
        wait_until(request.done, "the command to give up waiting for the lock")
    finally:
        if backend == "postgresql":
            holder.release()
        else:
            holder.execute("ROLLBACK")
        holder.close()
    response = request.result()

    assert response.status_code == 503
    assert int(response.headers["Retry-After"]) > 0
    assert response.get_json() == {"error": {"detail": response.get_json()["error"]["detail"]}, "status_code": 503}
    assert snapshot() == before
    assert ApiClient(impatient.test_client(), key).command(world, body).status_code == 204
    with impatient.app_context():
        db.engine.dispose()


@pytest.mark.postgresql_only
def test_with_the_database_down_pages_and_api_answer_503_and_recover_when_it_returns(app, world):
    """Issue 8: with the database down every page was gunicorn's bare 500."""
    key = token()
    proxy = DatabaseProxy(pg_url(app))
    cut_off = _sibling_app(app, SQLALCHEMY_DATABASE_URI=proxy.url().replace("postgresql://", "postgresql+psycopg://"))
    browser = cut_off.test_client()
    sign_in(browser, "selin")
    api = ApiClient(cut_off.test_client(), key)
    pack = {"slug": slug("COMPLETE_PACKAGING", PackageStatus.WAITING)}
    assert browser.get("/").status_code == 200
    newcomer = cut_off.test_client()
    form = {
        "username": "selin",
        "password": "pass1234",
        "csrf_token": csrf_token(newcomer.get("/login").get_data(as_text=True)),
    }

    proxy.cut()
    page = browser.get(f"/packages/{world}")
    listing = api.get("packages/")
    command = api.command(world, pack)
    login = newcomer.post("/login", data=form)

    assert page.status_code == 503, page.get_data(as_text=True)[:3000]
    assert "Temporarily unavailable" in page.get_data(as_text=True)
    assert page.headers["Retry-After"].isdigit()
    assert listing.status_code == 503 and listing.get_json()["status_code"] == 503
    assert command.status_code == 503 and set(command.get_json()["error"]) == {"detail"}
    assert login.status_code == 503

    proxy.restore()
    assert browser.get(f"/packages/{world}").status_code == 200
    assert api.get("packages/").get_json()["count"] == 1
    assert api.command(world, pack).status_code == 204
    proxy.cut()
    with cut_off.app_context():
        db.engine.dispose()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _children(pid: int) -> list[int]:
    return [int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]


@pytest.mark.postgresql_only
def test_a_worker_killed_in_the_middle_of_a_command_leaves_nothing_of_it(app, world):
    """gunicorn's worker is SIGKILLed while its command waits for a stock row: nothing of it is kept."""
    key = token()
    before = snapshot()
    port = _free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "--no-control-socket",
            "--workers",
            "1",
            "--bind",
            f"127.0.0.1:{port}",
            "app:app",
        ],
        cwd=REPOSITORY,
        env=os.environ | {"DATABASE_URL": pg_url(app), "SECRET_KEY": "t"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}{API}"
    watcher, locker = Watcher(app), Locker(app)
    try:
        wait_until(lambda: _answers(f"http://127.0.0.1:{port}/login"), "gunicorn to serve", seconds=60)
        command = {"slug": slug("COMPLETE_PACKAGING", PackageStatus.WAITING)}
        locker.hold("SELECT s.id FROM stocks s JOIN reservations r ON r.stock_id = s.id FOR UPDATE OF s")
        request = InThread(lambda: _post(f"{base}/packages/{world}/command/", key, command))
        watcher.wait_for_waiters(1)
        [backend_pid] = watcher.lock_waiters()

        [worker] = _children(server.pid)
        os.kill(worker, signal.SIGKILL)
        with pytest.raises((urllib.error.URLError, ConnectionError)):
            request.result()
        locker.release()
        wait_until(lambda: watcher.backend_gone(backend_pid), "the killed worker's transaction to end")

        assert snapshot() == before
        assert_invariants()
        wait_until(lambda: _answers(f"http://127.0.0.1:{port}/login"), "gunicorn's new worker", seconds=60)
        assert _post(f"{base}/packages/{world}/command/", key, command) == 204
        assert status_of(world) is PackageStatus.PACKED
    finally:
        server.terminate()
        server.wait(30)
        locker.release()
        locker.close()
        watcher.close()


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status == 200
    except (urllib.error.URLError, ConnectionError):
        return False


def _post(url: str, key: str, body: dict) -> int:
    import json

    request = urllib.request.Request(
        url,
        data=json.dumps(body).encode(),
        headers={"Authorization": f"Token {key}", "Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        return response.status
