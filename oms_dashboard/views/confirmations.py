"""The commands a page asks to confirm before running: the one list of irreversible actions.

A command here that takes no input opens a confirmation form (a question, a primary confirm button and
Cancel) instead of running at the first click; one that takes input already opens its form, which is its
confirmation. Only the staff pages ask: the JSON API runs a command when it is called.
"""

from __future__ import annotations

from dataclasses import dataclass

UNDONE = "This cannot be undone."


@dataclass(frozen=True)
class Confirmation:
    question: str  # "{subject}" becomes "package 1001P1" or "transfer 1001P1T1"
    consequence: str = UNDONE

    def ask(self, subject: str) -> str:
        return self.question.format(subject=subject)


# Package commands (services/install.py DEFAULT_TRANSITIONS) and transfer commands (DEFAULT_TRANSFER_TRANSITIONS);
# their names never overlap.
IRREVERSIBLE: dict[str, Confirmation] = {
    "COMPLETE_PACKAGING": Confirmation("Mark {subject} as packed?"),
    "COMPLETE_PACKAGING_WITHOUT_SHIPMENT": Confirmation("Mark {subject} as packed, without a shipment?"),
    "SHIP": Confirmation("Ship {subject}?"),
    "PACKED_FOR_REFUND": Confirmation("Mark {subject} as packed for refund?"),
    "BLOCK": Confirmation("Block {subject}?", "All work on it stops until someone unblocks it."),
    "REQUEST_CANCELLATION": Confirmation("Ask the store to cancel {subject}?"),
    "CONFIRM_CANCELLATION": Confirmation("Cancel {subject}?"),
    "REJECT_CANCELLATION": Confirmation("Reject the cancellation of {subject}?", "The package goes on as before."),
    "CANCEL_PACKAGE": Confirmation("Cancel {subject}?"),
    "TRANSFER_OUT_OF_STOCK": Confirmation("Report every item of {subject} as not found?"),
    "TRANSFER_CANCEL": Confirmation("Cancel {subject}?"),
}


def confirmation(command: str) -> Confirmation | None:
    return IRREVERSIBLE.get(command)


def needs_confirmation(command: str) -> bool:
    return command in IRREVERSIBLE
