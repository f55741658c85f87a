"""The policy page in a browser, in German and on a phone: a bad value is named and linked in the summary,
a good one is reviewed with the demo case's deadline that would move, then saved and shown in the record."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.browsing import PHONE, follow, horizontal_overflow, screenshot, sign_in
from tests.e2e.test_room import demo_case  # noqa: F401  (a fixture: an open case of this module's own)
from tests.e2e.test_room_german import SHOWN, in_german
from tests.platform.german_pages import untranslated

pytestmark = pytest.mark.browser

ADMIN = "admin@harbour.example"


def test_an_admin_changes_a_deadline_in_german_on_a_phone_and_moves_the_open_one(new_page, demo_case):  # noqa: F811
    page = new_page(**PHONE)
    sign_in(page, ADMIN)
    in_german(page)
    follow(page, page.get_by_role("navigation", name="Hauptnavigation").get_by_role("link", name="Verwaltung"))
    follow(page, page.get_by_role("link", name="Regeln"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Regeln von")
    assert horizontal_overflow(page) == 0

    tier = page.get_by_label("Mediation (Stufe 2)")
    expect(tier).to_have_value("60")
    tier.fill("-5")
    follow(page, page.get_by_role("button", name="Änderungen prüfen"))
    summary = page.locator("[data-error-summary]")
    expect(summary).to_be_focused()
    link = summary.get_by_role("link", name="Mediation (Stufe 2): Geben Sie einen Wert im erlaubten Bereich ein.")
    link.click()
    expect(tier).to_be_focused()
    expect(tier).to_have_value("-5")
    texts = [" ".join(t.split()) for t in page.evaluate(SHOWN) if t and t.strip()]
    assert untranslated(texts) == set()

    tier.fill("67")
    follow(page, page.get_by_role("button", name="Änderungen prüfen"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Änderungen der Regeln prüfen")
    expect(page.locator("main")).to_contain_text("60 Tage")
    expect(page.locator("main")).to_contain_text("67 Tage")
    expect(page.locator("main")).to_contain_text(
        re.compile(r"\d+ offene Fristen? würden? sich beim Neuberechnen verschieben"))
    assert horizontal_overflow(page) == 0
    texts = [" ".join(t.split()) for t in page.evaluate(SHOWN) if t and t.strip()]
    assert untranslated(texts) == set()
    screenshot(page, "policy-review-de-phone")

    page.get_by_label("Neu berechnen", exact=False).check()
    follow(page, page.get_by_role("button", name="Änderungen speichern"))
    expect(page.locator(".flashes")).to_contain_text("1 Einstellung der Regeln ist geändert.")
    expect(page.locator(".flashes")).to_contain_text(re.compile(r"\d+ offene Fristen? wurden? verschoben\."))
    history = page.locator("#policy-history").locator("xpath=..")
    expect(history).to_contain_text("Mediation (Stufe 2)")
    expect(history).to_contain_text("67 Tage")
    expect(page.get_by_label("Mediation (Stufe 2)")).to_have_value("67")
    assert horizontal_overflow(page) == 0

    # Back to the default, keeping the dates (the choice already made): the other tests' cases see 60 days.
    page.get_by_label("Mediation (Stufe 2)").fill("60")
    follow(page, page.get_by_role("button", name="Änderungen prüfen"))
    follow(page, page.get_by_role("button", name="Änderungen speichern"))
    expect(page.locator(".flashes")).to_contain_text("1 Einstellung der Regeln ist geändert.")
    expect(page.locator("#policy-history").locator("xpath=..")).to_contain_text("Behielten ihre Daten")
