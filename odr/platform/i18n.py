"""Languages and time zones: every string through gettext, dates in the tenant's zone."""

from __future__ import annotations

from pathlib import Path

from flask import Flask, g, has_request_context, request, session
from flask_babel import format_currency, format_date, format_datetime, get_locale
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


def money(minor_units: int, currency: str) -> str:
    """An amount in minor units of ``currency``, formatted for the reader's locale."""
    from babel.numbers import get_currency_precision

    return format_currency(minor_units / 10 ** get_currency_precision(currency), currency)


def init_i18n(app: Flask, default_locale: str) -> None:
    """Bind Flask-Babel and make the formatters available to templates."""
    app.config["BABEL_DEFAULT_LOCALE"] = default_locale
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(TRANSLATIONS)
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)
    app.jinja_env.globals.update(
        format_datetime=format_datetime, format_date=format_date, money=money, get_locale=get_locale,
        LANGUAGES=LANGUAGES,
    )
