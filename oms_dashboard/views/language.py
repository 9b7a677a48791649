"""The header's language switch: remembered for the signed-in user, and in the session before signing in."""

from __future__ import annotations

from flask import Blueprint, redirect, request, session, url_for
from flask_babel import gettext
from flask_login import current_user

from ..errors import AppError
from ..i18n import LANGUAGES, SESSION_KEY
from ..services.accounts import set_language
from .auth import _safe_next

language_blueprint = Blueprint("language", __name__)


@language_blueprint.route("/language", methods=["POST"])
def choose_language():
    """POST locale=tr (a button of the header's switch; CSRF-checked like every form): the pages speak it
    from the next one on, and the browser goes back to the page it was on."""
    locale = request.form.get("locale", "")
    if locale not in LANGUAGES:
        raise AppError.field("locale", gettext("Choose one of: %(languages)s.", languages=", ".join(LANGUAGES)))
    session[SESSION_KEY] = locale
    if current_user.is_authenticated:
        set_language(user_id=current_user.id, locale=locale)
    return redirect(_safe_next(request.form.get("next")) or url_for("locations.movements"), 303)
