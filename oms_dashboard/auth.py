"""Flask-Login wiring: who the session's user is."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from .database import MAX_ID
from .extensions import db, login_manager
from .models import User


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    if not user_id.isdigit() or int(user_id) > MAX_ID:
        return None
    # One query: the header and every location check read the user's locations.
    user = db.session.scalars(select(User).options(joinedload(User.locations)).where(User.id == int(user_id))).first()
    return user if user is not None and user.is_active else None
