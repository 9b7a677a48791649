"""Admin pages (role `admin`): users, API tokens, stock locations, carriers, denial reasons, sales channels,
webhook subscriptions.

One module per section, its WTForms forms beside its routes; every write calls a service (which
writes events and keeps the invariants), so a page never changes a row itself. Other roles get a
404: the pages do not exist for them.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from ...errors import AppError
from ...models import Role
from ..auth import require_login

admin_blueprint = Blueprint("admin", __name__, url_prefix="/admin")
admin_blueprint.before_request(require_login)

# (endpoint, label) of each section, in the order of the admin navigation. A section's endpoints are
# named `<section>` (its list) and `<section>_<action>`, so the navigation marks the section of any
# of its pages as current. The labels are lazy: each page shows them in its language.
SECTIONS: list[tuple[str, Any]] = [
    ("admin.users", _l("Users")),
    ("admin.tokens", _l("API tokens")),
    ("admin.locations", _l("Stock locations")),
    ("admin.carriers", _l("Carriers")),
    ("admin.denial_reasons", _l("Denial reasons")),
    ("admin.channels", _l("Sales channels")),
    ("admin.webhooks", _l("Webhooks")),
]


@admin_blueprint.before_request
def admins_only():
    if current_user.is_authenticated and current_user.role != Role.ADMIN:
        raise AppError.not_found()


@admin_blueprint.app_context_processor  # the scenarios page shows the admin navigation too
def admin_sections():
    return {"admin_sections": SECTIONS}


@admin_blueprint.get("/")
def index():
    return render_template("admin/index.html")


from . import channels, locations, reference, tokens, users, webhooks  # noqa: E402,F401  (routes)
