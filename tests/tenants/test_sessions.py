"""Sign-in sessions: idle and absolute timeouts, revocation, sign-in links and the cookie."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from sqlalchemy import select

from odr.app import create_app
from odr.tenants.models import User, UserSession
from tests.conftest import PG_URL, csrf_token, post_form, sign_in, test_settings
from tests.mailbox import emails_to, last_link

SIGNED_OUT = re.compile(r"^/t/[a-z0-9-]+/sign-in\?next=")


def dashboard(client, tenant):
    """Open the dashboard; 200 while signed in, a redirect to sign-in otherwise."""
    return client.get(f"/t/{tenant.slug}/")


def assert_signed_out(response):
    assert response.status_code == 302
    assert SIGNED_OUT.match(response.headers["Location"])


@pytest.fixture
def clock():
    """A stopped clock at the current time, moved on by ``clock.shift``."""
    with time_machine.travel(datetime.now(UTC), tick=False) as traveller:
        yield traveller


def test_a_session_idle_for_longer_than_30_minutes_is_signed_out(
    client, session, tenant, people, clock
):
    sign_in(client, tenant, people["mediator"])
    clock.shift(timedelta(minutes=29))
    assert dashboard(client, tenant).status_code == 200
    clock.shift(timedelta(minutes=31))
    assert_signed_out(dashboard(client, tenant))
    session.expire_all()
    assert session.scalars(select(UserSession)).one().revoked_at is not None
    # Signed out for good: coming back within the idle time does not revive it.
    clock.shift(timedelta(minutes=1))
    assert_signed_out(dashboard(client, tenant))


def test_an_active_session_ends_after_12_hours_all_the_same(client, tenant, people, clock):
    sign_in(client, tenant, people["mediator"])
    elapsed = timedelta(0)
    while elapsed + timedelta(minutes=20) <= timedelta(hours=12):
        clock.shift(timedelta(minutes=20))
        elapsed += timedelta(minutes=20)
        assert dashboard(client, tenant).status_code == 200, elapsed
    clock.shift(timedelta(minutes=20))
    assert_signed_out(dashboard(client, tenant))


def test_disabling_a_user_ends_their_session_at_once(app, client, session, tenant, people):
    mediator_browser = app.test_client()
    sign_in(mediator_browser, tenant, people["mediator"])
    assert dashboard(mediator_browser, tenant).status_code == 200
    sign_in(client, tenant, people["admin"])
    path = f"/t/{tenant.slug}/admin/users/{people['mediator'].public_id}/active"
    response = post_form(client, path, {"active": "0"}, from_path=f"/t/{tenant.slug}/admin/users")
    assert response.status_code == 303
    assert "is disabled and signed out everywhere" in client.get(
        response.headers["Location"]
    ).get_data(as_text=True)
    assert_signed_out(dashboard(mediator_browser, tenant))
    session.expire_all()
    assert not session.get(User, people["mediator"].id).is_active
    assert all(
        row.revoked_at is not None
        for row in session.scalars(
            select(UserSession).where(UserSession.user_id == people["mediator"].id)
        )
    )
    # A disabled user cannot sign in again, and re-enabling lets them.
    path_in = f"/t/{tenant.slug}/sign-in"
    refused = post_form(
        mediator_browser,
        path_in,
        {"email": people["mediator"].email, "password": "x" * 12},
        from_path=path_in,
    )
    assert refused.status_code == 400
    assert (
        post_form(
            client, path, {"active": "1"}, from_path=f"/t/{tenant.slug}/admin/users"
        ).status_code
        == 303
    )
    sign_in(mediator_browser, tenant, people["mediator"])


def test_an_admin_cannot_disable_themselves(client, session, tenant, people):
    admin = people["admin"]
    sign_in(client, tenant, admin)
    path = f"/t/{tenant.slug}/admin/users/{admin.public_id}/active"
    response = post_form(client, path, {"active": "0"}, from_path=f"/t/{tenant.slug}/admin/users")
    assert response.status_code == 303
    page = client.get(response.headers["Location"])
    assert page.status_code == 200
    assert "You cannot disable your own account." in page.get_data(as_text=True)
    session.expire_all()
    assert session.get(User, admin.id).is_active
    assert (
        session.scalars(select(UserSession).where(UserSession.user_id == admin.id)).one().revoked_at
        is None
    )


def _normalised(html: str, email: str) -> str:
    """A page without what differs between two requests: tokens, nonces and the address typed."""
    html = re.sub(
        r'(<meta name="csrf-token" content|name="csrf_token" value|nonce)="[^"]*"', "", html
    )
    return html.replace(email, "EMAIL")


def test_asking_for_a_sign_in_link_gives_the_same_page_for_known_and_unknown_addresses(
    client, session, tenant, people
):
    path = f"/t/{tenant.slug}/sign-in-link"
    known = post_form(client, path, {"email": people["customer"].email}, from_path=path)
    unknown = post_form(client, path, {"email": "nobody@example.org"}, from_path=path)
    assert known.status_code == unknown.status_code == 200
    assert _normalised(known.get_data(as_text=True), people["customer"].email) == _normalised(
        unknown.get_data(as_text=True), "nobody@example.org"
    )
    assert "Check your e-mail" in known.get_data(as_text=True)
    assert len(emails_to(session, people["customer"].email)) == 1
    assert emails_to(session, "nobody@example.org") == []


def test_a_sign_in_link_signs_in_within_15_minutes(app, client, session, tenant, people, clock):
    customer = people["customer"]
    path = f"/t/{tenant.slug}/sign-in-link"
    post_form(client, path, {"email": customer.email}, from_path=path)
    [email] = emails_to(session, customer.email)
    assert "15 minutes" in email.body_text
    link = last_link(session, customer.email)
    clock.shift(timedelta(minutes=14))
    browser = app.test_client()
    page = browser.get(link)
    assert page.status_code == 200
    assert f"Hello {customer.full_name}" in page.get_data(as_text=True)
    response = post_form(browser, link, {}, from_path=link)
    assert response.status_code == 303
    assert dashboard(browser, tenant).status_code == 200
    # Once only.
    assert post_form(app.test_client(), link, {}, from_path=link).status_code == 404


def test_a_sign_in_link_is_dead_after_15_minutes(app, client, session, tenant, people, clock):
    customer = people["customer"]
    path = f"/t/{tenant.slug}/sign-in-link"
    post_form(client, path, {"email": customer.email}, from_path=path)
    link = last_link(session, customer.email)
    clock.shift(timedelta(minutes=16))
    browser = app.test_client()
    assert browser.get(link).status_code == 404
    assert post_form(browser, link, {}, from_path=link).status_code == 404
    assert_signed_out(dashboard(browser, tenant))


def test_a_disabled_user_gets_no_sign_in_link(client, session, tenant, people):
    people["customer"].is_active = False
    session.commit()
    path = f"/t/{tenant.slug}/sign-in-link"
    assert (
        post_form(client, path, {"email": people["customer"].email}, from_path=path).status_code
        == 200
    )
    assert emails_to(session, people["customer"].email) == []


def test_an_invalid_address_for_a_sign_in_link_is_a_field_error(client, tenant):
    path = f"/t/{tenant.slug}/sign-in-link"
    response = post_form(client, path, {"email": "not an address"}, from_path=path)
    assert response.status_code == 400
    assert 'id="email-error"' in response.get_data(as_text=True)


def test_the_session_cookie_is_http_only_and_same_site_lax(client, tenant, people):
    response = sign_in(client, tenant, people["mediator"])
    cookie = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith("odr_session="))
    attributes = {part.strip().split("=")[0].lower() for part in cookie.split(";")[1:]}
    assert "httponly" in attributes
    assert "samesite=lax" in cookie.lower()
    assert "secure" not in attributes


def test_signing_in_again_replaces_the_session_id(client, session, tenant, people):
    sign_in(client, tenant, people["mediator"])
    path = f"/t/{tenant.slug}/sign-in"
    before = client.get_cookie("odr_session").value
    token = csrf_token(client, f"/t/{tenant.slug}/sign-in-link")
    response = client.post(
        path,
        data={
            "csrf_token": token,
            "email": people["admin"].email,
            "password": "correct horse battery staple",
        },
    )
    assert response.status_code == 303
    assert client.get_cookie("odr_session").value != before
    session.expire_all()
    rows = session.scalars(select(UserSession).order_by(UserSession.id)).all()
    assert [row.revoked_at is None for row in rows] == [False, True]


def test_production_cookies_are_secure(tmp_path):
    url = PG_URL or "postgresql+psycopg://odr@127.0.0.1:1/never-connected"
    settings = test_settings(
        tmp_path, url, env="production", allowed_origins=["https://x.example"], secret_key="x" * 40
    )
    app = create_app(settings)
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert app.config["WTF_CSRF_SSL_STRICT"] is True
    assert app.config["PERMANENT_SESSION_LIFETIME"] == timedelta(hours=12)
