"""What the page's warning before an idle sign-out asks the server: how long is left, and to stay."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from sqlalchemy import select

from odr.tenants.models import UserSession
from tests.conftest import csrf_token, sign_in


@pytest.fixture
def clock():
    """A stopped clock at the current time, moved on by ``clock.shift``."""
    with time_machine.travel(datetime.now(UTC), tick=False) as traveller:
        yield traveller


@pytest.fixture
def browser(client, tenant, people, clock):
    """The mediator's browser, signed in on the stopped clock."""
    sign_in(client, tenant, people["mediator"])
    return client


def state(client, tenant):
    response = client.get(f"/t/{tenant.slug}/session", headers={"Accept": "application/json"})
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    return response.get_json()


def stay(client, tenant, token):
    return client.post(f"/t/{tenant.slug}/session", headers={"Accept": "application/json", "X-CSRFToken": token})


def last_seen(session):
    session.expire_all()
    return session.scalars(select(UserSession)).one().last_seen_at


def test_every_signed_in_page_carries_the_warning_dialog(browser, tenant, clock):
    html = browser.get(f"/t/{tenant.slug}/").get_data(as_text=True)
    dialog = re.search(r"<dialog[^>]*data-session-timeout[^>]*>", html, re.S).group(0)
    assert 'role="alertdialog"' in dialog and 'aria-labelledby="session-timeout-title"' in dialog
    assert 'data-expires-in="1800"' in dialog and 'data-warn="120"' in dialog
    assert "next=/t/" in dialog  # back to this page after signing in again
    assert "Stay signed in" in html


def test_a_signed_out_page_has_no_warning(client, tenant):
    assert "data-session-timeout" not in client.get(f"/t/{tenant.slug}/sign-in").get_data(as_text=True)
    assert state(client, tenant) == {"signed_in": False, "expires_in": 0}


def test_asking_how_long_is_left_is_not_activity(browser, session, tenant, clock):
    clock.shift(timedelta(minutes=10))
    seen = last_seen(session)
    assert state(browser, tenant) == {"signed_in": True, "expires_in": 20 * 60, "warn": 120}
    assert last_seen(session) == seen
    clock.shift(timedelta(minutes=18, seconds=30))
    assert state(browser, tenant)["expires_in"] == 90
    clock.shift(timedelta(minutes=2))
    assert state(browser, tenant) == {"signed_in": False, "expires_in": 0}


def test_staying_signed_in_starts_the_idle_time_again(browser, session, tenant, clock):
    token = csrf_token(browser, f"/t/{tenant.slug}/")
    clock.shift(timedelta(minutes=28, seconds=30))
    response = stay(browser, tenant, token)
    assert response.status_code == 200
    assert response.get_json()["expires_in"] == 30 * 60
    assert last_seen(session) == datetime.now(UTC)
    # Even twice within the minute in which pages do not write the time again.
    clock.shift(timedelta(seconds=20))
    assert stay(browser, tenant, token).get_json()["expires_in"] == 30 * 60
    clock.shift(timedelta(minutes=29))
    assert state(browser, tenant)["signed_in"] is True


def test_staying_needs_the_csrf_token_and_a_live_session(browser, client, tenant, clock):
    assert stay(browser, tenant, "forged").status_code == 400
    token = csrf_token(browser, f"/t/{tenant.slug}/")
    clock.shift(timedelta(minutes=31))
    response = stay(browser, tenant, token)
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "unauthenticated"


def test_nothing_extends_a_sign_in_past_its_absolute_limit(browser, tenant, clock):
    token = csrf_token(browser, f"/t/{tenant.slug}/")
    for _ in range(11 * 2):
        clock.shift(timedelta(minutes=29))
        assert stay(browser, tenant, token).status_code == 200
    clock.shift(timedelta(minutes=29))  # 11 h 7 min in
    assert stay(browser, tenant, token).get_json()["expires_in"] == 30 * 60
    clock.shift(timedelta(minutes=25))  # 11 h 32 min in
    assert stay(browser, tenant, token).get_json()["expires_in"] == 28 * 60
    clock.shift(timedelta(minutes=20))  # 11 h 52 min in: 8 minutes left, whatever happens
    assert stay(browser, tenant, token).get_json()["expires_in"] == 8 * 60


def test_after_an_idle_sign_out_the_sign_in_pages_say_why(app, session, client, tenant, people):
    from tests.mailbox import sign_in_as

    notice = "You were signed out because nothing happened for a while."
    assert notice in client.get(f"/t/{tenant.slug}/sign-in?timed_out=1").get_data(as_text=True)
    assert notice not in client.get(f"/t/{tenant.slug}/sign-in").get_data(as_text=True)
    # A customer has no password: their dialog leads to a fresh sign-in link, their address filled in.
    customer = app.test_client()
    sign_in_as(customer, session, tenant, people["customer"])
    html = customer.get(f"/t/{tenant.slug}/").get_data(as_text=True)
    url = re.search(r'data-sign-in-url="([^"]+)"', html).group(1).replace("&amp;", "&")
    assert url.startswith(f"/t/{tenant.slug}/sign-in-link?")
    page = client.get(url).get_data(as_text=True)
    assert notice in page and f'value="{people["customer"].email}"' in page
