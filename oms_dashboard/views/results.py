"""A command's result message for the pages, with the packages it made as links.

The message is plain text from the command service; `CommandResult.created` names the packages it made
(id, number, location). Each number the message names becomes a link to its package when this user may
open it, and stays text otherwise. The result is Markup built from escaped pieces, so it can be shown
in the page's notice or flashed across a redirect (Flask keeps Markup as Markup in the session).
"""

from __future__ import annotations

import re

from flask import url_for
from markupsafe import Markup, escape

from ..actors import Actor
from ..services.commands.core import CommandResult


def result_message(result: CommandResult, actor: Actor) -> Markup:
    links = {
        created.number: url_for("packages.detail", package_id=created.id)
        for created in result.created
        if actor.may_access(created.stock_location_id)
    }
    if not links:
        return escape(result.message)
    # Longest first, so "1001P12" is never read as "1001P1" followed by "2".
    numbers = sorted(links, key=len, reverse=True)
    pattern = re.compile(r"(?<![\w-])(" + "|".join(re.escape(number) for number in numbers) + r")(?![\w-])")
    pieces: list[Markup] = []
    position = 0
    for match in pattern.finditer(result.message):
        pieces.append(escape(result.message[position : match.start()]))
        pieces.append(Markup('<a href="{}">{}</a>').format(links[match.group(1)], match.group(1)))
        position = match.end()
    pieces.append(escape(result.message[position:]))
    return Markup("").join(pieces)
