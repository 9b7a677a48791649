"""Users and API tokens: every write of the CLI and the admin pages goes through here.

Values are checked here (lengths, NUL, a username's characters, a password's length), so every door
refuses the same things with a 400 naming the field; forms only make the pages pleasant.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from flask_babel import gettext
from sqlalchemy import or_, select, update
from sqlalchemy.orm import selectinload

from ..database import MAX_ID, run_in_transaction
from ..errors import AppError
from ..extensions import db
from ..i18n import N_
from ..models import ApiToken, Role, StockLocation, User, api_token_locations
from ..models.base import utcnow
from ..validation import BLANK_MESSAGE, unstorable_text_reason
from .masterdata import racing_inserts

MIN_PASSWORD_LENGTH = 4
MAX_PASSWORD_LENGTH = 200  # what the login form accepts
USERNAME_MAX_LENGTH = 64
FULL_NAME_MAX_LENGTH = 128
TOKEN_NAME_MAX_LENGTH = 128
# Django's rule: letters (any script), digits and @ . + - _; no spaces, so a name reads the same everywhere.
USERNAME_CHARACTERS = re.compile(r"[\w.@+-]+")
STAFF_NEED_LOCATIONS = "Store staff work at one or more locations"
# The whole sentence a page shows (the admin user form uses it too).
STAFF_NEED_LOCATIONS_MESSAGE = N_("Store staff work at one or more locations: tick at least one.")
LAST_USED_RESOLUTION = timedelta(minutes=1)


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def _locations(erp_codes: Sequence[str]) -> list[StockLocation]:
    found = list(db.session.scalars(select(StockLocation).where(StockLocation.erp_code.in_(set(erp_codes)))))
    unknown = sorted(set(erp_codes) - {location.erp_code for location in found})
    if unknown:
        raise AppError.field("location", gettext("Unknown stock location: %(codes)s.", codes=", ".join(unknown)))
    return found


def _locations_by_id(location_ids: Sequence[int]) -> list[StockLocation]:
    wanted = set(location_ids)
    storable = {i for i in wanted if 1 <= i <= MAX_ID}  # a larger number is no id: unknown, not a database error
    found = list(db.session.scalars(select(StockLocation).where(StockLocation.id.in_(storable)))) if storable else []
    unknown = sorted(wanted - {location.id for location in found})
    if unknown:
        raise AppError.field(
            "locations", gettext("Unknown stock location id: %(ids)s.", ids=", ".join(map(str, unknown)))
        )
    return sorted(found, key=lambda location: location.id)


def _text(field: str, value: str, *, max_length: int, blank: bool = False) -> str:
    """`value` without surrounding spaces, or a 400 naming `field`: NUL or an unpaired surrogate, too long, blank."""
    if (reason := unstorable_text_reason(value)) is not None:
        raise AppError.field(field, gettext(reason))
    value = value.strip()
    if len(value) > max_length:
        raise AppError.field(field, _at_most(max_length))
    if not value and not blank:
        raise AppError.field(field, gettext(BLANK_MESSAGE))
    return value


def _username(username: str) -> str:
    username = _text("username", username, max_length=USERNAME_MAX_LENGTH)
    if not USERNAME_CHARACTERS.fullmatch(username):
        raise AppError.field("username", gettext("Letters, digits and . _ - + @ only, without spaces."))
    return username


def _role(role: str) -> Role:
    if role not in {r.value for r in Role}:
        raise AppError.field("role", gettext("One of: %(roles)s.", roles=", ".join(r.value for r in Role)))
    return Role(role)


def _check_password_length(password: str) -> None:
    if (reason := unstorable_text_reason(password)) is not None:
        raise AppError.field("password", gettext(reason))
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AppError.field("password", gettext("At least %(num)d characters.", num=MIN_PASSWORD_LENGTH))
    if len(password) > MAX_PASSWORD_LENGTH:
        raise AppError.field("password", _at_most(MAX_PASSWORD_LENGTH))


def _at_most(max_length: int) -> str:
    return gettext("At most %(num)d characters.", num=max_length)


def create_user(
    *,
    username: str,
    password: str,
    role: str,
    location_codes: Sequence[str] = (),
    location_ids: Sequence[int] | None = None,
    full_name: str = "",
) -> int:
    """A new user; store staff need a location, by ERP code (CLI) or by id (admin page)."""
    username = _username(username)
    full_name = _text("full_name", full_name, max_length=FULL_NAME_MAX_LENGTH, blank=True)
    role = _role(role)
    if role == Role.STORE_STAFF and not (location_codes or location_ids):
        if location_ids is None:  # the CLI
            raise AppError.field("location", f"{STAFF_NEED_LOCATIONS}: give --location.")
        raise AppError.field("locations", _staff_need_locations())
    _check_password_length(password)

    def work() -> int:
        if db.session.scalars(select(User.id).where(User.username == username)).first() is not None:
            raise AppError.field("username", gettext("A user named %(username)s already exists.", username=username))
        locations = _locations_by_id(location_ids) if location_ids is not None else _locations(location_codes)
        user = User(username=username, role=role.value, full_name=full_name, locations=locations)
        user.set_password(password)
        db.session.add(user)
        with racing_inserts():  # the same name added at the same moment: run again, and refuse it
            db.session.flush()
        return user.id

    return run_in_transaction(work)


def _staff_need_locations() -> str:
    return gettext(STAFF_NEED_LOCATIONS_MESSAGE)


def _refuse_self_lockout(*, user_id: int, by_user_id: int | None, role: Role, is_active: bool) -> None:
    """An admin keeps their own access: someone who can manage users always remains."""
    if by_user_id is None or by_user_id != user_id:
        return
    refused: dict[str, list[str] | str] = {}
    if role != Role.ADMIN:
        refused["role"] = [gettext("You cannot remove your own admin role: another admin can.")]
    if not is_active:
        refused["is_active"] = [gettext("You cannot deactivate your own account: another admin can.")]
    if refused:
        raise AppError.validation(refused)


def _user_for_update(user_id: int) -> User:
    user = db.session.get(User, user_id, with_for_update={"key_share": True})
    if user is None:
        raise AppError.not_found()
    return user


def _set_active(user: User, is_active: bool) -> bool:
    """Whether it changed; deactivating ends every session of the user at once."""
    if user.is_active == is_active:
        return False
    user.is_active = is_active
    if not is_active:
        user.end_sessions()
    return True


def update_user(
    *,
    user_id: int,
    full_name: str,
    role: str,
    location_ids: Sequence[int],
    is_active: bool,
    by_user_id: int | None = None,
) -> list[str]:
    """Change a user's full name, role, locations and whether they may sign in; the fields that changed.

    A new role or new locations apply from the user's next request (each request reads them afresh);
    deactivating ends every session at once. `by_user_id` (the admin doing it) may not lock themself out.
    """
    full_name = _text("full_name", full_name, max_length=FULL_NAME_MAX_LENGTH, blank=True)
    new_role = _role(role)
    _refuse_self_lockout(user_id=user_id, by_user_id=by_user_id, role=new_role, is_active=is_active)

    def work() -> list[str]:
        user = _user_for_update(user_id)
        locations = _locations_by_id(location_ids)
        if new_role == Role.STORE_STAFF and not locations:
            raise AppError.field("locations", _staff_need_locations())
        # What changed, in words a page shows (translated there: they are marked for the catalogue).
        changed = []
        if user.full_name != full_name:
            user.full_name = full_name
            changed.append(N_("full name"))
        if user.role != new_role.value:
            user.role = new_role.value
            changed.append(N_("role"))
        if [location.id for location in user.locations] != [location.id for location in locations]:
            user.locations = locations
            changed.append(N_("locations"))
        if _set_active(user, is_active):
            changed.append(N_("active") if is_active else N_("deactivated"))
        return changed

    return run_in_transaction(work)


def set_user_active(*, user_id: int, is_active: bool, by_user_id: int | None = None) -> bool:
    """Deactivate (every session ends at once) or reactivate a user; whether anything changed."""

    def work() -> bool:
        user = _user_for_update(user_id)
        _refuse_self_lockout(user_id=user_id, by_user_id=by_user_id, role=Role(user.role), is_active=is_active)
        return _set_active(user, is_active)

    return run_in_transaction(work)


def reset_password(*, user_id: int, password: str) -> None:
    """An admin gives the user a new password; every session of the user ends."""
    _check_password_length(password)

    def work() -> None:
        _user_for_update(user_id).set_password(password)

    run_in_transaction(work)


def list_users() -> list[User]:
    """Every user with their locations, by username."""
    return list(db.session.scalars(select(User).options(selectinload(User.locations)).order_by(User.username)))


def get_user(*, user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        raise AppError.not_found()
    return user


def assignable_locations() -> list[StockLocation]:
    """The stock locations a user or a token can be bound to: every one, by name."""
    return list(db.session.scalars(select(StockLocation).order_by(StockLocation.name, StockLocation.id)))


def _user_named(username: str) -> User:
    user = db.session.scalars(select(User).where(User.username == username)).first()
    if user is None:
        raise AppError.field("username", f"No user named {username}.")
    return user


def set_password(*, username: str, password: str) -> None:
    """A new password; every session of the user ends (they sign in again with it)."""
    _check_password_length(password)

    def work() -> None:
        _user_named(username).set_password(password)

    run_in_transaction(work)


def deactivate_user(*, username: str) -> None:
    """The user can no longer sign in, and every session they have ends at once."""

    def work() -> None:
        user = _user_named(username)
        user.is_active = False
        user.end_sessions()

    run_in_transaction(work)


def end_sessions(*, user_id: int) -> None:
    """Sign the user out everywhere: every session and remember cookie issued so far stops working."""

    def work() -> None:
        user = db.session.get(User, user_id)
        if user is not None:
            user.end_sessions()

    run_in_transaction(work)


def create_token(*, name: str, location_codes: Sequence[str] = (), location_ids: Sequence[int] = ()) -> str:
    """Store a new token and return its key; only its hash is kept, so the key is shown once.

    Locations by ERP code (CLI) or by id (admin page); none: the token may act on every location.
    """
    name = _text("name", name, max_length=TOKEN_NAME_MAX_LENGTH)
    key = secrets.token_hex(20)

    def work() -> None:
        locations = _locations(location_codes) if location_codes else _locations_by_id(location_ids)
        token = ApiToken(name=name, key_hash=hash_key(key), key_prefix=key[:8], locations=locations)
        db.session.add(token)

    run_in_transaction(work)
    return key


def find_token(key: str) -> ApiToken | None:
    """The live token with this key, if any (a revoked one is refused from the moment it is revoked)."""
    token = db.session.scalars(select(ApiToken).where(ApiToken.key_hash == hash_key(key))).first()
    return token if token is not None and token.revoked_date is None else None


@dataclass(frozen=True)
class TokenValues:
    """A live token as the API's per-process cache keeps it (`cache.py`): plain values, no ORM instance."""

    id: int
    name: str
    key_prefix: str
    location_ids: frozenset[int]
    last_used_date: datetime | None


def find_token_values(key_hash: str) -> TokenValues | None:
    """The live token with this key hash and its locations, in one statement; None when none is live."""
    table, links = ApiToken.__table__, api_token_locations
    rows = db.session.execute(
        select(table.c.id, table.c.name, table.c.key_prefix, table.c.last_used_date, links.c.stock_location_id)
        .outerjoin(links, links.c.api_token_id == table.c.id)
        .where(table.c.key_hash == key_hash, table.c.revoked_date.is_(None))
    ).all()
    if not rows:
        return None
    first = rows[0]
    locations = frozenset(row.stock_location_id for row in rows if row.stock_location_id is not None)
    return TokenValues(first.id, first.name, first.key_prefix, locations, first.last_used_date)


def note_token_use(token: ApiToken | TokenValues) -> None:
    """Record that the token was used now, at most once a minute (a busy ERP costs no write per call).

    A conditional UPDATE in its own short transaction: concurrent calls write it once at most.
    """
    now = utcnow()
    if token.last_used_date is not None and now - aware(token.last_used_date) < LAST_USED_RESOLUTION:
        return
    table = ApiToken.__table__
    threshold = now - LAST_USED_RESOLUTION

    def work() -> None:
        db.session.execute(
            update(table)
            .where(table.c.id == token.id)
            .where(or_(table.c.last_used_date.is_(None), table.c.last_used_date < threshold))
            .values(last_used_date=now)
        )

    run_in_transaction(work)


def aware(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes for values stored in UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=timezone.utc)


def revoke_tokens(*, name: str | None = None, token_id: int | None = None) -> int:
    """Revoke the live tokens with this name (or this id); how many were revoked. 401 from then on."""
    if (name is None) == (token_id is None):
        raise ValueError("give a name or a token id")

    def work() -> int:
        table = ApiToken.__table__
        match = table.c.name == name if name is not None else table.c.id == token_id
        return db.session.execute(
            update(table).where(match, table.c.revoked_date.is_(None)).values(revoked_date=utcnow())
        ).rowcount

    revoked = run_in_transaction(work)
    if not revoked:
        if name is not None:
            raise AppError.field("name", gettext("No live token named %(name)s.", name=name))
        raise AppError.field("token", gettext("No live token with id %(id)s.", id=token_id))
    return revoked


def get_token(*, token_id: int) -> ApiToken:
    token = db.session.scalars(
        select(ApiToken).options(selectinload(ApiToken.locations)).where(ApiToken.id == token_id)
    ).first()
    if token is None:
        raise AppError.not_found()
    return token


def list_tokens() -> list[ApiToken]:
    """Every token, newest first, with its locations (revoked ones too: when and by what they were used)."""
    return list(
        db.session.scalars(select(ApiToken).options(selectinload(ApiToken.locations)).order_by(ApiToken.id.desc()))
    )


def set_language(*, user_id: int, locale: str | None) -> None:
    """The language of a user's pages from now on ("en", "tr"; None follows the browser)."""
    from ..i18n import LANGUAGES

    if locale is not None and locale not in LANGUAGES:
        raise AppError.field("locale", gettext("Choose one of %(languages)s.", languages=", ".join(LANGUAGES)))

    def work() -> None:
        db.session.execute(update(User).where(User.id == user_id).values(locale=locale))

    run_in_transaction(work)
