"""Blind bidding in two browsers: the customer on a phone, reading German, and the insurer on a desktop
both opt in under the rule shown with its worked example; their figures stay with them, and the round
that falls within the rule settles at the midpoint (10,400 asked, 8,200 offered: 9,300) and drafts the agreement."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.browsing import PHONE, check, follow, horizontal_overflow, screenshot, sign_in, visit
from tests.e2e.test_room import AGENT, customer_signs_in, demo_case  # noqa: F401 - the fixture

pytestmark = pytest.mark.browser


def _confirming(page: Page) -> None:
    page.on("dialog", lambda dialog: dialog.accept())


def test_both_opt_in_and_a_round_within_the_rule_settles_at_the_midpoint(new_page, outbox, live_server,
                                                                          demo_case):  # noqa: F811
    agent = new_page(viewport={"width": 1280, "height": 900})
    _confirming(agent)
    sign_in(agent, AGENT)
    visit(agent, demo_case)
    panel = agent.locator("#bidding")
    expect(panel).to_contain_text("10,000")  # the worked example, before anyone opts in
    follow(agent, panel.get_by_role("button", name="Opt in to blind bidding"))

    customer = new_page(**PHONE)
    _confirming(customer)
    customer_signs_in(customer, outbox, live_server)
    visit(customer, demo_case)
    with customer.expect_event("load"):
        customer.get_by_label("Language").select_option("de")  # as a reader of German does, at the foot
    check(customer)
    panel = customer.locator("#bidding")
    expect(panel).to_contain_text("Verdecktes Bieten")
    expect(panel).to_contain_text("So funktioniert es")
    expect(panel).to_contain_text("9.000,00")  # the example's midpoint, written the German way
    follow(customer, panel.get_by_role("button", name="Dem verdeckten Bieten zustimmen"))
    panel = customer.locator("#bidding")
    panel.get_by_label("Das Mindeste, das Sie annehmen würden").fill("10400")
    follow(customer, panel.get_by_role("button", name="Meinen Betrag nennen"))
    expect(customer.locator("#bidding")).to_contain_text("Ihr Betrag für diese Runde ist eingegangen")
    assert horizontal_overflow(customer) == 0
    screenshot(customer, "blind-bidding-phone-de")

    visit(agent, demo_case)
    panel = agent.locator("#bidding")
    expect(panel).not_to_contain_text("10,400")  # the customer's figure is not the insurer's to see
    panel.get_by_label("The most you would pay").fill("8200")
    follow(agent, panel.get_by_role("button", name="Put in my figure"))
    expect(agent.locator("#bidding")).to_contain_text("Settled in round 1 at £9,300.00")
    expect(agent.locator("#agreement")).to_contain_text("£9,300.00")

    visit(customer, demo_case)
    expect(customer.locator("#bidding")).to_contain_text("9.300,00")
    expect(customer.locator("#bidding")).not_to_contain_text("8.200")
    expect(customer.locator("#agreement")).to_contain_text("Vergleichsvereinbarung")
    with customer.expect_event("load"):  # the shared customer of these tests reads English again
        customer.get_by_label("Sprache").select_option("en")
    check(customer)
