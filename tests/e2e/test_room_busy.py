"""The room while the database is busy: a message waits, says so, and is sent again by itself once it can be."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy.engine import make_url

from tests.databases import LockedByAnotherProcess
from tests.e2e.browsing import sign_in
from tests.e2e.test_room import LIVE, MEDIATOR, demo_case, enter, write  # noqa: F401 - the fixture

pytestmark = pytest.mark.browser


def test_a_message_sent_while_another_process_holds_the_database_is_retried_and_stored_once(
        new_page, live_server, demo_case):  # noqa: F811 - the fixture imported above
    url = make_url(live_server.database_url)
    if url.get_backend_name() != "sqlite":
        pytest.skip("another process holding the write lock is SQLite's way of being busy")
    mediator = new_page(viewport={"width": 1280, "height": 900})
    sign_in(mediator, MEDIATOR)
    enter(mediator, demo_case)
    messages = mediator.locator("[data-messages]")
    with LockedByAnotherProcess(str(url.database)):
        write(mediator, "Thank you for waiting; I am reading the survey now.")
        pending = messages.locator(".message--pending", has_text="reading the survey")
        expect(pending).to_contain_text("busy for a moment", timeout=LIVE)
    expect(messages.locator(".message--pending")).to_have_count(0, timeout=LIVE)
    expect(messages.locator(".message", has_text="reading the survey")).to_have_count(1)
    mediator.reload()
    expect(messages.locator(".message", has_text="reading the survey")).to_have_count(1, timeout=LIVE)
