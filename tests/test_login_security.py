"""Signing in safely: throttled failures shared by every worker, no username oracle, sessions that end."""

from __future__ import annotations

import os
from datetime import timedelta
from email.utils import parsedate_to_datetime

import pytest
from flask_migrate import upgrade
from sqlalchemy import func, inspect, select, text

from oms_dashboard import create_app
from oms_dashboard.config import ConfigurationError, settings_from_environment
from oms_dashboard.extensions import db
from oms_dashboard.models import LoginFailure, User
from oms_dashboard.models.base import utcnow
from oms_dashboard.services import accounts, authentication
from tests import postgres
from tests.conftest import IsolatedClient
from tests.helpers import csrf_token, fresh, sign_in, user

HOME = "/"


@pytest.fixture
def selin(two_stores):
    return "selin"


def attempt(
    client,
    username: str,
    password: str = "wrong",
    *,
    address: str = "127.0.0.1",
    headers: dict[str, str] | None = None,
    remember: bool = False,
):
    """One sign-in through the login form, from `address`."""
    token = csrf_token(client.get("/login").get_data(as_text=True))
    form = {"username": username, "password": password, "csrf_token": token} | ({"remember": "y"} if remember else {})
    return client.post("/login", data=form, headers=headers or {}, environ_base={"REMOTE_ADDR": address})


def failures(**where) -> int:
    fresh()
    query = select(func.count()).select_from(LoginFailure)
    for column, value in where.items():
        query = query.where(getattr(LoginFailure, column) == value)
    return db.session.scalar(query)


def write_failures(count: int, *, age: timedelta, username: str = "selin", address: str = "127.0.0.1") -> None:
    """Failures that happened `age` ago: how the tests move the clock."""
    when = utcnow() - age
    db.session.add_all(LoginFailure(username=username, client_address=address, created_date=when) for _ in range(count))
    db.session.commit()


@pytest.fixture
def hash_checks(monkeypatch):
    """Counts the password-hash checks sign-in makes (the real check still runs)."""
    calls: list[str] = []
    real = authentication.check_password_hash

    def counting(password_hash: str, password: str) -> bool:
        calls.append(password_hash)
        return real(password_hash, password)

    monkeypatch.setattr(authentication, "check_password_hash", counting)
    return calls


# --- throttling ------------------------------------------------------------------------------------


def test_a_username_is_throttled_after_its_failures_from_any_address(app, client, selin, hash_checks):
    app.config["LOGIN_FAILURES_PER_USERNAME"] = 3
    for address in ("10.0.0.1", "10.0.0.2", "10.0.0.3"):
        assert attempt(client, "selin", address=address).status_code == 401

    hash_checks.clear()
    refused = attempt(client, "selin", "pass1234", address="10.0.0.4")  # even the right password

    assert refused.status_code == 429
    assert hash_checks == []  # not checked while throttled: a throttled try reveals nothing
    assert 0 < int(refused.headers["Retry-After"]) <= 15 * 60
    page = refused.get_data(as_text=True)
    assert "Too many failed sign-in attempts. Try again in 15 minutes." in page
    assert 'name="username"' in page  # the login page itself, with the message
    assert refused.headers["Cache-Control"] == "no-store"
    assert attempt(client, "murat-unknown", address="10.0.0.4").status_code == 401  # others still may try


def test_an_address_is_throttled_after_failures_on_any_usernames(app, client, selin):
    app.config["LOGIN_FAILURES_PER_ADDRESS"] = 3
    for name in ("ali", "veli", "selin"):
        assert attempt(client, name, address="10.0.0.9").status_code == 401

    assert attempt(client, "selin", "pass1234", address="10.0.0.9").status_code == 429
    assert attempt(client, "selin", "pass1234", address="10.0.0.8").status_code == 302  # another address


def test_an_unknown_username_is_throttled_like_a_known_one(app, client):
    app.config["LOGIN_FAILURES_PER_USERNAME"] = 2
    assert [attempt(client, "nobody").status_code for _ in range(3)] == [401, 401, 429]


def test_the_limit_is_shared_by_every_app_process_on_the_database(app, client, selin, backend, database_url):
    """Two app instances (two gunicorn workers, or two hosts) on one database count together."""
    app.config["LOGIN_FAILURES_PER_USERNAME"] = 4
    other_worker = create_app(
        {"TESTING": True, "SQLALCHEMY_DATABASE_URI": database_url(backend), "SECRET_KEY": "test-secret"}
    )
    other_worker.config["LOGIN_FAILURES_PER_USERNAME"] = 4
    other_worker.test_client_class = IsolatedClient
    other_client = other_worker.test_client()
    try:
        assert attempt(client, "selin").status_code == 401
        assert attempt(other_client, "selin").status_code == 401
        assert attempt(client, "selin").status_code == 401
        assert attempt(other_client, "selin").status_code == 401
        assert attempt(client, "selin", "pass1234").status_code == 429
        assert attempt(other_client, "selin", "pass1234").status_code == 429
    finally:
        with other_worker.app_context():
            db.engine.dispose()


def test_the_throttle_lifts_when_the_failures_leave_the_window(app, client, selin):
    write_failures(5, age=timedelta(minutes=16))  # the default window is 15 minutes
    assert attempt(client, "selin", "pass1234").status_code == 302


def test_retry_after_counts_down_to_when_the_oldest_counted_failure_leaves_the_window(app, client, selin):
    write_failures(1, age=timedelta(minutes=14, seconds=30))
    write_failures(4, age=timedelta(minutes=1))

    refused = attempt(client, "selin", "pass1234")

    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) in range(1, 31)
    assert "Try again in 1 minute." in refused.get_data(as_text=True)


def test_a_failure_prunes_the_rows_that_left_the_window(app, client, selin):
    write_failures(7, age=timedelta(hours=2), username="someone", address="10.1.1.1")
    attempt(client, "selin")
    assert failures() == 1 and failures(username="selin", client_address="127.0.0.1") == 1


def test_a_successful_sign_in_clears_the_usernames_failures_but_not_the_addresss(app, client, selin):
    write_failures(2, age=timedelta(minutes=1), username="selin", address="10.0.0.7")
    write_failures(2, age=timedelta(minutes=1), username="other", address="127.0.0.1")
    assert attempt(client, "selin", "pass1234").status_code == 302
    assert failures(username="selin") == 0 and failures(client_address="127.0.0.1") == 2


def test_without_a_trusted_proxy_x_forwarded_for_is_ignored(app, client, selin):
    """A client cannot escape the address limit by sending a made-up X-Forwarded-For."""
    app.config["LOGIN_FAILURES_PER_ADDRESS"] = 2
    for n in range(2):
        attempt(client, f"user{n}", headers={"X-Forwarded-For": f"203.0.113.{n}"})
    assert failures(client_address="127.0.0.1") == 2
    assert attempt(client, "selin", "pass1234", headers={"X-Forwarded-For": "203.0.113.99"}).status_code == 429


def test_behind_a_trusted_proxy_the_forwarded_client_address_is_throttled(app, selin, backend, database_url):
    behind_proxy = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": database_url(backend),
            "SECRET_KEY": "test-secret",
            "TRUSTED_PROXIES": 1,
        }
    )
    behind_proxy.test_client_class = IsolatedClient
    try:
        attempt(behind_proxy.test_client(), "selin", headers={"X-Forwarded-For": "198.51.100.7"})
    finally:
        with behind_proxy.app_context():
            db.engine.dispose()
    assert failures(client_address="198.51.100.7") == 1


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("OMS_LOGIN_FAILURES_PER_USERNAME", "0"),
        ("OMS_LOGIN_FAILURES_PER_ADDRESS", "many"),
        ("OMS_LOGIN_WINDOW_MINUTES", "-5"),
        ("OMS_TRUSTED_PROXIES", "1.5"),
        ("SESSION_COOKIE_SECURE", "ture"),
        ("OMS_TIMEZONE", "Mars/Olympus"),
    ],
)
def test_an_invalid_setting_stops_start_up_naming_the_variable(monkeypatch, tmp_path, variable, value):
    monkeypatch.setenv(variable, value)
    with pytest.raises(ConfigurationError, match=variable):
        settings_from_environment(tmp_path, {"SECRET_KEY": "x"})


def test_the_limits_come_from_the_environment_with_sensible_defaults(monkeypatch, tmp_path):
    defaults = settings_from_environment(tmp_path, {"SECRET_KEY": "x"})
    assert (defaults["LOGIN_FAILURES_PER_USERNAME"], defaults["LOGIN_FAILURES_PER_ADDRESS"]) == (5, 20)
    assert defaults["LOGIN_FAILURE_WINDOW"] == timedelta(minutes=15) and defaults["TRUSTED_PROXIES"] == 0

    monkeypatch.setenv("OMS_LOGIN_FAILURES_PER_USERNAME", "8")
    monkeypatch.setenv("OMS_LOGIN_FAILURES_PER_ADDRESS", "50")
    monkeypatch.setenv("OMS_LOGIN_WINDOW_MINUTES", "30")
    monkeypatch.setenv("OMS_TRUSTED_PROXIES", "1")
    custom = settings_from_environment(tmp_path, {"SECRET_KEY": "x"})
    assert (custom["LOGIN_FAILURES_PER_USERNAME"], custom["LOGIN_FAILURES_PER_ADDRESS"]) == (8, 50)
    assert custom["LOGIN_FAILURE_WINDOW"] == timedelta(minutes=30) and custom["TRUSTED_PROXIES"] == 1


# --- the same work whether or not the user exists ------------------------------------------------------


@pytest.mark.parametrize(
    ("username", "password"),
    [("selin", "pass1234"), ("selin", "wrong"), ("nobody", "pass1234"), ("retired", "pass1234")],
    ids=["right password", "wrong password", "unknown user", "inactive user"],
)
def test_every_sign_in_checks_exactly_one_password_hash_of_the_same_kind(
    app, client, selin, hash_checks, username, password
):
    user("retired", "manager")
    accounts.deactivate_user(username="retired")
    fresh()
    real_hash = db.session.scalars(select(User.password_hash).where(User.username == "selin")).one()

    attempt(client, username, password)

    assert len(hash_checks) == 1
    method = real_hash.split("$", 1)[0]  # e.g. scrypt:32768:8:1 — the same cost parameters
    assert hash_checks[0].split("$", 1)[0] == method


def test_unknown_and_inactive_users_get_the_same_answer_as_a_wrong_password(app, client, selin):
    user("retired", "manager")
    accounts.deactivate_user(username="retired")
    for name, password in (("selin", "wrong"), ("nobody", "pass1234"), ("retired", "pass1234")):
        answer = attempt(client, name, password)
        assert answer.status_code == 401, name
        assert "Unknown username or wrong password." in answer.get_data(as_text=True), name


# --- sessions end server-side ---------------------------------------------------------------------


def copy_of(client, app, *names: str):
    """A second browser holding copies of the given cookies of `client`."""
    thief = app.test_client()
    for name in names:
        cookie = client.get_cookie(name)
        assert cookie is not None, name
        thief.set_cookie(name, cookie.value)
    return thief


def sign_out(client) -> None:
    token = csrf_token(client.get(HOME).get_data(as_text=True))
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302


@pytest.fixture
def remembered(app, client, selin):
    """selin signed in with "Keep me signed in"; a copy of each cookie taken before anything else."""
    response = attempt(client, "selin", "pass1234", remember=True)
    assert response.status_code == 302
    return {
        "response": response,
        "session": copy_of(client, app, "session"),
        "remember": copy_of(client, app, "remember_token"),
    }


def test_copied_cookies_work_until_the_user_signs_out(client, remembered):
    assert remembered["session"].get(HOME).status_code == 200
    assert remembered["remember"].get(HOME).status_code == 200  # the remember cookie alone signs in

    sign_out(client)

    assert remembered["session"].get(HOME).status_code == 302
    assert remembered["remember"].get(HOME).status_code == 302


def test_signing_out_ends_the_users_sessions_on_other_devices_too(app, client, remembered):
    tablet = app.test_client()
    sign_in(tablet, "selin")
    sign_out(client)
    assert tablet.get(HOME).status_code == 302


@pytest.mark.parametrize(
    "end",
    [
        lambda: accounts.set_password(username="selin", password="new-secret"),
        lambda: accounts.deactivate_user(username="selin"),
    ],
    ids=["password change", "deactivation"],
)
def test_a_password_change_or_deactivation_ends_every_session(client, remembered, end):
    end()
    assert client.get(HOME).status_code == 302
    assert remembered["session"].get(HOME).status_code == 302
    assert remembered["remember"].get(HOME).status_code == 302


def test_after_a_password_change_the_new_password_signs_in(app, client, selin):
    accounts.set_password(username="selin", password="new-secret")
    assert attempt(client, "selin", "pass1234").status_code == 401
    assert attempt(client, "selin", "new-secret").status_code == 302


def test_a_session_id_without_the_users_current_token_loads_nobody(app, selin):
    from oms_dashboard.auth import load_user

    row = db.session.scalars(select(User).where(User.username == "selin")).one()
    assert load_user(row.get_id()) is row
    # The id alone (a session from before tokens), a wrong token, and malformed ids.
    for session_id in (str(row.id), f"{row.id}:", f"{row.id}:not-the-token", f":{row.session_token}", "x:y", "9" * 12):
        assert load_user(session_id) is None, session_id


def test_the_migration_gives_every_existing_user_a_token_of_their_own(backend, database_url, tmp_path):
    if backend == "sqlite":
        url = f"sqlite:///{tmp_path}/before.sqlite3"
    else:  # a second database on the tests' PostgreSQL server
        server = database_url(backend).rsplit("/", 1)[0] + "/postgres"
        url = postgres.fresh_database(server, f"oms_migration_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}")
    old = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "x"})
    try:
        with old.app_context():
            upgrade(revision="0002")
            for name in ("ayse", "mehmet"):
                db.session.execute(
                    text(
                        "INSERT INTO users (username, full_name, password_hash, role, is_active, created_date,"
                        " modified_date) VALUES (:name, '', 'x', 'manager', true, :now, :now)"
                    ),
                    {"name": name, "now": utcnow()},
                )
            db.session.commit()

            upgrade()

            tokens = db.session.scalars(text("SELECT session_token FROM users")).all()
            assert len(tokens) == 2 and len(set(tokens)) == 2 and all(len(token) >= 40 for token in tokens)
            column = next(c for c in inspect(db.engine).get_columns("users") if c["name"] == "session_token")
            assert column["nullable"] is False
            db.session.remove()
            db.engine.dispose()
    finally:
        if backend == "postgresql":
            postgres.drop_database(server, url.rsplit("/", 1)[1])


def test_the_remember_cookie_is_lax_http_only_and_lasts_two_weeks(remembered):
    header = next(
        value for value in remembered["response"].headers.getlist("Set-Cookie") if value.startswith("remember_token=")
    )
    attributes = dict(part.strip().partition("=")[::2] for part in header.split(";")[1:])
    assert attributes["SameSite"] == "Lax" and "HttpOnly" in attributes
    assert "Secure" not in attributes  # plain http here; see the next test
    lasts = parsedate_to_datetime(attributes["Expires"]) - utcnow()
    assert timedelta(days=13) < lasts <= timedelta(days=14)


def test_cookies_are_secure_together(monkeypatch, tmp_path):
    monkeypatch.setenv("SESSION_COOKIE_SECURE", "1")
    settings = settings_from_environment(tmp_path, {"SECRET_KEY": "x"})
    assert settings["SESSION_COOKIE_SECURE"] is True and settings["REMEMBER_COOKIE_SECURE"] is True
    assert settings["REMEMBER_COOKIE_SAMESITE"] == settings["SESSION_COOKIE_SAMESITE"] == "Lax"


def test_the_cli_deactivates_a_user_and_sets_a_password(app, selin):
    runner = app.test_cli_runner()
    changed = runner.invoke(args=["oms", "set-password", "selin", "--password", "s3cret-2"])
    assert changed.exit_code == 0 and "sessions have ended" in changed.output
    unknown = runner.invoke(args=["oms", "deactivate-user", "nobody"])
    assert unknown.exit_code == 1 and "No user named nobody." in unknown.output
    done = runner.invoke(args=["oms", "deactivate-user", "selin"])
    assert done.exit_code == 0 and "User selin deactivated" in done.output

    fresh()
    row = db.session.scalars(select(User).where(User.username == "selin")).one()
    assert not row.is_active and row.check_password("s3cret-2")


def test_an_installation_hashes_passwords_with_scrypt_unless_told_otherwise(tmp_path):
    """The suite uses a cheap hash (conftest.py); a real installation keeps werkzeug's scrypt."""
    installed = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.sqlite3", "SECRET_KEY": "x"})
    with installed.app_context():
        assert installed.config["PASSWORD_HASH_METHOD"] == "scrypt"
        person = User(username="new")
        person.set_password("pass1234")
        assert person.password_hash.startswith("scrypt:") and person.check_password("pass1234")
        assert authentication.unknown_user_hash("scrypt").startswith("scrypt:")
