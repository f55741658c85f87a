"""The room's channel tabs: a channel with nothing unread shows no count, and a count stays a small
round badge beside a name that wraps (a phone, in German)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.browsing import PHONE, sign_in
from tests.e2e.test_room import AGENT, LIVE, MEDIATOR, demo_case, enter, write  # noqa: F401  (a fixture)
from tests.e2e.test_room_german import in_german

pytestmark = pytest.mark.browser


def test_no_count_for_nothing_unread_and_a_round_one_beside_a_wrapped_name(new_page, demo_case):  # noqa: F811
    mediator = new_page(**PHONE)
    sign_in(mediator, MEDIATOR)
    in_german(mediator)
    mediator.goto(demo_case)
    expect(mediator.locator("[data-present]")).to_contain_text("Sie", timeout=LIVE)
    tabs = mediator.locator(".room__channels")
    for badge in tabs.locator("[data-unread]").all():
        if badge.inner_text().strip().startswith("0"):
            expect(badge).to_be_hidden()

    agent = new_page(viewport={"width": 1280, "height": 900})
    sign_in(agent, AGENT)
    enter(agent, demo_case)
    agent.get_by_role("link", name="Private: mediator and insurer").click()
    expect(agent.locator("[data-present]")).to_contain_text("You", timeout=LIVE)
    write(agent, "Only for you: we could go to 4,000.")
    badge = tabs.locator('[data-unread="caucus:insurer"]')
    expect(badge).to_be_visible(timeout=LIVE)
    box, tab = badge.bounding_box(), badge.locator("xpath=..").bounding_box()
    assert box["height"] <= 32 and box["height"] < tab["height"], (box, tab)
    assert box["width"] >= box["height"] * 0.9  # round, not a tall pill
