"""Languages and time zones: every string through gettext, dates in the tenant's zone."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from babel import Locale, dates, numbers
from flask import Flask, g, has_request_context, request, session
from flask_babel import format_date, format_datetime, get_locale, get_timezone, gettext, ngettext
from flask_login import current_user

from odr.platform.extensions import babel

LANGUAGES = {"en": "English", "de": "Deutsch"}
TRANSLATIONS = Path(__file__).resolve().parent.parent / "translations"


def select_locale() -> str:
    """The person's chosen language, else their browser's, else the tenant's default."""
    if not has_request_context():
        tenant = g.get("tenant")
        return getattr(tenant, "default_locale", None) or "en"
    chosen = session.get("locale")
    if chosen in LANGUAGES:
        return chosen
    preferred = getattr(current_user, "locale", None)
    if preferred in LANGUAGES:
        return preferred
    best = request.accept_languages.best_match(list(LANGUAGES))
    if best:
        return best
    tenant = g.get("tenant")
    return getattr(tenant, "default_locale", None) or "en"


def select_timezone() -> str:
    """Times are shown in the tenant's time zone."""
    tenant = g.get("tenant")
    return getattr(tenant, "time_zone", None) or "UTC"


def _reader_locale() -> Locale:
    """The locale to format in: the reader's, or English outside a request (a job, a script)."""
    return get_locale() or Locale.parse("en")


# English is written the British way (7 Dec 2026, 14:30): the service is a UK and European one, and
# Babel's "en" is American (Dec 7, 2026, 2:30 PM), which reads 12/7 as the 7th of December.
_FORMAT_LOCALES = {"en": "en_GB"}


def format_locale() -> Locale:
    """The locale dates are written in: the reader's, English as in Britain."""
    locale = _reader_locale()
    return Locale.parse(_FORMAT_LOCALES.get(str(locale), str(locale)))


def date_locale() -> str:
    """The locale a page's script formats dates in, as a BCP 47 tag ("en-GB", "de")."""
    return str(format_locale()).replace("_", "-")


def when(moment: datetime | None) -> str:
    """A moment as every page writes it: the medium date and the short time, in the tenant's zone
    ("7 Dec 2026, 14:30"; "07.12.2026, 14:30")."""
    if moment is None:
        return ""
    zone = get_timezone() if has_request_context() or g.get("tenant") else None
    locale = format_locale()
    local = dates.format_date(moment.astimezone(zone) if zone else moment, "medium", locale=locale)
    return f"{local}, {dates.format_time(moment, 'short', tzinfo=zone, locale=locale)}"


def day(value: date | datetime | None) -> str:
    """A date as every page writes it: the medium date (a moment's date in the tenant's zone)."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        zone = get_timezone() if has_request_context() or g.get("tenant") else None
        value = value.astimezone(zone) if zone else value
    return dates.format_date(value, "medium", locale=format_locale())


def money(minor_units: int, currency: str) -> str:
    """An amount in minor units of ``currency``, formatted for the reader's locale."""
    amount = minor_units / 10 ** numbers.get_currency_precision(currency)
    return numbers.format_currency(amount, currency, locale=_reader_locale())


def number(value: int | float) -> str:
    """A number with the reader's grouping and decimal signs ("10,000", "10.000")."""
    return numbers.format_decimal(value, locale=_reader_locale())


def language_name(code: str) -> str:
    """The language ``code`` named in the reader's language ("Englisch" on a German page)."""
    try:
        name = Locale.parse(code).get_display_name(_reader_locale())
    except (ValueError, TypeError):
        name = None
    return name or LANGUAGES.get(code, code)


@dataclass(frozen=True)
class Message:
    """A sentence kept as its catalogue id and parameters, put into words when it is read.

    Whatever is stored for someone else to read later (a notification, what a deadline expects)
    is stored as a Message, so each reader gets it in their own language, not the writer's.
    Parameters may be Messages themselves. ``plural`` and ``num`` make it an ngettext.
    """

    id: str
    params: dict[str, Any] = field(default_factory=dict)
    plural: str | None = None
    num: int | None = None

    def __str__(self) -> str:
        values = {k: rendered(v) if isinstance(v, Message | date) else v for k, v in self.params.items()}
        if self.plural is not None:
            values.pop("num", None)  # ngettext passes the count as num itself
            return ngettext(self.id, self.plural, self.num or 0, **values)
        return gettext(self.id, **values)

    def to_json(self) -> dict[str, Any]:
        """The message as JSON: its id, parameters (nested messages as objects), plural form."""
        data: dict[str, Any] = {"id": self.id, "params": {k: _param_json(v) for k, v in self.params.items()}}
        if self.plural is not None:
            data.update(plural=self.plural, num=self.num)
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Message:
        """The message stored by ``to_json``."""
        params = {k: _param(v) for k, v in (data.get("params") or {}).items()}
        return cls(data["id"], params, data.get("plural"), data.get("num"))


def _param_json(value: Any) -> Any:
    """A message's parameter as JSON: a message as an object, a date as ``{"date": ISO}``."""
    if isinstance(value, Message):
        return value.to_json()
    if isinstance(value, datetime):
        return {"moment": value.isoformat()}
    if isinstance(value, date):
        return {"date": value.isoformat()}
    return value


def _param(value: Any) -> Any:
    """A parameter stored by ``_param_json``."""
    if isinstance(value, dict) and "id" in value:
        return Message.from_json(value)
    if isinstance(value, dict) and set(value) == {"date"}:
        return date.fromisoformat(value["date"])
    if isinstance(value, dict) and set(value) == {"moment"}:
        return datetime.fromisoformat(value["moment"])
    return value


def _m(msgid: str, **params: Any) -> Message:
    """A message to store and translate when read (extracted like ``_l``)."""
    return Message(msgid, params)


def _mn(singular: str, plural: str, num: int, **params: Any) -> Message:
    """A plural message to store and translate when read (extracted like ``ngettext``)."""
    return Message(singular, {"num": num, **params}, plural, num)


def rendered(value: Any) -> str:
    """A stored value as text for the reader: a message (or its JSON) in their language, a date or a
    moment as every page writes it, else as is."""
    value = _param(value)
    if isinstance(value, datetime):
        return when(value)
    if isinstance(value, date):
        return day(value)
    return "" if value is None else str(value)


def init_i18n(app: Flask, default_locale: str) -> None:
    """Bind Flask-Babel and make the formatters available to templates."""
    app.config["BABEL_DEFAULT_LOCALE"] = default_locale
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(TRANSLATIONS)
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)
    app.jinja_env.globals.update(
        format_datetime=format_datetime, format_date=format_date, money=money, get_locale=get_locale,
        LANGUAGES=LANGUAGES, language_name=language_name, number=number, when=when, day=day,
        date_locale=date_locale,
    )
