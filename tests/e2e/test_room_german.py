"""The room in German, as its script draws it: live messages, their actions and what is announced."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.browsing import check, sign_in, visit
from tests.e2e.test_room import AGENT, LIVE, MEDIATOR, demo_case, enter, write  # noqa: F401  (a fixture)
from tests.platform.german_pages import untranslated

pytestmark = pytest.mark.browser

SHOWN = """() => {
  const texts = document.body.innerText.split("\\n");
  for (const element of document.querySelectorAll("[aria-label], [title], [placeholder]")) {
    for (const name of ["aria-label", "title", "placeholder"]) {
      if (element.hasAttribute(name)) texts.push(element.getAttribute(name));
    }
  }
  return texts;
}"""


def in_german(page: Page) -> None:
    """Choose German in the footer, as a reader does; it holds for the rest of the visit."""
    with page.expect_event("load"):
        page.locator("#language").select_option("de")
    expect(page.locator("html")).to_have_attribute("lang", "de")
    check(page)


def test_the_room_its_script_draws_reads_in_german(new_page, demo_case):  # noqa: F811
    mediator = new_page(viewport={"width": 1280, "height": 900})
    sign_in(mediator, MEDIATOR)
    in_german(mediator)
    visit(mediator, demo_case)
    expect(mediator.locator("[data-present]")).to_contain_text("Sie", timeout=LIVE)
    agent = new_page(viewport={"width": 1280, "height": 900})
    sign_in(agent, AGENT)
    enter(agent, demo_case)
    write(agent, "We could offer 3,000 for the roof.")
    expect(mediator.locator("[data-messages]")).to_contain_text("We could offer 3,000", timeout=LIVE)
    expect(mediator.locator("[data-announcer]")).to_contain_text("Neue Nachricht von", timeout=LIVE)
    # The times the page came with and the one its script drew read alike: the server's format.
    times = mediator.locator("[data-messages] time").all_inner_texts()
    assert len(times) >= 2 and all(re.fullmatch(r"\d{2}\.\d{2}\.\d{4}, \d{2}:\d{2}", t) for t in times), times
    texts = [" ".join(t.split()) for t in mediator.evaluate(SHOWN) if t and t.strip()]
    assert texts, "the room showed nothing"
    assert untranslated(texts) == set()
