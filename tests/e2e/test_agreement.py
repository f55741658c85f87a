"""A mediation that ends well, in three browsers: the insurer offers, the customer (on a phone) counters,
the insurer accepts; the mediator completes the drafted agreement and sends it; the insurer signs with
a password, the customer with the code e-mailed to them, the mediator last; the sealed PDF downloads,
names everyone and its seal is valid."""

from __future__ import annotations

import re
import subprocess
from io import BytesIO

import pytest
from playwright.sync_api import Page, expect
from pypdf import PdfReader

from odr.app.demo import PASSWORD
from tests.e2e.browsing import PHONE, follow, horizontal_overflow, screenshot, sign_in, visit
from tests.e2e.test_room import AGENT, CUSTOMER, CUSTOMER_NAME, MEDIATOR, customer_signs_in, demo_case  # noqa: F401

pytestmark = pytest.mark.browser


def _confirming(page: Page) -> None:
    page.on("dialog", lambda dialog: dialog.accept())


def _sign(page: Page, name: str, *, password: str | None = None, code: str | None = None) -> None:
    form = page.locator(".sign-form")
    consent = form.get_by_label("I agree to sign and receive records electronically")
    if consent.count():
        consent.check()
    form.get_by_label("Your full name").fill(name)
    form.get_by_label("I have read this settlement agreement and agree to be bound by it").check()
    if password is not None:
        form.get_by_label("Your password").fill(password)
    if code is not None:
        form.get_by_label("The code from the e-mail").fill(code)
    follow(page, form.get_by_role("button", name="Sign the agreement"))


def test_offer_counter_accept_sign_three_times_and_the_sealed_pdf(new_page, outbox, live_server, demo_case,  # noqa: F811
                                                                  tmp_path):
    agreement_page = demo_case.removesuffix("/room") + "/agreement"
    agent = new_page(viewport={"width": 1280, "height": 900})
    _confirming(agent)
    sign_in(agent, AGENT)
    visit(agent, demo_case)
    offers = agent.locator("#offers")
    offers.get_by_label("Amount").fill("2000")
    offers.get_by_label("An apology").check()
    follow(agent, offers.get_by_role("button", name="Make the offer"))
    expect(agent.locator("#offers")).to_contain_text("£2,000.00")

    customer = new_page(**PHONE)
    _confirming(customer)
    customer_signs_in(customer, outbox, live_server)
    visit(customer, demo_case)
    offers = customer.locator("#offers")
    expect(offers).to_contain_text("It answers the other side's offer of £2,000.00")
    offers.get_by_label("Amount").fill("2600")
    follow(customer, offers.get_by_role("button", name="Make the counter-offer"))
    expect(customer.locator("#offers")).to_contain_text("£2,600.00")

    visit(agent, demo_case)
    follow(agent, agent.locator("#offers").get_by_role("button", name="Accept £2,600.00"))
    expect(agent.locator("#agreement")).to_contain_text("Being prepared by the mediator")

    mediator = new_page(viewport={"width": 1280, "height": 900})
    _confirming(mediator)
    sign_in(mediator, MEDIATOR)
    visit(mediator, demo_case)
    follow(mediator, mediator.get_by_role("link", name="Review the draft and send it"))
    expect(mediator.locator(".agreement-body")).to_contain_text("⟦payment_method⟧")
    follow(mediator, mediator.get_by_role("button", name="Send it to sign"))
    summary = mediator.locator("[data-error-summary]")
    expect(summary).to_contain_text("Fill in what is still empty before sending")
    mediator.get_by_label("How the insurer pays").fill("bank transfer to the account the customer gives")
    follow(mediator, mediator.get_by_role("button", name="Save the details"))
    expect(mediator.locator(".agreement-body")).to_contain_text("by bank transfer to the account the customer gives")
    follow(mediator, mediator.get_by_role("button", name="Send it to sign"))
    expect(mediator.locator("main")).to_contain_text("Out for signature")

    visit(agent, agreement_page)
    _sign(agent, "Nils Northwind", password="wrong password")
    expect(agent.locator("#password-error")).to_contain_text("That password is not right.")
    _sign(agent, "Nils Northwind", password=PASSWORD)
    expect(agent.locator("main")).to_contain_text("You signed.")

    visit(customer, agreement_page)
    follow(customer, customer.get_by_role("button", name="Send me a code"))
    mail = outbox.messages_to(CUSTOMER)[0]
    assert "code" in mail.subject
    code = re.search(r"\b(\d{3} \d{3})\b", mail.body_text).group(1)
    _sign(customer, CUSTOMER_NAME, code=code)
    expect(customer.locator("main")).to_contain_text("You signed.")
    assert horizontal_overflow(customer) == 0
    screenshot(customer, "agreement-phone")

    visit(mediator, agreement_page)
    _sign(mediator, "Mira Mediator", password=PASSWORD)
    expect(mediator.locator("main")).to_contain_text("Everyone has signed now")
    with mediator.expect_download() as download_info:
        mediator.get_by_role("link", name="Download the signed PDF").click()
    pdf_path = download_info.value.path()
    with open(pdf_path, "rb") as handle:
        pdf = handle.read()
    text = " ".join(" ".join(page.extract_text() for page in PdfReader(BytesIO(pdf)).pages).split())
    assert "£2,600.00" in text and CUSTOMER_NAME in text and "Nils Northwind" in text and "Mira Mediator" in text
    verdict = subprocess.run(["pdfsig", str(pdf_path)], capture_output=True, text=True, check=False).stdout
    assert "Signature is Valid." in verdict and "Total document signed" in verdict

    visit(customer, demo_case)
    expect(customer.locator("#agreement")).to_contain_text("Signed by everyone and sealed")
    expect(customer.locator("[data-documents-list]")).to_contain_text(".pdf")
