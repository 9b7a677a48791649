"""What the package list's bulk toolbar and the pick list read from a request, typed: bad input is a 400 naming
the field. The commands a person may pick are those that need no input (the package page's forms are the rest)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Annotated, Literal

from flask import request
from flask_babel import gettext
from pydantic import ConfigDict, Field, StringConstraints

from ..errors import AppError
from ..selectors.transitions import commands_by_state
from ..states import PackageStatus, Visibility
from ..validation import QueryId, parse
from .package_forms import needs_form
from .params import PackageListQuery

# One run acts on at most this many packages: a page of the list, with room for a larger page size.
BULK_MAX_PACKAGES = 100
PICK_LIST_MAX_IDS = 500


class BulkForm(PackageListQuery):
    """The toolbar's choice, with the list around it (its filters and page) to show it again after the action."""

    ids: list[QueryId] = Field(default_factory=list, max_length=BULK_MAX_PACKAGES)
    action: Literal["run", "select_all", "labels", "documents", "picklist"] = "run"
    # "COMMAND" or "COMMAND:destination" (a command with one transition per outcome): a `BulkChoice.key`.
    command: Annotated[str, StringConstraints(pattern=r"^[A-Z_]{1,64}(:[0-9]{1,5})?$")] | None = None
    confirm: Literal["1"] | None = None

    def unique_ids(self) -> list[int]:
        return list(dict.fromkeys(self.ids))


class PickListQuery(PackageListQuery):
    model_config = ConfigDict(extra="ignore")
    ids: list[QueryId] = Field(default_factory=list, max_length=PICK_LIST_MAX_IDS)


def _fields(source, lists: tuple[str, ...]) -> dict[str, object]:
    """A form or query string as a dict: the repeated fields as lists, blank values left out."""
    data: dict[str, object] = {name: value for name, value in source.items() if value.strip() and name not in lists}
    for name in lists:
        data[name] = [value for value in source.getlist(name) if value.strip()]
    return data


def bulk_form() -> BulkForm:
    return parse(BulkForm, _fields(request.form, ("ids",)))


def pick_list_query() -> PickListQuery:
    return parse(PickListQuery, _fields(request.args, ("ids",)))


@dataclass(frozen=True)
class BulkChoice:
    """A command of the toolbar: one command (and where it leads, when it has one transition per outcome)."""

    command: str
    destination: int | None
    label: str

    @property
    def key(self) -> str:
        return self.command if self.destination is None else f"{self.command}:{self.destination}"


def bulk_choices(*, statuses: Iterable[int], visibility: Visibility | None) -> list[BulkChoice]:
    """The commands without input that `visibility` may run from any of `statuses`, in the transitions' order."""
    by_state = commands_by_state(statuses=statuses, visibility=visibility)
    rows = sorted((row for found in by_state.values() for row in found), key=lambda row: row.id)
    choices: dict[str, BulkChoice] = {}
    for row in rows:
        if needs_form(row.command):
            continue
        # The label in the page's language: the toolbar, the confirmation and the result show it.
        choice = BulkChoice(row.command, row.destination_state, gettext(row.label))
        choices.setdefault(choice.key, choice)
    return list(choices.values())


def chosen_command(key: str | None, visibility: Visibility | None) -> BulkChoice:
    """The toolbar's choice named by `key`, or a 400 naming `command`."""
    choices = {choice.key: choice for choice in bulk_choices(statuses=list(PackageStatus), visibility=visibility)}
    if not key:
        raise AppError.field("command", gettext("Choose an action."))
    if key not in choices:
        raise AppError.field("command", gettext("Not an action you can run on several packages."))
    return choices[key]
