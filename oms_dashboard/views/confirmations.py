"""The commands a page asks to confirm before running: the one list of irreversible actions.

A command here that takes no input opens a confirmation form (a question, a primary confirm button and
Cancel) instead of running at the first click; one that takes input already opens its form, which is its
confirmation. Only the staff pages ask: the JSON API runs a command when it is called.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext
from markupsafe import Markup, escape

from ..i18n import N_

UNDONE = N_("This cannot be undone.")


@dataclass(frozen=True)
class Confirmation:
    # Both in the page's language where shown. "%(subject)s" becomes "package 1001P1" or "transfer 1001P1T1",
    # as the template words it (translated there too).
    question: str
    consequence_text: str = UNDONE

    def ask(self, subject: str) -> Markup:
        """The question about `subject` (escaped unless it is Markup already, as a template's `_()` gives it)."""
        return Markup(escape(gettext(self.question))) % {"subject": subject}

    @property
    def consequence(self) -> str:
        return gettext(self.consequence_text)


# Package commands (services/install.py DEFAULT_TRANSITIONS) and transfer commands (DEFAULT_TRANSFER_TRANSITIONS);
# their names never overlap.
IRREVERSIBLE: dict[str, Confirmation] = {
    "COMPLETE_PACKAGING": Confirmation(N_("Mark %(subject)s as packed?")),
    "COMPLETE_PACKAGING_WITHOUT_SHIPMENT": Confirmation(N_("Mark %(subject)s as packed, without a shipment?")),
    "SHIP": Confirmation(N_("Ship %(subject)s?")),
    "PACKED_FOR_REFUND": Confirmation(N_("Mark %(subject)s as packed for refund?")),
    "BLOCK": Confirmation(N_("Block %(subject)s?"), N_("All work on it stops until someone unblocks it.")),
    "REQUEST_CANCELLATION": Confirmation(N_("Ask the store to cancel %(subject)s?")),
    "CONFIRM_CANCELLATION": Confirmation(N_("Cancel %(subject)s?")),
    "REJECT_CANCELLATION": Confirmation(
        N_("Reject the cancellation of %(subject)s?"), N_("The package goes on as before.")
    ),
    "CANCEL_PACKAGE": Confirmation(N_("Cancel %(subject)s?")),
    "TRANSFER_OUT_OF_STOCK": Confirmation(N_("Report every item of %(subject)s as not found?")),
    "TRANSFER_CANCEL": Confirmation(N_("Cancel %(subject)s?")),
}


def confirmation(command: str) -> Confirmation | None:
    return IRREVERSIBLE.get(command)


def needs_confirmation(command: str) -> bool:
    return command in IRREVERSIBLE
