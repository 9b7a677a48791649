"""Loading distribution scenarios from files, and choosing the active one."""

from __future__ import annotations

import json

import yaml
from sqlalchemy import select, update

from ..database import run_in_transaction
from ..errors import AppError
from ..extensions import db
from ..models import DistributionScenario
from ..scenarios import ScenarioDefinition
from ..validation import parse


def read_scenario_file(*, text: str, filename: str) -> ScenarioDefinition:
    """A scenario from JSON or YAML text (YAML when the name ends in .yaml or .yml)."""
    try:
        data = yaml.safe_load(text) if filename.endswith((".yaml", ".yml")) else json.loads(text)
    except (ValueError, yaml.YAMLError) as error:
        raise AppError.non_field(
            f"{filename} is not valid {'YAML' if filename.endswith(('.yaml', '.yml')) else 'JSON'}: {error}"
        ) from None
    return parse(ScenarioDefinition, data)


def save_scenario(*, definition: ScenarioDefinition, activate: bool = True) -> int:
    """Add or replace the scenario of that name; with `activate`, it plans every order from now on."""

    def work() -> int:
        row = db.session.scalars(
            select(DistributionScenario).where(DistributionScenario.name == definition.name)
        ).first()
        if row is None:
            row = DistributionScenario(name=definition.name)
            db.session.add(row)
        row.description = definition.description
        row.definition = definition.model_dump(mode="json")
        if activate:
            db.session.execute(
                update(DistributionScenario).where(DistributionScenario.name != definition.name).values(is_active=False)
            )
            row.is_active = True
        db.session.flush()
        return row.id

    return run_in_transaction(work)


def scenarios() -> list[DistributionScenario]:
    return list(
        db.session.scalars(
            select(DistributionScenario).order_by(DistributionScenario.is_active.desc(), DistributionScenario.name)
        )
    )
