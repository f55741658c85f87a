"""What cannot be undone asks first, in a real browser: a file shared from a private channel goes
to that channel unless the person confirms a wider audience, and taking a message back asks before
it is done. People are named by their role's word, never its code."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.browsing import follow, sign_in
from tests.e2e.test_room import AGENT, LIVE, demo_case, enter, write  # noqa: F401 - the fixture
from tests.storage import samples

pytestmark = pytest.mark.browser

PRIVATE = "Private: mediator and insurer"


def choose_files(page: Page, name: str) -> None:
    page.locator("[data-documents]").get_by_label("Choose files to share, or drag them here").set_input_files(
        files=[{"name": name, "mimeType": "application/pdf", "buffer": samples.pdf(8_000)}])


def test_share_with_follows_the_channel_in_view_and_a_wider_audience_is_confirmed(new_page, demo_case):  # noqa: F811
    agent = new_page(viewport={"width": 1280, "height": 900})
    sign_in(agent, AGENT)
    enter(agent, demo_case)
    audience = agent.locator("[data-documents]").get_by_label("Share with")
    expect(audience).to_have_value("joint")

    follow(agent, agent.get_by_role("link", name=PRIVATE))
    expect(agent.get_by_role("heading", name=PRIVATE)).to_be_visible()
    expect(audience).to_have_value("caucus:insurer")

    # In the private channel, a file goes there without a question.
    questions: list[str] = []
    def say_no(dialog) -> None:
        questions.append(dialog.message)
        dialog.dismiss()

    agent.on("dialog", say_no)
    choose_files(agent, "Reserve figures.pdf")
    listing = agent.locator("[data-documents-list]")
    expect(listing.locator("tr", has_text="Reserve figures.pdf")).to_contain_text(PRIVATE, timeout=LIVE)
    assert questions == []

    # Choosing Everyone from the private channel asks; saying no shares nothing.
    audience.select_option(label="Everyone")
    choose_files(agent, "Internal memo.pdf")
    assert len(questions) == 1 and PRIVATE in questions[0] and "Everyone" in questions[0]
    expect(agent.locator("[data-uploads] .upload")).to_have_count(1)  # only the first file's line
    expect(listing).not_to_contain_text("Internal memo.pdf")

    # Saying yes shares it with everyone.
    agent.remove_listener("dialog", say_no)
    agent.on("dialog", lambda dialog: dialog.accept())
    choose_files(agent, "Repair estimate.pdf")
    row = listing.locator("tr", has_text="Repair estimate.pdf")
    expect(row).to_contain_text("Everyone", timeout=LIVE)

    # The uploader is named with the role's word, not its code.
    expect(row).to_contain_text("Nils Northwind (Insurer agent)")
    expect(listing).not_to_contain_text("insurer_agent")


def test_taking_a_message_back_asks_first(new_page, demo_case):  # noqa: F811
    agent = new_page(viewport={"width": 1280, "height": 900})
    sign_in(agent, AGENT)
    enter(agent, demo_case)
    write(agent, "A figure typed by mistake: 99,999.")
    message = agent.locator("[data-messages] .message--mine", has_text="typed by mistake")
    expect(message).to_be_visible(timeout=LIVE)

    answers = iter([False, True])
    asked: list[str] = []

    def answer(dialog) -> None:
        asked.append(dialog.message)
        dialog.accept() if next(answers) else dialog.dismiss()

    agent.on("dialog", answer)
    message.get_by_role("button", name="Take back").click()
    expect(message).to_contain_text("99,999")
    assert len(asked) == 1 and "Take this message back?" in asked[0]

    message.get_by_role("button", name="Take back").click()
    expect(agent.locator("[data-messages]")).to_contain_text("This message was taken back by its author.",
                                                             timeout=LIVE)
    expect(agent.locator("[data-messages]")).not_to_contain_text("99,999")
    assert len(asked) == 2
