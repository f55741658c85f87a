"""Recording that a mediation ended without an agreement cannot be undone: the case page asks first."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.browsing import follow, sign_in, visit
from tests.e2e.test_room import MEDIATOR, demo_case  # noqa: F401 - the fixture

pytestmark = pytest.mark.browser


def test_not_settled_asks_first_and_a_no_leaves_the_case_open(new_page, demo_case):  # noqa: F811
    case_page = demo_case.removesuffix("/room")
    mediator = new_page(viewport={"width": 1280, "height": 900})
    sign_in(mediator, MEDIATOR)
    visit(mediator, case_page)
    mediator.get_by_label("Why did the mediation end without an agreement?").fill(
        "The insurer will not move above its offer and the customer will not accept it.")
    asked: list[str] = []
    mediator.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.dismiss()))
    mediator.get_by_role("button", name="Record: not settled").click()
    expect(mediator.get_by_role("button", name="Record: not settled")).to_be_visible()
    assert len(asked) == 1 and "cannot be undone" in asked[0]
    visit(mediator, case_page)
    expect(mediator.get_by_role("button", name="Record: not settled")).to_be_visible()  # still open

    mediator.get_by_label("Why did the mediation end without an agreement?").fill("No agreement in the end.")
    mediator.once("dialog", lambda dialog: dialog.accept())
    follow(mediator, mediator.get_by_role("button", name="Record: not settled"))
    expect(mediator.locator("main")).to_contain_text("Not settled")
    expect(mediator.get_by_role("button", name="Record: not settled")).to_have_count(0)
