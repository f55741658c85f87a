"""A referral in a real browser: the insurer refers, the case manager screens and opens it, the customer joins."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.browsing import PHONE, follow, horizontal_overflow, screenshot, sign_in, visit
from tests.mediation.case_helpers import days_ago

pytestmark = pytest.mark.browser

AGENT = "agent@northwind.example"
CASE_MANAGER = "cases@harbour.example"
CUSTOMER = "dana.driver@example.com"


def _refer_a_late_case(page: Page, *, check_width: bool = False) -> str:
    """Fill in the referral form as the insurer agent; the final response is 8 months old."""
    follow(page, page.get_by_role("navigation", name="Main").get_by_role("link", name="Refer a case"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Refer a case")
    if check_width:
        assert horizontal_overflow(page) == 0, "the referral form scrolls sideways on a phone"
        screenshot(page, "phone-agent-referral-form")

    # Sent empty, the form comes back with a summary of what to fix, focused for screen readers.
    follow(page, page.get_by_role("button", name="Refer the case"))
    summary = page.locator("[data-error-summary]")
    expect(summary).to_be_focused()
    # Each entry names its field and leads to it.
    summary.get_by_role("link", name="Policy number: This field is required.").click()
    expect(page.get_by_label("Policy number")).to_be_focused()

    page.get_by_label("Full name").fill("Dana Driver")
    page.get_by_label("E-mail address", exact=True).fill(CUSTOMER)
    page.get_by_label("Policy number").fill("NW-MOTOR-5521")
    page.get_by_label("Product line").select_option(label="Motor")
    page.get_by_label("What the complaint is about").select_option(label="Claim declined")
    page.get_by_label("Date the complaint was first made").fill(days_ago(300))
    page.get_by_label("Summary of the complaint").fill("The theft claim was declined: the car was unlocked.")
    page.get_by_label("Amount in dispute").fill("8300")
    page.get_by_label("Currency").fill("GBP")
    page.get_by_label("What the customer wants").fill("The claim paid in full.")
    page.get_by_label("Who handled it (step 1)").select_option(label="Frontline")
    page.get_by_label("Date (step 1)").fill(days_ago(295))
    page.get_by_label("What was decided (step 1)").fill("Declined")
    page.get_by_label("Date of the final response").fill(days_ago(245))
    page.get_by_label("Summary of the final response").fill("Decline upheld after internal review.")
    follow(page, page.get_by_role("button", name="Refer the case"))

    status = page.get_by_role("status")
    expect(status).to_contain_text("The case is referred as")
    reference = re.search(r"[A-Z]+-\d{4}-\d{6}", status.inner_text())
    assert reference, status.inner_text()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Case {reference[0]}")
    expect(page.get_by_role("main")).to_contain_text("£8,300.00")
    screenshot(page, "desktop-agent-referred-case")
    return reference[0]


def test_a_referral_is_screened_opened_assigned_and_joined_by_the_customer(new_page, outbox, live_server):
    agent = new_page(viewport={"width": 1280, "height": 800})
    sign_in(agent, AGENT)
    reference = _refer_a_late_case(agent)

    manager = new_page(viewport={"width": 1280, "height": 800})
    sign_in(manager, CASE_MANAGER)
    expect(manager.get_by_role("heading", name="Referrals waiting for screening")).to_be_visible()
    follow(manager, manager.get_by_role("link", name=reference))
    follow(manager, manager.get_by_role("link", name="Screen this referral"))
    expect(manager.get_by_role("heading", level=1)).to_have_text(f"Screening of case {reference}")
    failed = manager.locator(".rule--failed")
    expect(failed).to_have_count(1)
    expect(failed).to_contain_text("Referred in time after the final response")
    expect(failed).to_contain_text("more than 6 months after the final response")

    follow(manager, manager.get_by_role("button", name="Start screening"))
    follow(manager, manager.get_by_role("button", name="Override this rule"))  # without a reason
    expect(manager.locator("[data-error-summary]")).to_be_focused()
    # The address bar shows the screening page, not the address the form posted to: reloading or
    # bookmarking it opens the page.
    expect(manager).to_have_url(re.compile(r"/t/harbour/cases/[0-9a-f-]{36}/screening$"))
    manager.get_by_label("Why override this rule?").fill("The customer was abroad in hospital for five months.")
    follow(manager, manager.get_by_role("button", name="Override this rule"))
    expect(manager.locator(".rule--failed")).to_have_count(0)
    expect(manager.get_by_role("main")).to_contain_text("Overridden: The customer was abroad in hospital")
    screenshot(manager, "desktop-case-manager-screening")

    follow(manager, manager.get_by_role("button", name="Accept and open the case"))
    expect(manager.get_by_role("status")).to_contain_text(f"Case {reference} is open")
    mediator = manager.get_by_label("Mediator")
    expect(mediator.locator("option:checked")).to_contain_text("Mira Mediator")
    expect(mediator.locator("option:checked")).to_contain_text("suggested")
    follow(manager, manager.get_by_role("button", name="Assign the mediator"))
    expect(manager.get_by_role("status")).to_contain_text("Mira Mediator is the mediator of case")
    expect(manager.get_by_role("main")).to_contain_text("days left")
    screenshot(manager, "desktop-case-manager-case")

    invitation = outbox.messages_to(CUSTOMER)[0]
    assert reference in invitation.subject and "open" in invitation.subject
    customer = new_page(viewport={"width": 1280, "height": 800})
    visit(customer, outbox.link_to(CUSTOMER))
    expect(customer.get_by_role("heading", level=1)).to_have_text("Welcome, Dana Driver")
    follow(customer, customer.get_by_role("button", name="Continue"))
    expect(customer).to_have_url(re.compile(re.escape(live_server.url("/t/harbour/cases/")) + r"[0-9a-f-]{36}$"))
    expect(customer.get_by_role("heading", level=1)).to_have_text(f"Case {reference}")
    main = customer.get_by_role("main")
    expect(main).to_contain_text("In mediation")
    expect(main).to_contain_text("Mira Mediator")
    expect(main).not_to_contain_text("The customer was abroad in hospital")  # a staff note
    screenshot(customer, "desktop-customer-case")


def test_an_agent_refers_on_a_phone_and_nothing_scrolls_sideways(new_page):
    phone = new_page(**PHONE)
    sign_in(phone, AGENT)
    reference = _refer_a_late_case(phone, check_width=True)
    assert horizontal_overflow(phone) == 0, "the case page scrolls sideways on a phone"
    screenshot(phone, "phone-agent-case")
    visit(phone, "/t/harbour/cases")
    expect(phone.get_by_role("link", name=reference)).to_be_visible()
    assert horizontal_overflow(phone) == 0, "the case list scrolls sideways on a phone"
    screenshot(phone, "phone-agent-cases")
