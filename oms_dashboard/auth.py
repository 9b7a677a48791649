"""Flask-Login wiring: who the session's user is.

Sessions and remember cookies carry "<user id>:<session token>" (User.get_id), Flask-Login's
alternative-token pattern: a cookie counts only while its token is the user's current one, so
rotating the token (logout, password change, deactivation) ends every copy of it server-side.
"""

from __future__ import annotations

import hmac

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from .database import MAX_ID
from .extensions import db, login_manager
from .models import User


@login_manager.user_loader
def load_user(session_id: str) -> User | None:
    user_id, _, token = session_id.partition(":")
    if not (user_id.isascii() and user_id.isdigit()) or int(user_id) > MAX_ID or not token:
        return None
    # One query: the header and every location check read the user's locations.
    user = db.session.scalars(select(User).options(joinedload(User.locations)).where(User.id == int(user_id))).first()
    if user is None or not user.is_active:
        return None
    return user if hmac.compare_digest(user.session_token.encode(), token.encode()) else None
