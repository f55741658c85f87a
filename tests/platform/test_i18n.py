"""Languages, time zones and money: a complete German catalogue kept in step with the sources."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import g
from flask_babel import format_datetime

from odr.platform.i18n import LANGUAGES, TRANSLATIONS, money
from odr.tenants.models import Role
from tests import factories
from tests.conftest import post_form, sign_in

ROOT = Path(__file__).resolve().parents[2]
POT = TRANSLATIONS / "messages.pot"
PLACEHOLDER = re.compile(r"%\((\w+)\)[sdifr]")
# 17:30 UTC: 12:30 in New York (EST), 18:30 in Berlin (CET).
WINTER_EVENING = datetime(2025, 1, 15, 17, 30, tzinfo=UTC)


def _po_path(language: str) -> Path:
    return TRANSLATIONS / language / "LC_MESSAGES" / "messages.po"


def _read(path: Path):
    with path.open("rb") as fh:
        return read_po(fh)


def _ids(catalog) -> set[str | tuple[str, ...]]:
    return {message.id for message in catalog if message.id}


@pytest.fixture(scope="session", autouse=True)
def compiled_catalogues() -> None:
    """Compile each .po whose .mo is missing or older (the build normally does this)."""
    for po in TRANSLATIONS.glob("*/LC_MESSAGES/messages.po"):
        mo = po.with_suffix(".mo")
        if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        catalog = _read(po)
        fd, tmp = tempfile.mkstemp(dir=mo.parent, suffix=".mo.tmp")
        with os.fdopen(fd, "wb") as fh:
            write_mo(fh, catalog)
        os.chmod(tmp, 0o644)
        os.replace(tmp, mo)  # atomic, so parallel workers never read half a file


# The catalogue ------------------------------------------------------------------------------


@pytest.mark.parametrize("language", [code for code in LANGUAGES if code != "en"])
def test_every_message_is_translated_with_its_placeholders(language):
    template = _read(POT)
    catalog = _read(_po_path(language))
    assert catalog.num_plurals >= 1
    problems = []
    for source in template:
        if not source.id:
            continue
        message = catalog.get(source.id)
        if message is None:
            problems.append(f"missing: {source.id!r}")
            continue
        if message.fuzzy:
            problems.append(f"fuzzy: {source.id!r}")
        if source.pluralizable:
            singular, plural = source.id
            forms = message.string if isinstance(message.string, tuple) else (message.string,)
            if len(forms) != catalog.num_plurals:
                problems.append(f"needs {catalog.num_plurals} plural forms: {source.id!r}")
            pairs = [(singular if i == 0 else plural, form) for i, form in enumerate(forms)]
        else:
            pairs = [(source.id, message.string)]
        for original, translated in pairs:
            if not translated or not translated.strip():
                problems.append(f"empty: {original!r}")
            elif set(PLACEHOLDER.findall(original)) != set(PLACEHOLDER.findall(translated)):
                problems.append(f"placeholders differ: {original!r} -> {translated!r}")
    problems += [f"{message.id!r}: {errors}" for message, errors in catalog.check()]
    assert not problems, "\n".join(problems)


def test_the_template_is_up_to_date_with_the_sources(tmp_path):
    pybabel = Path(sys.executable).parent / "pybabel"
    fresh = tmp_path / "messages.pot"
    subprocess.run(
        [str(pybabel), "-q", "extract", "-F", "babel.cfg", "-o", str(fresh), "."],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    extracted = _ids(_read(fresh))
    assert "Administrator" in extracted, "lazy_gettext (_l) strings were not extracted"
    assert ("user", "users") in extracted, "template ngettext calls were not extracted"
    stored = _ids(_read(POT))
    assert extracted - stored == set(), "new strings: run pybabel extract and update the catalogues"
    assert stored - extracted == set(), "strings no longer used: run pybabel extract and update"


def test_every_translated_language_has_a_catalogue():
    for code in LANGUAGES:
        if code != "en":
            assert _po_path(code).exists(), code


# Choosing the language ----------------------------------------------------------------------


def test_the_browser_language_decides_by_default(client, tenant):
    path = f"/t/{tenant.slug}/sign-in"
    german = client.get(path, headers={"Accept-Language": "de-DE,de;q=0.9,en;q=0.5"})
    html = german.get_data(as_text=True)
    assert '<html lang="de">' in html
    assert f"Bei {tenant.name} anmelden" in html
    assert "Passwort" in html
    english = client.get(path, headers={"Accept-Language": "en-GB"}).get_data(as_text=True)
    assert f"Sign in to {tenant.name}" in english


def test_refusals_and_error_pages_speak_the_reader_language(client, tenant, people):
    path = f"/t/{tenant.slug}/sign-in"
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "de"
    form = {"email": people["admin"].email, "password": "nope"}
    wrong = post_form(client, path, form, from_path=path)
    assert wrong.status_code == 400
    assert "E-Mail-Adresse und Passwort passen zu keinem Konto." in wrong.get_data(as_text=True)
    missing = client.get("/t/no-such-provider/sign-in")
    assert missing.status_code == 404
    assert "Seite nicht gefunden" in missing.get_data(as_text=True)


def test_the_footer_choice_sticks_across_pages_and_sign_in(client, tenant, people):
    path = f"/t/{tenant.slug}/sign-in"
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    chosen = post_form(client, "/language", {"language": "de", "next": path}, from_path=path)
    assert chosen.status_code == 303
    assert chosen.headers["Location"].endswith(path)
    assert f"Bei {tenant.name} anmelden" in client.get(path).get_data(as_text=True)
    link_page = client.get(f"/t/{tenant.slug}/sign-in-link").get_data(as_text=True)
    assert "Anmeldelink anfordern" in link_page
    sign_in(client, tenant, people["admin"])
    dashboard = client.get(f"/t/{tenant.slug}/").get_data(as_text=True)
    assert "offene Einladungen" in dashboard
    assert "Abmelden" in dashboard
    home = f"/t/{tenant.slug}/"
    back = post_form(client, "/language", {"language": "en", "next": home}, from_path=home)
    assert back.status_code == 303
    assert "pending invitations" in client.get(home).get_data(as_text=True)


def test_an_unknown_language_is_ignored_and_next_stays_local(client):
    response = post_form(client, "/language", {"language": "xx", "next": "//evil.example/"})
    assert response.status_code == 303
    assert response.headers["Location"] == "/"
    assert '<html lang="en">' in client.get("/").get_data(as_text=True)


# Dates in the tenant's time zone, money in the reader's locale -----------------------------


@pytest.mark.parametrize(
    ("zone", "language", "expected"),
    [
        ("America/New_York", "en", "Jan 15, 2025, 12:30:00"),
        ("Europe/Berlin", "en", "Jan 15, 2025, 6:30:00"),
        ("America/New_York", "de", "15.01.2025, 12:30:00"),
        ("Europe/Berlin", "de", "15.01.2025, 18:30:00"),
    ],
)
def test_times_are_shown_in_the_tenant_time_zone(app, session, zone, language, expected):
    tenant = factories.tenant(session, time_zone=zone)
    with app.test_request_context("/", headers={"Accept-Language": language}):
        g.tenant = tenant
        assert format_datetime(WINTER_EVENING, "medium").startswith(expected)


def test_times_without_a_tenant_are_utc(app):
    with app.test_request_context("/", headers={"Accept-Language": "en"}):
        assert format_datetime(WINTER_EVENING, "medium").startswith("Jan 15, 2025, 5:30:00")


def test_the_users_page_shows_last_sign_in_in_the_tenant_time_zone(client, session):
    new_york = factories.tenant(session, time_zone="America/New_York")
    admin = factories.user(session, new_york, Role.ADMIN)
    mediator = factories.user(session, new_york, Role.MEDIATOR)
    mediator.last_login_at = WINTER_EVENING
    session.commit()
    sign_in(client, new_york, admin)
    html = client.get(f"/t/{new_york.slug}/admin/users").get_data(as_text=True)
    assert "15 Jan 2025, 12:30" in html  # English is written the British way, without seconds
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "de"
    post_form(client, "/language", {"language": "de"})
    html = client.get(f"/t/{new_york.slug}/admin/users").get_data(as_text=True)
    assert "15.01.2025, 12:30" in html and "12:30:00" not in html
    assert "Letzte Anmeldung" in html


def test_one_date_format_in_pages_and_in_stored_messages(app):
    from datetime import date

    from flask import g

    from odr.platform.i18n import Message, _m, day, rendered, when

    stored = _m("%(ref)s: reply by %(due)s", ref="MED-1", due=date(2026, 2, 24)).to_json()
    assert stored["params"]["due"] == {"date": "2026-02-24"}
    for language, moment, on_day, sentence in [
        ("en", "15 Jan 2025, 12:30", "24 Feb 2026", "MED-1: reply by 24 Feb 2026"),
        ("de", "15.01.2025, 12:30", "24.02.2026", "MED-1: reply by 24.02.2026"),
    ]:
        with app.test_request_context(headers={"Accept-Language": language}):
            g.tenant = type("T", (), {"time_zone": "America/New_York", "default_locale": "en"})()
            assert when(WINTER_EVENING) == moment
            assert day(date(2026, 2, 24)) == on_day
            assert str(Message.from_json(stored)) == sentence  # not in the catalogue: the English id
            assert rendered({"date": "2026-02-24"}) == on_day


@pytest.mark.parametrize(
    ("language", "euros", "yen"),
    [("en", "€1,234.56", "¥123,456"), ("de", "1.234,56\xa0€", "123.456\xa0¥")],
)
def test_money_is_formatted_for_the_reader(app, language, euros, yen):
    with app.test_request_context("/", headers={"Accept-Language": language}):
        assert money(123456, "EUR") == euros
        assert money(123456, "JPY") == yen  # no minor units
