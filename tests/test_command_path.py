"""The command path: how few statements and transactions a command costs, and the per-process caches
(transitions, API tokens) that save most of them, honoured by every process the moment a write commits."""

from __future__ import annotations

from contextlib import contextmanager

import psycopg
import pytest
from sqlalchemy import delete, event, insert, update

from oms_dashboard import create_app
from oms_dashboard.extensions import db
from oms_dashboard.models import ApiToken, Transition, api_token_locations
from oms_dashboard.services import accounts
from oms_dashboard.states import PackageStatus
from tests.conftest import IsolatedClient
from tests.helpers import (
    ApiClient,
    fresh,
    location,
    location_id,
    order,
    product,
    slug,
    status_of,
    stock,
    token,
    transition,
)
from tests.pglocks import pg_url
from tests.test_query_counts import counted_statements

# What a command costs once the process has its caches: the cache-generation read, the package lock and its
# load, the transition log, the package and item updates, the outbox rows (one INSERT for both status
# events) and the package counts (one upsert for the old and the new status).
STATUS_CHANGE_STATEMENTS = {"postgresql": 8, "sqlite": 8}
# Packing besides consumes the reservation (read, stock update, delete), marks the order item, books the
# shipment and writes the location's quota with its event.
PACKING_STATEMENTS = {"postgresql": 15, "sqlite": 15}


@pytest.fixture
def world(app):
    location("L1", priority=80)
    location("L2", priority=70)
    product("A")
    stock("L1", "A", 10)
    stock("L2", "A", 10)
    return {"L1": order("F1", "A", prefer="L1")[0], "L2": order("F2", "A", prefer="L2")[0]}


@pytest.fixture
def other_worker(app):
    """A second app on the same database: another gunicorn worker, with caches of its own."""
    other = create_app({"SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"], "SECRET_KEY": "test"})
    other.test_client_class = IsolatedClient
    yield other
    with other.app_context():
        db.engine.dispose()


@contextmanager
def counted_commits():
    commits: list[None] = []

    def count(_connection):
        commits.append(None)

    event.listen(db.engine, "commit", count)
    try:
        yield commits
    finally:
        event.remove(db.engine, "commit", count)


def commit(statement) -> None:
    """A write from outside the services (an SQL console): the triggers bump the cache generation all the same."""
    fresh()
    db.session.execute(statement)
    db.session.commit()


def test_a_command_costs_a_known_few_statements_and_one_transaction(app, backend, client, world):
    api = ApiClient(client, token())
    package_id = world["L1"]
    assert api.get(f"packages/{package_id}/").status_code == 200  # fills the caches, notes the token's use
    start, pack = (
        slug("PKG_STATE_TRANSITION", PackageStatus.WAITING),
        slug("COMPLETE_PACKAGING", PackageStatus.PREPARING),
    )

    with counted_statements() as statements, counted_commits() as commits:
        assert api.command(package_id, {"slug": start}).status_code == 204
    assert len(statements) <= STATUS_CHANGE_STATEMENTS[backend], "\n".join(statements)
    # PostgreSQL: the generation read opens the command's own transaction. SQLite: BEGIN IMMEDIATE needs a new one.
    assert len(commits) == (1 if backend == "postgresql" else 2)

    with counted_statements() as statements:
        assert api.command(package_id, {"slug": pack}).status_code == 204
    assert len(statements) <= PACKING_STATEMENTS[backend], "\n".join(statements)
    assert status_of(package_id) is PackageStatus.PACKED


def test_a_token_revoked_through_the_service_is_refused_by_every_worker_at_once(app, client, other_worker, world):
    key = token(name="Old ERP")
    here, there = ApiClient(client, key), ApiClient(other_worker.test_client(), key)
    assert here.get("packages/").status_code == there.get("packages/").status_code == 200

    accounts.revoke_tokens(name="Old ERP")

    assert here.get("packages/").status_code == 401
    assert there.run(world["L1"], "PKG_STATE_TRANSITION").status_code == 401
    assert status_of(world["L1"]) is PackageStatus.WAITING


def test_a_token_revoked_by_hand_in_sql_is_refused_by_another_worker(app, other_worker, world):
    key = token(name="Old ERP")
    there = ApiClient(other_worker.test_client(), key)
    assert there.get("packages/").status_code == 200

    commit(update(ApiToken).values(revoked_date=db.func.now()))

    assert there.get("packages/").status_code == 401


def test_a_token_given_another_location_sees_it_in_another_worker_at_once(app, other_worker, world):
    key = token("L1", name="Kadıköy POS")
    there = ApiClient(other_worker.test_client(), key)
    assert there.get(f"packages/{world['L2']}/").status_code == 403
    token_id = db.session.scalar(db.select(ApiToken.id))

    commit(insert(api_token_locations).values(api_token_id=token_id, stock_location_id=location_id("L2")))
    assert there.get(f"packages/{world['L2']}/").status_code == 200

    commit(delete(api_token_locations))  # no location left: every location
    assert there.get(f"packages/{world['L2']}/").status_code == 200
    commit(insert(api_token_locations).values(api_token_id=token_id, stock_location_id=location_id("L1")))
    assert there.get(f"packages/{world['L2']}/").status_code == 403


def test_a_changed_or_added_transition_reaches_another_worker_at_once(app, other_worker, world):
    there = ApiClient(other_worker.test_client(), token())
    package_id = world["L1"]
    start = transition("PKG_STATE_TRANSITION", PackageStatus.WAITING)

    def offered() -> set[str]:
        return {command["slug"] for command in there.get(f"packages/{package_id}/").get_json()["commands"]}

    assert start.slug in offered()

    commit(update(Transition).where(Transition.id == start.id).values(ui_visibility=["instore"]))
    assert start.slug not in offered()
    assert there.command(package_id, {"slug": start.slug}).status_code == 406

    commit(
        insert(Transition).values(
            slug="custom_start",
            label="Custom start",
            command="PKG_STATE_TRANSITION",
            source_state=int(PackageStatus.WAITING),
            destination_state=int(PackageStatus.PREPARING),
            ui_visibility=["third_party"],
            config={},
        )
    )
    assert "custom_start" in offered()
    assert there.command(package_id, {"slug": "custom_start"}).status_code == 204
    assert status_of(package_id) is PackageStatus.PREPARING


@pytest.mark.postgresql_only
def test_a_connection_the_server_dropped_costs_a_command_nothing(app, other_worker, world):
    """No pool ping: the command's first statement finds the connection dead and is tried on a fresh one."""
    there = ApiClient(other_worker.test_client(), token())
    assert there.get("packages/").status_code == 200
    with other_worker.app_context():
        pid = db.session.scalar(db.text("SELECT pg_backend_pid()"))
        db.session.remove()  # back to the pool, where it will be found dead
    with psycopg.connect(pg_url(app), autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", [pid])

    assert there.run(world["L1"], "PKG_STATE_TRANSITION").status_code == 204
    assert status_of(world["L1"]) is PackageStatus.PREPARING


def test_unknown_tokens_are_not_kept(app, client, world):
    """A cache of misses would grow with every made-up key a client sends."""
    assert ApiClient(client, token()).get("packages/").status_code == 200
    kept = len(app.extensions["oms_cache"].values)
    for attempt in range(3):
        assert ApiClient(client, f"made-up-{attempt}").get("packages/").status_code == 401
    assert len(app.extensions["oms_cache"].values) == kept
