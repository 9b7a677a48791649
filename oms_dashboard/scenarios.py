"""Distribution scenarios (DESIGN §6): an ordered list of rules, as data.

The same pydantic model validates a scenario file (JSON or YAML) and what is stored in the
database, so a stored scenario is always one the planner understands.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from .i18n import N_

Condition = Literal["SELECT_BY_QUOTA", "SAME_CITY"]
OrderKey = Literal["priority", "stock", "density"]
Name = Annotated[str, Field(min_length=1, max_length=128)]
ErpCode = Annotated[str, Field(min_length=1, max_length=64)]


class LocationSelection(BaseModel):
    """Which locations a rule may choose from; empty lists mean no restriction."""

    model_config = ConfigDict(extra="forbid")

    erp_codes: list[ErpCode] = []
    types: list[Literal["store", "warehouse"]] = []
    except_erp_codes: list[ErpCode] = []


class Rule(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Name
    locations: LocationSelection = LocationSelection()
    # SELECT_BY_QUOTA: skip locations whose available quota is 0. SAME_CITY: the delivery city.
    conditions: list[Condition] = []
    # priority: higher first; stock: more of the order's units first; density: fewer open packages first.
    order_by: Annotated[list[OrderKey], Field(min_length=1)] = ["priority"]
    allow_split: bool = False  # several packages from several locations
    transferable: bool = False  # one package; missing items come by transfer orders

    @model_validator(mode="after")
    def _split_or_transfer(self) -> Rule:
        if self.allow_split and self.transferable:
            raise ValueError("a rule either splits or transfers, not both: write two rules")
        return self


class ScenarioDefinition(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Name
    description: str = ""
    rules: Annotated[list[Rule], Field(min_length=1)]


DEFAULT_SCENARIO = ScenarioDefinition(
    # Its names are marked for the catalogue: the scenarios page shows them translated (a loaded one as written).
    name=N_("Default"),
    description=N_("One package from the best location when possible; else split; else transfer what is missing."),
    rules=[
        Rule(
            name=N_("Same-city store with quota, one package"),
            locations=LocationSelection(types=["store"]),
            conditions=["SELECT_BY_QUOTA", "SAME_CITY"],
            order_by=["priority", "stock"],
        ),
        Rule(
            name=N_("Any location with quota, one package"),
            conditions=["SELECT_BY_QUOTA"],
            order_by=["priority", "stock"],
        ),
        Rule(
            name=N_("Split across locations with quota"),
            conditions=["SELECT_BY_QUOTA"],
            order_by=["priority", "stock"],
            allow_split=True,
        ),
        Rule(
            name=N_("Transfer the missing items to the best location"),
            conditions=["SELECT_BY_QUOTA"],
            order_by=["stock", "priority"],
            transferable=True,
        ),
    ],
)
