"""Running a command (DESIGN §5.3) on a package or a transfer: the body, the header, the 200 bodies."""

from __future__ import annotations

from typing import Annotated, Any, Union

from pydantic import BaseModel, ConfigDict, Field, PlainValidator, RootModel

from ...services.commands.inputs import INPUT_MODELS
from ...validation import Id, text
from .common import IdOut, Output, RequestParameters


def _object(value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ValueError("Expected a JSON object.")
    return value


# Validated by the command's own model once the transition is known; documented as any of them.
InputParameters = Annotated[
    dict[str, Any], PlainValidator(_object, json_schema_input_type=Union[tuple(INPUT_MODELS)])  # noqa: UP007
]


class CommandBody(BaseModel):
    """`transition` or `slug` (or both, naming the same transition) and the command's `input_parameters`.

    For compatibility with seed 000, other top-level keys are read as input parameters
    (`input_parameters` wins on a clash).
    """

    model_config = ConfigDict(extra="allow")

    transition: Id | None = Field(default=None, description="The transition's id.")
    slug: text(255, blank=True) | None = Field(default=None, description="The transition's slug (blank: none).")
    input_parameters: InputParameters | None = None

    def arguments(self) -> tuple[int | None, str | None, dict[str, Any]]:
        """(transition id, slug, input parameters) as the command service takes them."""
        return self.transition, self.slug or None, (self.model_extra or {}) | (self.input_parameters or {})


class IdempotencyHeader(RequestParameters):
    idempotency_key: text(255) | None = Field(
        default=None,
        alias="Idempotency-Key",
        description="Makes a retry safe: the same key with the same body returns the first response and runs "
        "nothing again; with another body it is a 400.",
    )


class OutOfStockResult(Output):
    """Where the remaining items of an out-of-stock command went (seed 000's three bodies)."""

    package__id: IdOut | None
    package__number: str
    package__stock_location__id: IdOut | None
    package__stock_location__name: str
    is_same_location: bool | None = None


class ManualPlanningResult(Output):
    packages: list[IdOut] = Field(description="The packages the items were planned into.")


class CommandOutcome(RootModel[OutOfStockResult | ManualPlanningResult]):
    """200 of a command that answers with a body (the others answer 204 with none)."""
