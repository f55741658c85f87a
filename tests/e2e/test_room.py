"""The case room in three browsers at once: joint messages live for all, a caucus for two only."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from odr.mediation.cases.models import Case
from tests.e2e.browsing import PHONE, check, follow, horizontal_overflow, screenshot, sign_in, visit
from tests.storage import samples

pytestmark = pytest.mark.browser

MEDIATOR = "mediator@harbour.example"
AGENT = "agent@northwind.example"
CUSTOMER = "customer@example.com"
LIVE = 15_000  # ms to wait for a message to arrive over the socket on a busy machine


@pytest.fixture(scope="module")
def demo_case(outbox):
    """The demo's open case (referred with the key demo-case-1): its address."""
    with outbox.engine.connect() as conn:
        public_id = conn.execute(select(Case.public_id).where(Case.idempotency_key == "demo-case-1")).scalar_one()
    return f"/t/harbour/cases/{public_id}/room"


def enter(page: Page, room: str) -> None:
    """Open the room and wait until the socket has joined (the page lists who is here)."""
    visit(page, room)
    expect(page.locator("[data-present]")).to_contain_text("You", timeout=LIVE)


def write(page: Page, text: str) -> None:
    """Type a message and press Enter, as people do."""
    field = page.get_by_label("Your message")
    field.fill(text)
    field.press("Enter")
    expect(field).to_have_value("")


def customer_signs_in(page: Page, outbox, live_server) -> None:
    """The customer joins through the demo's invitation or, once joined, asks for a sign-in link."""
    response = page.goto(live_server.customer_link)
    check(page)
    if response is None or response.status != 200:
        visit(page, "/t/harbour/sign-in-link")
        page.get_by_label("E-mail address").fill(CUSTOMER)
        follow(page, page.get_by_role("button", name="Send me a link"))
        visit(page, outbox.link_to(CUSTOMER))
        follow(page, page.get_by_role("button", name="Sign in"))
    else:
        follow(page, page.get_by_role("button", name="Continue"))


def test_three_people_in_one_room_joint_is_live_and_a_caucus_stays_private(new_page, outbox, live_server, demo_case):
    mediator = new_page(viewport={"width": 1280, "height": 900})
    sign_in(mediator, MEDIATOR)
    enter(mediator, demo_case)
    agent = new_page(viewport={"width": 1280, "height": 900})
    sign_in(agent, AGENT)
    enter(agent, demo_case)
    customer = new_page(viewport={"width": 1280, "height": 900})
    customer_signs_in(customer, outbox, live_server)
    enter(customer, demo_case)
    expect(customer.locator("[data-messages]")).to_contain_text("I am Mira, your mediator")

    # A joint message appears live for the other two, without reloading.
    write(agent, "We could offer 3,000 for the roof, as a goodwill gesture.")
    for page in (mediator, customer):
        expect(page.locator("[data-messages]")).to_contain_text("We could offer 3,000", timeout=LIVE)
    expect(customer.locator("[data-announcer]")).to_contain_text("New message from Nils Northwind", timeout=LIVE)
    expect(mediator.locator("[data-present]")).to_contain_text("Chris Customer", timeout=LIVE)

    # A document shared in the room appears live in the others' documents panels and conversations.
    panel = agent.locator("[data-documents]")
    panel.get_by_label("Share with").select_option(label="Everyone")
    panel.get_by_label("Choose files to share, or drag them here").set_input_files(
        files=[{"name": "Roof survey.pdf", "mimeType": "application/pdf", "buffer": samples.pdf(50_000)}])
    expect(panel.locator(".upload", has_text="Roof survey.pdf")).to_contain_text("Shared", timeout=LIVE)
    expect(customer.locator("[data-documents-list]")).to_contain_text("Roof survey.pdf", timeout=LIVE)
    expect(customer.locator("[data-messages]")).to_contain_text("A document was shared: Roof survey.pdf",
                                                                timeout=LIVE)

    # In their caucus, the customer tells the mediator their bottom line.
    follow(customer, customer.get_by_role("link", name="Private: mediator and customer"))
    expect(customer.get_by_role("heading", name="Private: mediator and customer")).to_be_visible()
    expect(customer.locator("[data-present]")).to_contain_text("You", timeout=LIVE)
    write(customer, "Between us: I would accept 4,500.")
    expect(customer.locator("[data-messages]")).to_contain_text("I would accept 4,500", timeout=LIVE)

    # The mediator, in the joint channel, sees an unread mark on that caucus; the agent sees nothing.
    badge = mediator.locator('[data-unread="caucus:customer"]')
    expect(badge).to_be_visible(timeout=LIVE)
    expect(badge).to_contain_text("1")
    expect(agent.get_by_role("link", name="Private: mediator and customer")).to_have_count(0)
    expect(agent.locator("main")).not_to_contain_text("4,500")
    follow(agent, agent.get_by_role("link", name="Private: mediator and insurer"))
    expect(agent.locator("main")).not_to_contain_text("4,500")

    follow(mediator, mediator.get_by_role("link", name="Private: mediator and customer"))
    expect(mediator.locator("[data-messages]")).to_contain_text("I would accept 4,500")
    check(mediator)
    screenshot(mediator, "desktop-mediator-room-caucus")


def test_the_room_works_with_the_keyboard_and_on_a_phone(new_page, demo_case):
    phone = new_page(**PHONE)
    sign_in(phone, AGENT)
    enter(phone, demo_case)
    assert horizontal_overflow(phone) == 0, "the room scrolls sideways on a phone"
    field = phone.get_by_label("Your message")
    field.focus()
    phone.keyboard.type("First line")
    phone.keyboard.press("Shift+Enter")
    phone.keyboard.type("second line")
    phone.keyboard.press("Enter")
    expect(phone.locator("[data-messages] .message--mine").last).to_contain_text("second line", timeout=LIVE)
    assert "First line\nsecond line" in phone.locator("[data-messages] .message--mine .message__text").last.inner_text()
    screenshot(phone, "phone-agent-room")
