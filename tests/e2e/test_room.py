"""The case room in three browsers at once: joint messages live for all, a caucus for two only."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from tests.e2e.browsing import PHONE, check, follow, horizontal_overflow, screenshot, sign_in, visit
from tests.storage import samples

pytestmark = pytest.mark.browser

MEDIATOR = "mediator@harbour.example"
MANAGER = "cases@harbour.example"
AGENT = "agent@northwind.example"
CUSTOMER = "robin.roofer@example.com"
CUSTOMER_NAME = "Robin Roofer"
LIVE = 15_000  # ms to wait for a message to arrive over the socket on a busy machine


@pytest.fixture(scope="module")
def demo_case(request, live_server, tmp_path_factory):
    """An open case of the demo tenant between Northwind and a customer of this module's own, with
    the mediator's welcome: its room's address. Made in the live server's database through the
    services, so that each module has a case and a customer whatever ran before it."""
    from odr.app import create_app
    from odr.mediation.cases import services as cases
    from odr.mediation.rooms import services as rooms
    from odr.platform.extensions import db
    from odr.platform.tenancy import set_tenant
    from odr.tenants import services as tenants
    from odr.tenants.models import Tenant, User
    from tests.conftest import test_settings
    from tests.mediation.case_helpers import days_ago, referral

    app = create_app(test_settings(tmp_path_factory.mktemp("room-case"), live_server.database_url,
                                   base_url=live_server.base_url))
    with app.app_context():
        session = db.session
        tenant = session.scalar(select(Tenant).where(Tenant.slug == "harbour"))
        set_tenant(session, tenant.id)
        if session.scalar(select(User).where(User.email == CUSTOMER)) is None:
            tenants.create_user(session, tenant, {"email": CUSTOMER, "full_name": CUSTOMER_NAME, "role": "customer"})
        people = {u.email: u for u in session.scalars(select(User).where(User.email.in_([AGENT, MEDIATOR, MANAGER])))}
        case, created = cases.refer(session, people[AGENT], referral(
            customer_email=CUSTOMER, customer_name=CUSTOMER_NAME, idempotency_key=f"e2e-{request.module.__name__}",
            complaint_date=days_ago(100), final_response_date=days_ago(40), escalation_steps=[]))
        if created:
            cases.accept(session, people[MANAGER], case, base_url=live_server.base_url, invitation_days=7)
            cases.assign_mediator(session, people[MANAGER], case, people[MEDIATOR].public_id)
            rooms.post_message(session, people[MEDIATOR], case, {
                "channel": "joint", "client_id": "welcome-from-mira-01",
                "text": "Welcome, both. I am Mira, your mediator."})
        session.commit()
        path = f"/t/harbour/cases/{case.public_id}/room"
        db.session.remove()
    db.state(app).engine.dispose()
    return path


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
    """The case's customer asks for a sign-in link and follows it, as customers do."""
    visit(page, "/t/harbour/sign-in-link")
    page.get_by_label("E-mail address").fill(CUSTOMER)
    follow(page, page.get_by_role("button", name="Send me a link"))
    visit(page, outbox.link_to(CUSTOMER))
    follow(page, page.get_by_role("button", name="Sign in"))


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
    expect(mediator.locator("[data-present]")).to_contain_text(CUSTOMER_NAME, timeout=LIVE)

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
