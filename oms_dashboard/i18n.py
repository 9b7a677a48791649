"""Languages and time zones of the pages: English and Turkish (Flask-Babel), times in the location's zone.

The language of a page is the signed-in user's choice (`users.locale`, set with the header's switch),
else the choice made before signing in (kept in the session), else the browser's `Accept-Language`,
else English. The integrator API always answers in English: its messages are a contract.

Times are stored in UTC. A page shows them in the time zone of the location it is about
(`stock_locations.timezone`), else in the zone of the user's own location, else `OMS_TIMEZONE`
(default Europe/Istanbul), always with the zone named. The API keeps ISO 8601 UTC.
"""

from __future__ import annotations

from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from babel import Locale
from babel.dates import format_datetime, get_timezone_location
from babel.numbers import format_decimal
from flask import current_app, g, has_request_context, request, session
from flask_babel import get_locale, get_translations
from flask_login import current_user

LANGUAGES = {"en": "English", "tr": "Türkçe"}
DEFAULT_LANGUAGE = "en"
TRANSLATIONS_DIRECTORY = Path(__file__).resolve().parent / "translations"
SESSION_KEY = "locale"


def N_(message: str) -> str:  # noqa: N802  (the name pybabel looks for)
    """Marks a message for the catalogue where it is defined; it is translated where it is shown."""
    return message


def select_locale() -> str:
    if not has_request_context():  # the CLI and the worker: messages stay English, like the API's
        return DEFAULT_LANGUAGE
    if request.blueprint and request.blueprint.startswith("api"):
        return DEFAULT_LANGUAGE
    chosen = getattr(current_user, "locale", None) if current_user.is_authenticated else None
    return chosen if chosen in LANGUAGES else language_without_user()


def language_without_user() -> str:
    """The language picked before signing in (the session), else the browser's: what a page can know
    without reading the user from the database (an error page when the database is what failed)."""
    chosen = session.get(SESSION_KEY)
    if chosen in LANGUAGES:
        return chosen
    return request.accept_languages.best_match(LANGUAGES) or DEFAULT_LANGUAGE


def language_chosen_so_far() -> str | None:
    """The language this request has already chosen (Flask-Babel keeps get_locale()'s answer), without
    choosing it now: choosing reads the signed-in user, and so the database."""
    chosen = getattr(g.get("_flask_babel"), "babel_locale", None) if has_request_context() else None
    return chosen.language if chosen is not None and chosen.language in LANGUAGES else None


def current_language() -> str:
    """The language of this request's page ("en" outside a request)."""
    locale = get_locale() if has_request_context() else None
    return locale.language if locale else DEFAULT_LANGUAGE


@lru_cache(maxsize=1)
def known_time_zones() -> frozenset[str]:
    return frozenset(available_timezones())


def is_time_zone(name: str) -> bool:
    return name in known_time_zones()


@lru_cache(maxsize=64)
def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def show_times_in(location) -> None:
    """The page being built is about `location` (a StockLocation or None): its times show in its zone."""
    g.display_zone = zone_name_of(location)


def zone_name_of(location) -> str:
    return (getattr(location, "timezone", None) or "") or current_app.config["TIMEZONE"]


def display_zone_name() -> str:
    """The zone of this page: the location it is about, else the user's own location, else OMS_TIMEZONE."""
    if not has_request_context():
        return current_app.config["TIMEZONE"]
    if zone := g.get("display_zone"):
        return zone
    if (zone := g.get("user_zone")) is None:  # once a request: a list asks for every row's time
        locations = getattr(current_user, "locations", None) if current_user.is_authenticated else None
        zone = g.user_zone = zone_name_of(locations[0]) if locations else current_app.config["TIMEZONE"]
    return zone


@lru_cache(maxsize=256)
def zone_label(name: str, language: str) -> str:
    """How a page names a zone: its city ("Istanbul", "İstanbul"), else the zone's own name."""
    if name == "UTC":
        return "UTC"
    try:
        return get_timezone_location(_zone(name), locale=language, return_city=True)
    except (LookupError, ValueError):
        return name


def local_time(value: datetime | None, zone: str | None = None, *, with_date: bool = True) -> str:
    """`07 Ara 2026, 22:11 İstanbul`: a stored UTC time in the page's zone and language, the zone named."""
    if value is None:
        return ""
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    name = zone or display_zone_name()
    language = current_language()
    pattern = "dd MMM y, HH:mm" if with_date else "HH:mm"
    return f"{format_datetime(value, pattern, tzinfo=_zone(name), locale=language)} {zone_label(name, language)}"


def number(value: int | float | None) -> str:
    """1.234 in Turkish, 1,234 in English."""
    if value is None:
        return ""
    return format_decimal(value, locale=current_language())


def install_template_gettext(app) -> None:
    """Flask-Babel's template `_`, `ngettext`, `pgettext`, except that the count of an `ngettext` message is
    written the page's way: "1.234 paket", "1,234 packages" (Jinja would print `%(num)d` as 1234)."""
    app.jinja_env.install_gettext_callables(
        gettext=lambda text: get_translations().ugettext(text),
        ngettext=_ngettext_counted,
        newstyle=True,
        pgettext=lambda context, text: get_translations().upgettext(context, text),
        npgettext=lambda context, singular, plural, n: get_translations().unpgettext(context, singular, plural, n),
    )


def _ngettext_counted(singular: str, plural: str, n: int) -> str:
    text = get_translations().ungettext(singular, plural, n)
    # Jinja then fills the other placeholders (and `num`, now gone from the text) with `text % values`.
    return text.replace("%(num)d", number(n).replace("%", "%%"))


def language_name(code: str) -> str:
    return LANGUAGES.get(code) or Locale.parse(code).get_display_name(code)


@lru_cache(maxsize=4)
def _catalogue(language: str):
    from babel.support import Translations

    return Translations.load(str(TRANSLATIONS_DIRECTORY), [language])


@lru_cache(maxsize=1024)
def _label_translations(label: str) -> tuple[tuple[str, str], ...]:
    pairs = []
    for language in LANGUAGES:
        if language != DEFAULT_LANGUAGE and (translated := _catalogue(language).gettext(label)) != label:
            pairs.append((language, translated))
    return tuple(pairs)


def label_translations(label: str) -> dict[str, dict[str, str]] | None:
    """A transition's `translations` in the API: `{"tr": {"label": "Paketleme Tamamlandı"}}` from the catalogue
    (None when no catalogue knows the label, as for a label an installation made up)."""
    return {language: {"label": text} for language, text in _label_translations(label)} or None
