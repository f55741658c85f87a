"""Signing the seeded people in over HTTP, as their browsers do: a password, or a link for customers.

Both answer the value of the ``odr_session`` cookie, which a Socket.IO client then sends.
"""

from __future__ import annotations

import re
from typing import Any

import requests
from sqlalchemy import select

from odr.platform.db import make_engine
from odr.platform.mail import OutboxEmail

CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)"')
LINK_PATH = re.compile(r"https?://[^/\s]+(/t/[a-z0-9-]+/links/[A-Za-z0-9_-]+)")


def sign_in_with_password(base_url: str, tenant: str, email: str, password: str) -> str:
    """Sign in through the sign-in page as a browser does; the value of the session cookie."""
    with requests.Session() as browser:
        form = f"{base_url}/t/{tenant}/sign-in"
        token = _csrf(browser, form)
        answer = browser.post(form, data={"csrf_token": token, "email": email, "password": password},
                              allow_redirects=False, timeout=30)
        if answer.status_code != 303:
            raise RuntimeError(f"signing in {email} answered {answer.status_code}:\n{answer.text[:500]}")
        return _session_cookie(browser)


def sign_in_with_link(base_url: str, database_url: str, tenant: str, email: str) -> str:
    """Sign a customer in as they do: ask for a link, read it from the outbox, press its button."""
    with requests.Session() as browser:
        form = f"{base_url}/t/{tenant}/sign-in-link"
        before = _newest_email_id(database_url, email)
        answer = browser.post(form, data={"csrf_token": _csrf(browser, form), "email": email}, timeout=30)
        if answer.status_code != 200:
            raise RuntimeError(f"asking for a link for {email} answered {answer.status_code}")
        link = base_url + _newest_link(database_url, email, after=before)
        answer = browser.post(link, data={"csrf_token": _csrf(browser, link)}, allow_redirects=False, timeout=30)
        if answer.status_code != 303:
            raise RuntimeError(f"redeeming the link of {email} answered {answer.status_code}:\n{answer.text[:500]}")
        return _session_cookie(browser)


def _csrf(browser: requests.Session, url: str) -> str:
    page = browser.get(url, timeout=30)
    match = CSRF_META.search(page.text)
    if page.status_code != 200 or match is None:
        raise RuntimeError(f"no form with a CSRF token at {url} ({page.status_code})")
    return match.group(1)


def _session_cookie(browser: requests.Session) -> str:
    cookie = browser.cookies.get("odr_session")
    if not cookie:
        raise RuntimeError("signing in set no odr_session cookie")
    return cookie


def _emails(database_url: str, email: str) -> list[Any]:
    engine = make_engine(database_url)
    try:
        with engine.connect() as conn:
            query = select(OutboxEmail.id, OutboxEmail.body_text).where(OutboxEmail.recipient == email)
            return list(conn.execute(query.order_by(OutboxEmail.id)))
    finally:
        engine.dispose()


def _newest_email_id(database_url: str, email: str) -> int:
    rows = _emails(database_url, email)
    return rows[-1].id if rows else 0


def _newest_link(database_url: str, email: str, *, after: int) -> str:
    rows = [row for row in _emails(database_url, email) if row.id > after]
    if not rows:
        raise RuntimeError(f"no new e-mail to {email} in the outbox")
    match = LINK_PATH.search(rows[-1].body_text)
    if match is None:
        raise RuntimeError(f"no link in the e-mail to {email}:\n{rows[-1].body_text}")
    return match.group(1)
