"""The command line of DESIGN §10."""

from __future__ import annotations

import tempfile

from sqlalchemy import func, inspect, select

from oms_dashboard import create_app
from oms_dashboard.extensions import db
from oms_dashboard.models import ApiToken, Package, Transition, User
from oms_dashboard.states import PackageStatus
from tests.helpers import API, location


def test_db_upgrade_creates_the_schema_on_an_empty_database():
    with tempfile.TemporaryDirectory() as directory:
        app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{directory}/fresh.sqlite3", "SECRET_KEY": "x"})
        result = app.test_cli_runner().invoke(args=["db", "upgrade"])
        assert result.exit_code == 0, result.output
        with app.app_context():
            tables = set(inspect(db.engine).get_table_names())
            db.engine.dispose()
    assert {"packages", "package_items", "transitions", "transition_logs", "outbox_events", "api_tokens"} <= tables


def test_install_is_idempotent(app):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["oms", "install"])  # the fixture installed already: nothing new
    assert first.exit_code == 0
    assert first.output.strip() == (
        "Installed: 0 transitions, 0 transfer transitions, 0 denial reasons, 0 cargo companies, 0 scenarios."
    )
    db.session.execute(Transition.__table__.delete().where(Transition.command == "SHIP"))
    db.session.commit()
    again = app.test_cli_runner().invoke(args=["oms", "install"])
    assert "Installed: 1 transitions, 0 transfer transitions, 0 denial reasons" in again.output


def test_seed_demo_creates_packages_in_every_screen_state_and_prints_the_logins(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["oms", "seed-demo"])

    assert result.exit_code == 0, result.output
    assert "login store1 / oms-demo  (store_staff, Kadıköy Store)" in result.output
    assert "login manager / oms-demo" in result.output and "login admin / oms-demo" in result.output
    states = {PackageStatus(state) for state in db.session.scalars(select(Package.status).distinct())}
    assert states == set(PackageStatus)  # every count on the location pages can be non-zero

    again = runner.invoke(args=["oms", "seed-demo", "--password", "s3cret"])
    assert "already present" in again.output and "login store1 / s3cret" in again.output
    db.session.rollback()
    assert db.session.scalars(select(User).where(User.username == "store1")).one().check_password("s3cret")


def test_create_user_binds_store_staff_to_locations(app):
    location("L1")
    runner = app.test_cli_runner()

    ok = runner.invoke(
        args=["oms", "create-user", "selin", "--role", "store_staff", "--location", "L1", "--password", "pw1234"]
    )
    assert ok.exit_code == 0, ok.output
    user = db.session.scalars(select(User).where(User.username == "selin")).one()
    assert user.role == "store_staff" and [loc.erp_code for loc in user.locations] == ["L1"]
    assert user.check_password("pw1234") and user.password_hash != "pw1234"

    no_location = runner.invoke(args=["oms", "create-user", "ali", "--role", "store_staff", "--password", "pw1234"])
    unknown = runner.invoke(
        args=["oms", "create-user", "ali", "--role", "store_staff", "--location", "XX", "--password", "pw1234"]
    )
    assert no_location.exit_code == 1 and "give --location" in no_location.output
    assert unknown.exit_code == 1 and "Unknown stock location: XX" in unknown.output
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(User)) == 1


def test_create_token_prints_a_key_that_opens_the_api_and_is_stored_hashed(app, client):
    location("L1")
    result = app.test_cli_runner().invoke(args=["oms", "create-token", "erp", "--location", "L1"])

    assert result.exit_code == 0, result.output
    key = result.output.strip()
    assert len(key) == 40
    stored = db.session.scalars(select(ApiToken)).one()
    assert (
        stored.key_hash != key and key not in stored.key_hash and [loc.erp_code for loc in stored.locations] == ["L1"]
    )
    assert client.get(f"{API}/stocklocations/", headers={"Authorization": f"Token {key}"}).status_code == 200


def test_create_token_with_a_key_file_reuses_the_key_while_it_works(app, client, tmp_path):
    """What .ci/serve does on every start: one demo token, not a new one per run."""
    from oms_dashboard.services.accounts import revoke_tokens

    key_file = tmp_path / "instance" / "demo-token"
    runner = app.test_cli_runner()
    args = ["oms", "create-token", "demo ERP", "--key-file", str(key_file)]

    first = runner.invoke(args=args)
    second = runner.invoke(args=args)

    assert first.exit_code == 0 and second.exit_code == 0, first.output + second.output
    key = first.output.strip()
    assert second.output.strip() == key and key_file.read_text().strip() == key
    assert key_file.stat().st_mode & 0o777 == 0o600
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(ApiToken)) == 1

    revoke_tokens(name="demo ERP")  # a key that no longer opens the API is replaced
    third = runner.invoke(args=args)
    new_key = third.output.strip()
    assert third.exit_code == 0 and new_key != key and key_file.read_text().strip() == new_key
    assert client.get(f"{API}/stocklocations/", headers={"Authorization": f"Token {new_key}"}).status_code == 200

    key_file.write_text("not a key\n")  # so is anything else in the file
    assert runner.invoke(args=args).output.strip() not in {new_key, "not a key"}


def test_revoke_token_ends_its_access_at_once_and_list_tokens_shows_each_token(app, client):
    location("L1")
    runner = app.test_cli_runner()
    erp = runner.invoke(args=["oms", "create-token", "erp"]).output.strip()
    runner.invoke(args=["oms", "create-token", "till", "--location", "L1"])
    assert client.get(f"{API}/stocklocations/", headers={"Authorization": f"Token {erp}"}).status_code == 200

    listed = runner.invoke(args=["oms", "list-tokens"])
    assert listed.exit_code == 0, listed.output
    header, till, erp_row = listed.output.splitlines()
    assert header.split() == ["id", "name", "key", "prefix", "locations", "created", "last", "used", "state"]
    assert erp_row.split()[1:4] == ["erp", erp[:8], "all"] and erp_row.endswith("live") and "never" not in erp_row
    assert till.split()[1:4] == ["till", till.split()[2], "L1"] and "never" in till

    revoked = runner.invoke(args=["oms", "revoke-token", "erp"])
    assert revoked.exit_code == 0 and revoked.output.strip() == "Revoked 1 token named erp."
    assert client.get(f"{API}/stocklocations/", headers={"Authorization": f"Token {erp}"}).status_code == 401
    again = runner.invoke(args=["oms", "revoke-token", "erp"])
    assert again.exit_code == 1 and "No live token named erp" in again.output
    assert "revoked 20" in runner.invoke(args=["oms", "list-tokens"]).output.splitlines()[2]
