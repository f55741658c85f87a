"""Accounts in the browser: the warning before an idle sign-out, a room's unsent message kept across
signing in again, and two-step verification set up and used.

For the idle sign-out the browser runs on Playwright's fake clock, and the server's record of the last activity is moved
back by as much, so that half an hour passes in a moment on both sides.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select, update
from sqlalchemy.engine import Engine

from odr.platform.db import make_engine
from odr.tenants.models import User, UserSession
from tests.e2e.browsing import DEMO_PASSWORD, check, follow, sign_in, visit
from tests.e2e.test_room import MEDIATOR, demo_case, enter  # noqa: F401 - demo_case is a fixture

pytestmark = pytest.mark.browser

ADMIN = "admin@harbour.example"


@pytest.fixture(scope="module")
def engine(live_server) -> Iterator[Engine]:
    engine = make_engine(live_server.database_url)
    yield engine
    engine.dispose()


def idle_for(engine: Engine, email: str, minutes: float) -> None:
    """Make the server believe ``email``'s live sessions were last used ``minutes`` ago."""
    with engine.begin() as conn:
        user_id = conn.scalar(select(User.id).where(User.email == email))
        conn.execute(
            update(UserSession)
            .where(UserSession.user_id == user_id, UserSession.revoked_at.is_(None))
            .values(last_seen_at=datetime.now(UTC) - timedelta(minutes=minutes))
        )


def last_seen(engine: Engine, email: str) -> datetime:
    with engine.connect() as conn:
        user_id = conn.scalar(select(User.id).where(User.email == email))
        seen = conn.scalar(
            select(UserSession.last_seen_at)
            .where(UserSession.user_id == user_id, UserSession.revoked_at.is_(None))
            .order_by(UserSession.last_seen_at.desc())
        )
    return seen if seen.tzinfo else seen.replace(tzinfo=UTC)


def test_two_minutes_before_an_idle_sign_out_a_dialog_offers_to_stay(page: Page, engine):
    page.clock.install()
    sign_in(page, ADMIN)
    visit(page, "/t/harbour/profile")
    dialog = page.get_by_role("alertdialog", name="Are you still there?")
    expect(dialog).to_be_hidden()

    # 28.5 quiet minutes: the dialog opens, says when the sign-out comes, and takes the focus.
    idle_for(engine, ADMIN, 28.5)
    page.clock.fast_forward("28:30")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("you will be signed out at")
    stay = dialog.get_by_role("button", name="Stay signed in")
    expect(stay).to_be_focused()
    check(page)

    # Staying is activity on the server: the idle time starts again, the dialog goes.
    stay.press("Enter")
    expect(dialog).to_be_hidden()
    assert datetime.now(UTC) - last_seen(engine, ADMIN) < timedelta(seconds=30)

    # Quiet again, and this time nobody answers: signed out, to the sign-in page that says why.
    idle_for(engine, ADMIN, 28.5)
    page.clock.fast_forward("28:30")
    expect(dialog).to_be_visible()
    idle_for(engine, ADMIN, 31)
    page.clock.fast_forward("02:00")
    expect(page).to_have_url(re.compile(r"/t/harbour/sign-in\?.*timed_out=1"))
    expect(page.get_by_role("status")).to_contain_text("You were signed out because nothing happened")
    check(page)
    page.get_by_label("E-mail address", exact=True).fill(ADMIN)
    page.get_by_label("Password", exact=True).fill(DEMO_PASSWORD)
    follow(page, page.get_by_role("button", name="Sign in"))
    expect(page).to_have_url(re.compile(r"/t/harbour/profile$"))


def test_activity_in_another_tab_keeps_the_dialog_away(page: Page, engine):
    page.clock.install()
    sign_in(page, ADMIN)
    visit(page, "/t/harbour/profile")
    # Another tab was used a minute ago: the server says so, and the page does not warn.
    idle_for(engine, ADMIN, 1)
    page.clock.fast_forward("28:30")
    page.wait_for_timeout(500)
    expect(page.get_by_role("alertdialog")).to_be_hidden()


def test_a_message_being_written_survives_signing_in_again(page: Page, engine, demo_case):  # noqa: F811
    sign_in(page, MEDIATOR)
    enter(page, demo_case)
    field = page.get_by_label("Your message")
    draft = "Thank you both. Before we talk numbers, I would like to understand what the roof repair"
    field.fill(draft)

    # Half an hour later the session is gone: the next page is the sign-in page.
    idle_for(engine, MEDIATOR, 31)
    page.reload()
    expect(page).to_have_url(re.compile(r"/t/harbour/sign-in\?next="))
    check(page)
    page.get_by_label("E-mail address", exact=True).fill(MEDIATOR)
    page.get_by_label("Password", exact=True).fill(DEMO_PASSWORD)
    follow(page, page.get_by_role("button", name="Sign in"))
    expect(page.get_by_label("Your message")).to_have_value(draft)

    # Sent, the draft is gone for good.
    expect(page.locator("[data-present]")).to_contain_text("You", timeout=15_000)
    field = page.get_by_label("Your message")
    field.press("End")
    field.type(" would cost.")
    field.press("Enter")
    expect(page.locator("[data-messages]")).to_contain_text("what the roof repair would cost.", timeout=15_000)
    expect(field).to_have_value("")
    page.reload()
    expect(page.get_by_label("Your message")).to_have_value("")


def test_setting_up_two_step_verification_and_signing_in_with_it(new_page, engine):
    """A case manager sets up an authenticator app from their profile, then signs in with its code."""
    from odr.tenants import totp

    manager = "cases@harbour.example"
    page = new_page(viewport={"width": 1280, "height": 800})
    sign_in(page, manager)
    visit(page, "/t/harbour/profile")
    follow(page, page.get_by_role("link", name="Set up two-step verification"))
    secret = page.locator(".setup-key code").inner_text().replace(" ", "")
    page.get_by_label("Code from the app").fill(totp.code_at(secret, totp.current_step()))
    follow(page, page.get_by_role("button", name="Turn on"))
    expect(page.locator(".recovery-codes li")).to_have_count(10)
    try:
        follow(page, page.get_by_role("button", name="Sign out"))
        page.get_by_label("E-mail address", exact=True).fill(manager)
        page.get_by_label("Password", exact=True).fill(DEMO_PASSWORD)
        follow(page, page.get_by_role("button", name="Sign in"))
        expect(page.get_by_role("heading", name="Two-step verification")).to_be_visible()
        page.get_by_label("Code").fill(totp.code_at(secret, totp.current_step() + 1))
        follow(page, page.get_by_role("button", name="Sign in"))
        expect(page).to_have_url(re.compile(r"/t/harbour/$"))
    finally:
        # The demo's case manager signs in with the password alone in the other browser tests.
        with engine.begin() as conn:
            conn.execute(update(User).where(User.email == manager)
                         .values(totp_secret=None, totp_enabled_at=None, totp_last_step=None))
