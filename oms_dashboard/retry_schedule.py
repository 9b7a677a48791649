"""`retry_countdown_config`: how long a failed delivery waits before the next attempt, and how many."""

from __future__ import annotations

import random
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from .validation import WholeNumber

MAX_INTERVAL_SECONDS = 7 * 24 * 3600
MAX_RETRIES = 100


class RetryCountdownConfig(BaseModel):
    """`fixed`: `interval` every time; `linear`: `interval` × n; `exponential`: `interval` × 2^(n−1);
    `random`: a random wait between `interval` and `max_interval`. n counts the attempts made so far.
    After `max_retries` retries (attempts − 1) the delivery is failed."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"choice": "exponential", "interval": 30, "max_retries": 8}]},
    )

    choice: Literal["fixed", "linear", "exponential", "random"] = "exponential"
    interval: Annotated[WholeNumber, Field(ge=1, le=MAX_INTERVAL_SECONDS)] = Field(default=30, description="Seconds.")
    max_interval: Annotated[WholeNumber, Field(ge=1, le=MAX_INTERVAL_SECONDS)] | None = Field(
        default=None, description="Seconds: the longest wait (the upper bound of `random`); default 1 day."
    )
    max_retries: Annotated[WholeNumber, Field(ge=0, le=MAX_RETRIES)] = 8


DEFAULT_MAX_INTERVAL_SECONDS = 24 * 3600


def seconds_until_retry(config: RetryCountdownConfig, attempts: int) -> float | None:
    """How long to wait after the `attempts`-th failed attempt; None when no retry is left."""
    if attempts - 1 >= config.max_retries:
        return None
    ceiling = config.max_interval or DEFAULT_MAX_INTERVAL_SECONDS
    if config.choice == "fixed":
        wait = config.interval
    elif config.choice == "linear":
        wait = config.interval * attempts
    elif config.choice == "exponential":
        wait = config.interval * 2 ** min(attempts - 1, 30)
    else:
        wait = random.uniform(config.interval, max(config.interval, ceiling))
    return float(min(wait, ceiling))
