"""Joining through an invitation, in a real browser: the admin invites, the invitee joins."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.browsing import (
    PHONE,
    follow,
    horizontal_overflow,
    screenshot,
    sign_in,
    visit,
)

pytestmark = pytest.mark.browser

ADMIN = "admin@harbour.example"
AGENT = "agent@northwind.example"


def test_admin_invites_an_insurer_agent_who_joins_with_a_password(
    page, new_page, outbox, live_server
):
    sign_in(page, ADMIN)
    follow(
        page, page.get_by_role("navigation", name="Main").get_by_role("link", name="Administration")
    )
    follow(page, page.get_by_role("link", name="Invitations"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Invitations")

    # An empty form comes back with a summary of what to fix, focused for screen readers.
    follow(page, page.get_by_role("button", name="Send invitation"))
    summary = page.locator("[data-error-summary]")
    expect(summary).to_be_focused()
    expect(summary.get_by_role("link")).to_have_count(3)
    for label in ("Full name", "E-mail address", "Role"):  # each entry names its field
        expect(summary.get_by_role("link", name=f"{label}: This field is required.")).to_be_visible()

    # Every message comes at once: the address and the missing insurer together.
    page.get_by_label("Full name").fill("Ines Insurer")
    page.get_by_label("E-mail address", exact=True).fill("ines.insurer")
    page.get_by_label("Role").select_option(label="Insurer agent")
    follow(page, page.get_by_role("button", name="Send invitation"))
    expect(summary.get_by_role("link", name="E-mail address: Enter a valid e-mail address")).to_be_visible()
    summary.get_by_role("link", name="Insurer: An insurer agent needs an organisation.").click()
    expect(page.get_by_label("Insurer")).to_be_focused()

    page.get_by_label("E-mail address", exact=True).fill("ines.insurer@northwind.example")
    page.get_by_label("Insurer").select_option(label="Northwind Insurance")
    follow(page, page.get_by_role("button", name="Send invitation"))
    expect(page.get_by_role("status")).to_have_text(
        "Invitation sent to ines.insurer@northwind.example."
    )
    row = page.get_by_role("row").filter(has_text="ines.insurer@northwind.example")
    expect(row).to_contain_text("Insurer agent · Northwind Insurance")
    expect(row).to_contain_text("Pending")
    screenshot(page, "desktop-admin-invitations")

    agent = new_page(viewport={"width": 1280, "height": 800})
    visit(agent, outbox.link_to("ines.insurer@northwind.example"))
    expect(agent.get_by_role("heading", level=1)).to_have_text("Welcome, Ines Insurer")
    expect(agent.get_by_role("main")).to_contain_text("You will act for Northwind Insurance.")
    agent.get_by_label("New password", exact=True).fill("harbour lights at dusk")
    agent.get_by_label("New password again", exact=True).fill("harbour lights at dusk")
    follow(agent, agent.get_by_role("button", name="Join Harbour Mediation"))

    expect(agent).to_have_url(live_server.url("/t/harbour/"))
    expect(agent.get_by_role("heading", level=1)).to_have_text("Hello, Ines Insurer")
    expect(agent.get_by_role("main")).to_contain_text("You act for Northwind Insurance.")
    expect(agent.get_by_role("banner")).to_contain_text("Ines Insurer (Insurer agent)")
    screenshot(agent, "desktop-agent-dashboard")

    # The admin sees the invitation accepted.
    visit(page, "/t/harbour/admin/invitations")
    expect(
        page.get_by_role("row").filter(has_text="ines.insurer@northwind.example")
    ).to_contain_text("Accepted")


def test_demo_customer_joins_through_the_printed_link_without_a_password(page, live_server):
    visit(page, live_server.customer_link)
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome, Chris Customer")
    expect(page.get_by_label("New password")).to_have_count(0)
    follow(page, page.get_by_role("button", name="Continue"))

    # The demo case is in mediation: a customer whose case is open starts in its room.
    expect(page).to_have_url(re.compile(re.escape(live_server.url("/t/harbour/cases/")) + r"[0-9a-f-]{36}/room$"))
    follow(page, page.get_by_role("navigation", name="Main").get_by_role("link", name="Dashboard"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Hello, Chris Customer")
    expect(page.locator("[data-case-stands]")).to_contain_text("is open. Your mediator is Mira Mediator.")
    expect(page.get_by_role("link", name="Go to the case room")).to_be_visible()
    expect(page.get_by_role("heading", name="Your cases")).to_be_visible()

    # The link works once.
    visit(page, live_server.customer_link, status=404)
    expect(page.get_by_role("heading", level=1)).to_have_text("This link does not work any more")


@pytest.mark.parametrize(
    ("email", "pages"),
    [
        (ADMIN, ["/t/harbour/", "/t/harbour/admin/invitations", "/t/harbour/admin/users"]),
        (AGENT, ["/t/harbour/"]),
    ],
    ids=["admin", "agent"],
)
def test_phone_pages_fit_the_screen(new_page, email, pages):
    phone = new_page(**PHONE)
    who = email.split("@")[0]
    visit(phone, "/t/harbour/sign-in")
    assert phone.evaluate("() => window.innerWidth") == PHONE["viewport"]["width"]
    assert horizontal_overflow(phone) == 0
    screenshot(phone, f"phone-{who}-sign-in")

    sign_in(phone, email)
    for path in pages:
        if not phone.url.endswith(path):
            visit(phone, path)
        assert horizontal_overflow(phone) == 0, f"{path} scrolls sideways on a phone"
        screenshot(phone, f"phone-{who}-{path.strip('/').replace('/', '-')}")


def test_keyboard_reaches_the_skip_link_first_then_the_form_in_order(page):
    visit(page, "/t/harbour/sign-in")
    focused = []
    for _ in range(6):
        page.keyboard.press("Tab")
        focused.append(
            page.evaluate(
                "() => { const e = document.activeElement;"
                " return e.id || e.getAttribute('class') || e.tagName.toLowerCase(); }"
            )
        )
    assert focused[0] == "skip-link"
    form_order = [name for name in focused if name in {"email", "password", "button"}]
    assert form_order == ["email", "password", "button"], focused
    first = focused.index("email")
    assert focused[first : first + 3] == ["email", "password", "button"], focused
    screenshot(page, "desktop-sign-in")

    # The skip link moves focus past the header, straight to the form.
    visit(page, "/t/harbour/sign-in")
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to content")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("#main")).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.get_by_label("E-mail address", exact=True)).to_be_focused()
