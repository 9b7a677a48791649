"""Admin pages for people: users (create, edit, deactivate, reset password) and API tokens (create once, revoke)."""

from __future__ import annotations

import html
import re

import pytest
from sqlalchemy import select

from oms_dashboard.errors import AppError
from oms_dashboard.extensions import db
from oms_dashboard.models import ApiToken, User
from oms_dashboard.services import accounts
from tests.helpers import API, csrf_token, fresh, location_id, order, sign_in, token, user

FIELD_ERRORS = re.compile(r'<div class="field-errors" id="([\w-]+)-error">(.*?)</div>', re.S)


@pytest.fixture
def admin(client, two_stores):
    user("ada", "admin")
    sign_in(client, "ada")
    return client


@pytest.fixture
def selin(app):
    """The store employee's own browser, signed in."""
    browser = app.test_client()
    sign_in(browser, "selin")
    return browser


def field_errors(page: str) -> dict[str, list[str]]:
    """{field id: [messages]} as the page shows them beside each field."""
    return {
        name: [html.unescape(text) for text in re.findall(r'<p class="field-error">(.*?)</p>', block)]
        for name, block in FIELD_ERRORS.findall(page)
    }


def submit(client, page_path: str, data: dict, post_path: str | None = None):
    """Open the form page (for its CSRF token) and post `data` to it, as a browser would."""
    page = client.get(page_path)
    assert page.status_code == 200, page_path
    return client.post(post_path or page_path, data={"csrf_token": csrf_token(page.get_data(as_text=True)), **data})


def stored_user(username: str) -> User | None:
    fresh()
    return db.session.scalars(select(User).where(User.username == username)).first()


def user_id(username: str) -> int:
    return stored_user(username).id


def new_user(**fields) -> dict:
    return {
        "username": "ali",
        "full_name": "Ali Kaya",
        "role": "store_staff",
        "password": "s3cret",
        "confirm": "s3cret",
    } | fields


def api_status(client, key: str) -> int:
    return client.get(f"{API}/stocklocations/", headers={"Authorization": f"Token {key}"}).status_code


# --- users -------------------------------------------------------------------------------------


def test_an_admin_creates_a_store_employee_bound_to_one_location(admin, app):
    response = submit(admin, "/admin/users/new", new_user(locations=[str(location_id("L2"))]))

    assert response.status_code == 302 and response.headers["Location"] == "/admin/users/"
    ali = stored_user("ali")
    assert (
        ali.role == "store_staff" and ali.full_name == "Ali Kaya" and [loc.erp_code for loc in ali.locations] == ["L2"]
    )
    listing = admin.get("/admin/users/").get_data(as_text=True)
    assert "User ali created" in listing and re.search(
        r"ali</a>.*?Ali Kaya.*?Store staff.*?Beşiktaş.*?Active", listing, re.S
    )
    their_browser = app.test_client()
    sign_in(their_browser, "ali", "s3cret")
    assert their_browser.get(f"/locations/{location_id('L2')}").status_code == 200
    assert their_browser.get(f"/locations/{location_id('L1')}").status_code == 404


@pytest.mark.parametrize(
    ("fields", "errors"),
    [
        ({"locations": []}, {"locations": ["Store staff work at one or more locations: tick at least one."]}),
        ({"username": "x" * 65}, {"username": ["Field cannot be longer than 64 characters."]}),
        ({"username": "ali kaya"}, {"username": ["Letters, digits and . _ - + @ only, without spaces."]}),
        ({"username": "selin"}, {"username": ["A user named selin already exists."]}),
        ({"username": "  "}, {"username": ["This field is required."]}),
        ({"full_name": "x" * 129}, {"full_name": ["Field cannot be longer than 128 characters."]}),
        ({"password": "abc", "confirm": "abc"}, {"password": ["Between 4 and 200 characters."]}),
        ({"confirm": "other"}, {"confirm": ["The two passwords differ."]}),
        ({"role": "owner"}, {"role": ["Not a valid choice."]}),
        ({"locations": ["999"]}, {"locations": ["'999' is not a valid choice for this field."]}),
        ({"locations": ["L1"]}, {"locations": ["Invalid choice(s): one or more data inputs could not be coerced."]}),
    ],
)
def test_a_bad_new_user_is_shown_again_with_the_error_beside_the_field(admin, fields, errors):
    data = new_user(locations=[str(location_id("L1"))]) | fields
    response = submit(admin, "/admin/users/new", data)

    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert field_errors(page) == errors
    assert 'aria-invalid="true"' in page or "locations" in errors
    assert stored_user("ali") is None and stored_user("x" * 65) is None


def test_a_nul_character_is_refused_naming_the_field_not_a_server_error(admin):
    response = submit(admin, "/admin/users/new", new_user(full_name="Ali\x00", locations=[str(location_id("L1"))]))

    assert response.status_code == 400 and "full_name: Must not contain NUL characters." in response.get_data(
        as_text=True
    )
    assert stored_user("ali") is None


def test_an_admin_changes_a_users_role_and_locations(admin, selin):
    selin_id = user_id("selin")
    assert selin.get(f"/locations/{location_id('L2')}").status_code == 404

    response = submit(
        admin,
        f"/admin/users/{selin_id}/edit",
        {"full_name": "Selin Ak", "role": "store_staff", "locations": [str(location_id("L2"))], "is_active": "y"},
    )

    assert response.status_code == 302
    assert "selin: full name, locations saved." in admin.get("/admin/users/").get_data(as_text=True)
    assert [loc.erp_code for loc in stored_user("selin").locations] == ["L2"]
    # Her session goes on, with the new locations from her next click.
    assert selin.get(f"/locations/{location_id('L2')}").status_code == 200
    assert selin.get(f"/locations/{location_id('L1')}").status_code == 404

    submit(admin, f"/admin/users/{selin_id}/edit", {"full_name": "Selin Ak", "role": "manager", "is_active": "y"})
    assert stored_user("selin").role == "manager"
    assert selin.get(f"/locations/{location_id('L1')}").status_code == 200


def test_the_edit_form_shows_what_the_user_has_now(admin):
    page = admin.get(f"/admin/users/{user_id('selin')}/edit").get_data(as_text=True)

    assert re.search(
        rf'<input checked id="locations-\d" name="locations" type="checkbox" value="{location_id("L1")}">', page
    )
    assert '<option selected value="store_staff">Store staff</option>' in page
    assert re.search(r'<input [^>]*checked id="is_active"', page)


def test_deactivating_a_user_ends_their_sessions_at_once_and_reactivating_lets_them_back(admin, selin, app):
    assert selin.get("/").status_code == 200
    page = admin.get("/admin/users/").get_data(as_text=True)

    response = admin.post(f"/admin/users/{user_id('selin')}/deactivate", data={"csrf_token": csrf_token(page)})

    assert response.status_code == 302
    assert "selin deactivated" in admin.get("/admin/users/").get_data(as_text=True)
    assert selin.get("/").status_code == 302  # to the login page: her cookie no longer counts
    again = app.test_client()
    login = again.get("/login").get_data(as_text=True)
    refused = again.post("/login", data={"username": "selin", "password": "pass1234", "csrf_token": csrf_token(login)})
    assert refused.status_code == 401

    admin.post(f"/admin/users/{user_id('selin')}/reactivate", data={"csrf_token": csrf_token(page)})
    assert stored_user("selin").is_active
    sign_in(again, "selin")


def test_unticking_active_on_the_edit_form_ends_the_sessions_too(admin, selin):
    selin_id = user_id("selin")
    data = {"full_name": "", "role": "store_staff", "locations": [str(location_id("L1"))]}  # no is_active

    response = submit(admin, f"/admin/users/{selin_id}/edit", data)

    assert response.status_code == 302 and not stored_user("selin").is_active
    assert "every session they had has ended" in admin.get("/admin/users/").get_data(as_text=True)
    assert selin.get("/").status_code == 302


def test_an_admin_resets_a_password_and_the_users_sessions_end(admin, selin, app):
    response = submit(admin, f"/admin/users/{user_id('selin')}/password", {"password": "n3w-one", "confirm": "n3w-one"})

    assert response.status_code == 302
    assert "New password set for selin" in admin.get("/admin/users/").get_data(as_text=True)
    assert selin.get("/").status_code == 302
    assert stored_user("selin").check_password("n3w-one") and not stored_user("selin").check_password("pass1234")
    sign_in(app.test_client(), "selin", "n3w-one")


def test_a_short_or_mistyped_new_password_is_refused_beside_the_field(admin):
    path = f"/admin/users/{user_id('selin')}/password"
    short = submit(admin, path, {"password": "abc", "confirm": "abc"})
    differ = submit(admin, path, {"password": "abcd", "confirm": "abce"})

    assert short.status_code == 400 and field_errors(short.get_data(as_text=True)) == {
        "password": ["Between 4 and 200 characters."]
    }
    assert differ.status_code == 400 and field_errors(differ.get_data(as_text=True)) == {
        "confirm": ["The two passwords differ."]
    }
    assert stored_user("selin").check_password("pass1234")


def test_an_admin_resetting_their_own_password_stays_signed_in_here(admin):
    response = submit(admin, f"/admin/users/{user_id('ada')}/password", {"password": "n3w-one", "confirm": "n3w-one"})

    assert response.status_code == 302
    assert "Your password is changed" in admin.get("/admin/users/").get_data(as_text=True)


def test_an_admin_cannot_deactivate_themself_or_drop_their_own_admin_role(admin):
    ada = user_id("ada")
    edit = admin.get(f"/admin/users/{ada}/edit").get_data(as_text=True)
    assert "you cannot remove your own admin role" in edit and "you cannot deactivate your own account" in edit
    assert f"/admin/users/{ada}/deactivate" not in admin.get("/admin/users/").get_data(as_text=True)

    demoted = submit(admin, f"/admin/users/{ada}/edit", {"full_name": "", "role": "manager"})
    assert demoted.status_code == 400 and field_errors(demoted.get_data(as_text=True)) == {
        "role": ["You cannot remove your own admin role: another admin can."],
        "is_active": ["You cannot deactivate your own account: another admin can."],
    }
    posted = admin.post(f"/admin/users/{ada}/deactivate", data={"csrf_token": csrf_token(edit)})
    assert posted.status_code == 302
    assert "You cannot deactivate your own account" in admin.get("/admin/users/").get_data(as_text=True)
    assert stored_user("ada").is_active and stored_user("ada").role == "admin"


@pytest.mark.parametrize(
    ("write", "field", "message"),
    [
        (lambda: accounts.create_user(username="x" * 65, password="pass", role="manager"), "username", "At most 64"),
        (lambda: accounts.create_user(username="a\x00", password="pass", role="manager"), "username", "NUL"),
        (lambda: accounts.create_user(username="ali", password="p" * 201, role="manager"), "password", "At most 200"),
        (lambda: accounts.create_token(name=" "), "name", "may not be blank"),
        (lambda: accounts.create_token(name="ERP", location_ids=[2**40]), "locations", "Unknown stock location"),
        (
            lambda: accounts.update_user(
                user_id=accounts.get_user(user_id=1).id,
                full_name="x" * 129,
                role="admin",
                location_ids=[],
                is_active=True,
            ),
            "full_name",
            "At most 128",
        ),
    ],
)
def test_the_services_refuse_bad_values_for_every_door(two_stores, write, field, message):
    """The CLI reaches the same services without a form: a bad value is a 400 naming the field, never a database error."""
    with pytest.raises(AppError) as refused:
        write()
    assert refused.value.status_code == 400 and message in " ".join(refused.value.error[field])


def test_unknown_users_are_not_found(admin):
    assert admin.get("/admin/users/999/edit").status_code == 404
    assert admin.get("/admin/users/99999999999/password").status_code == 404


# --- API tokens --------------------------------------------------------------------------------


def test_a_new_tokens_key_is_shown_once_and_opens_the_api(admin, client):
    response = submit(admin, "/admin/tokens/new", {"name": "Warehouse ERP", "locations": [str(location_id("L1"))]})

    assert response.status_code == 200 and "Location" not in response.headers  # the answer itself, no redirect
    assert response.headers["Cache-Control"] == "no-store"
    page = response.get_data(as_text=True)
    key = re.search(r'<input id="api-key" type="text" value="([0-9a-f]{40})" readonly', page).group(1)
    assert "shown only this once" in page and "Kadıköy (L1)" in page
    assert key not in "".join(response.headers.getlist("Set-Cookie"))
    listing = admin.get("/admin/tokens/").get_data(as_text=True)
    assert key not in listing and f"{key[:8]}…" in listing
    assert re.search(r"Warehouse ERP.*?Kadıköy.*?Never.*?Live", listing, re.S)

    assert api_status(client, key) == 200

    listing = admin.get("/admin/tokens/").get_data(as_text=True)
    assert "Never" not in listing and re.search(
        r"Warehouse ERP.*?Istanbul</td>\s*<td>\d\d \w{3} \d{4}, [\d:]+ Istanbul", listing, re.S
    )


def test_a_token_without_locations_may_act_on_all(admin):
    response = submit(admin, "/admin/tokens/new", {"name": "ERP"})

    assert "<dd>All locations</dd>" in response.get_data(as_text=True)
    assert db.session.scalars(select(ApiToken)).one().locations == []
    assert re.search(r"ERP</td>.*?All locations", admin.get("/admin/tokens/").get_data(as_text=True), re.S)


@pytest.mark.parametrize(
    ("name", "message"),
    [("", "This field is required."), ("x" * 129, "Field cannot be longer than 128 characters.")],
)
def test_a_bad_token_name_is_refused_beside_the_field(admin, name, message):
    response = submit(admin, "/admin/tokens/new", {"name": name})

    assert response.status_code == 400 and field_errors(response.get_data(as_text=True)) == {"name": [message]}
    fresh()
    assert db.session.scalars(select(ApiToken)).first() is None


def test_revoking_a_token_asks_first_and_the_api_refuses_it_at_once(admin, client):
    key = token(name="ERP")
    assert api_status(client, key) == 200
    token_id = db.session.scalars(select(ApiToken.id)).one()

    confirm = admin.get(f"/admin/tokens/{token_id}/revoke").get_data(as_text=True)
    assert "Revoke token ERP?" in confirm and "cannot be undone" in confirm
    assert api_status(client, key) == 200  # asking is not revoking

    response = admin.post(f"/admin/tokens/{token_id}/revoke", data={"csrf_token": csrf_token(confirm)})

    assert response.status_code == 302 and response.headers["Location"] == "/admin/tokens/"
    assert api_status(client, key) == 401
    listing = admin.get("/admin/tokens/").get_data(as_text=True)
    assert "Token ERP" in listing and re.search(r"Revoked</span> \d\d \w{3} \d{4}", listing)
    assert f"/admin/tokens/{token_id}/revoke" not in listing

    again = admin.post(f"/admin/tokens/{token_id}/revoke", data={"csrf_token": csrf_token(confirm)})
    assert again.status_code == 302 and "No live token" in admin.get("/admin/tokens/").get_data(as_text=True)
    assert "was revoked on" in admin.get(f"/admin/tokens/{token_id}/revoke").get_data(as_text=True)


def test_revoking_needs_the_csrf_token(admin, client):
    key = token(name="ERP")
    token_id = db.session.scalars(select(ApiToken.id)).one()

    assert admin.post(f"/admin/tokens/{token_id}/revoke").status_code == 400
    assert api_status(client, key) == 200


# --- who may see these pages ---------------------------------------------------------------------

ADMIN_PAGES = [
    ("GET", "/admin/"),
    ("GET", "/admin/users/"),
    ("GET", "/admin/users/new"),
    ("POST", "/admin/users/new"),
    ("GET", "/admin/users/{user}/edit"),
    ("POST", "/admin/users/{user}/edit"),
    ("GET", "/admin/users/{user}/password"),
    ("POST", "/admin/users/{user}/password"),
    ("POST", "/admin/users/{user}/deactivate"),
    ("POST", "/admin/users/{user}/reactivate"),
    ("GET", "/admin/tokens/"),
    ("GET", "/admin/tokens/new"),
    ("POST", "/admin/tokens/new"),
    ("GET", "/admin/tokens/{token}/revoke"),
    ("POST", "/admin/tokens/{token}/revoke"),
]


@pytest.mark.parametrize("username", ["selin", "murat"], ids=["store_staff", "manager"])
@pytest.mark.parametrize(("method", "path"), ADMIN_PAGES)
def test_admin_pages_do_not_exist_for_other_roles(client, two_stores, username, method, path):
    key = token(name="ERP")
    token_id = db.session.scalars(select(ApiToken.id)).one()
    url = path.format(user=user_id("selin"), token=token_id)
    sign_in(client, username)
    form = {"csrf_token": csrf_token(client.get("/logout").get_data(as_text=True)), "full_name": "x", "role": "admin"}

    response = client.get(url) if method == "GET" else client.post(url, data=form)

    assert response.status_code == 404
    assert stored_user("selin").role == "store_staff" and stored_user("selin").is_active
    assert api_status(client, key) == 200


@pytest.mark.parametrize(("method", "path"), [page for page in ADMIN_PAGES if page[0] == "GET"])
def test_admin_pages_ask_for_a_login_and_open_for_admins(app, admin, method, path):
    order("1001", "A", prefer="L1")
    token(name="ERP")
    url = path.format(user=user_id("selin"), token=db.session.scalars(select(ApiToken.id)).one())

    assert app.test_client().get(url).headers["Location"].startswith("/login?next=")
    page = admin.get(url)
    assert page.status_code == 200
    assert '<nav class="subnav" aria-label="Administration">' in page.get_data(as_text=True)
