"""Finds English on a page that should be all Turkish.

The English vocabulary is every word of the catalogue's msgids that no Turkish msgstr also uses
("Transfer", "SKU" and "Kargo" are Turkish too). A page's visible text and its read-aloud attributes
(title, placeholder, aria-label, alt, shown button values) are split into words; any word of that
vocabulary is English that reached a Turkish page: a string someone forgot to wrap, or wrapped but
never translated. Text under `translate="no"` or in `<code>` (command codes, numbers) is data, not
language, and is skipped, as are scripts and styles.
"""

from __future__ import annotations

import re
from functools import lru_cache
from html.parser import HTMLParser

from babel.messages.pofile import read_po

from oms_dashboard.i18n import TRANSLATIONS_DIRECTORY

PLACEHOLDER = re.compile(r"%\(\w+\)[sdif]|%[sdif]|\{\w*\}")
WORD = re.compile(r"[^\W\d_]+")
READ_ALOUD = ("title", "placeholder", "aria-label", "alt")
# Words no Turkish text has, whether or not a message of the catalogue uses them.
FUNCTION_WORDS = frozenset(
    "the and for with this that not are was has have will you your from into been there which any all"
    " one more only when then than its our their these those".split()
)
SKIPPED = {"script", "style", "code", "template"}
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


def _words(text: str) -> set[str]:
    return {word.lower() for word in WORD.findall(PLACEHOLDER.sub(" ", text)) if len(word) >= 3}


@lru_cache(maxsize=1)
def english_vocabulary() -> frozenset[str]:
    with open(TRANSLATIONS_DIRECTORY / "tr" / "LC_MESSAGES" / "messages.po", "rb") as file:
        catalogue = read_po(file)
    english: set[str] = set()
    turkish: set[str] = set()
    for message in catalogue:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        for text in ids:
            english |= _words(text)
        for text in strings:
            turkish |= _words(text or "")
    return frozenset((english | FUNCTION_WORDS) - turkish)


class _VisibleText(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, bool]] = []  # (tag, skipped)
        self.texts: list[str] = []

    def _skipping(self) -> bool:
        return any(skipped for _, skipped in self.stack)

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        skipped = tag in SKIPPED or values.get("translate") == "no"
        if not (self._skipping() or skipped):
            for name in READ_ALOUD:
                if values.get(name):
                    self.texts.append(values[name])
            if tag == "input" and values.get("type") in {"submit", "button"} and values.get("value"):
                self.texts.append(values["value"])
        if tag not in VOID:
            self.stack.append((tag, skipped))

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in VOID:
            self.stack.pop()

    def handle_endtag(self, tag):
        for index in range(len(self.stack) - 1, -1, -1):
            if self.stack[index][0] == tag:
                del self.stack[index:]
                break

    def handle_data(self, data):
        if data.strip() and not self._skipping():
            self.texts.append(data.strip())


def english_on(html: str) -> list[str]:
    """The texts of a page that hold English words, each with the words: empty when it is all Turkish."""
    parser = _VisibleText()
    parser.feed(html)
    vocabulary = english_vocabulary()
    found = []
    for text in parser.texts:
        if words := sorted(word for word in _words(text) if word in vocabulary):
            found.append(f"{text!r} ({', '.join(words)})")
    return found
