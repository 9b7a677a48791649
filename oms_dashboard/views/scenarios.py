"""The distribution scenarios, read-only, for admins (they are loaded with `flask oms load-scenario`)."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user

from ..errors import AppError
from ..models import Role
from ..scenarios import ScenarioDefinition
from ..services.scenarios import scenarios
from .auth import require_login

scenarios_blueprint = Blueprint("scenarios", __name__, url_prefix="/scenarios")
scenarios_blueprint.before_request(require_login)


@scenarios_blueprint.before_request
def admins_only():
    if current_user.is_authenticated and current_user.role != Role.ADMIN:
        raise AppError.not_found()


@scenarios_blueprint.get("/")
def scenario_list():
    rows = [(row, ScenarioDefinition.model_validate(row.definition)) for row in scenarios()]
    return render_template("scenarios/list.html", rows=rows)
