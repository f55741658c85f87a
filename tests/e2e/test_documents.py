"""Documents in a real browser: the insurer shares a PDF with a progress bar, the customer downloads it,
and a document in the insurer's caucus stays out of the customer's sight."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.browsing import sign_in, visit
from tests.e2e.test_room import AGENT, customer_signs_in, demo_case  # noqa: F401 - the fixture
from tests.storage import samples

pytestmark = pytest.mark.browser


def share(page: Page, name: str, data: bytes, channel: str) -> None:
    """Choose the channel and the file, as a person does with the panel."""
    panel = page.locator("[data-documents]")
    panel.get_by_label("Share with").select_option(label=channel)
    panel.get_by_label("Choose files to share, or drag them here").set_input_files(
        files=[{"name": name, "mimeType": "application/pdf", "buffer": data}])
    upload = panel.locator(".upload", has_text=name)
    expect(upload.get_by_role("progressbar", name=f"Upload progress of {name}")).to_have_attribute("value", "100")
    expect(upload).to_contain_text("Shared")
    expect(panel.locator("[data-documents-list]")).to_contain_text(name)


def test_the_insurer_shares_a_pdf_the_customer_downloads_it_and_a_caucus_document_stays_private(
        new_page, outbox, live_server, demo_case):  # noqa: F811 - the fixture
    case_page = demo_case.removesuffix("/room")
    agent = new_page(viewport={"width": 1280, "height": 900})
    sign_in(agent, AGENT)
    visit(agent, case_page)
    expect(agent.get_by_role("heading", name="Documents")).to_be_visible()
    letter = samples.pdf(3 * 1024 * 1024)
    share(agent, "Final response letter.pdf", letter, "Everyone")
    share(agent, "Reserve note.pdf", samples.pdf(20_000), "Private: mediator and insurer")

    customer = new_page(viewport={"width": 1280, "height": 900})
    customer_signs_in(customer, outbox, live_server)
    visit(customer, case_page)
    documents = customer.locator("[data-documents-list]")
    expect(documents).to_contain_text("Final response letter.pdf")
    expect(documents).to_contain_text("Everyone")
    expect(documents).not_to_contain_text("Reserve note.pdf")
    with customer.expect_download() as download_info:
        documents.get_by_role("link", name="Download Final response letter.pdf").click()
    download = download_info.value
    assert download.suggested_filename == "Final response letter.pdf"
    with open(download.path(), "rb") as saved:
        assert saved.read() == letter

    # The panel refreshes itself when the room reports a shared document.
    share(agent, "Repair quote.pdf", samples.pdf(10_000), "Everyone")
    customer.evaluate("document.dispatchEvent(new CustomEvent('odr:case-event', "
                      "{detail: {kind: 'document.shared'}}))")
    expect(documents).to_contain_text("Repair quote.pdf")
    expect(documents).not_to_contain_text("Reserve note.pdf")


def test_on_a_phone_the_documents_list_is_cards_with_every_action_in_view(new_page, demo_case):  # noqa: F811
    from tests.e2e.browsing import PHONE, horizontal_overflow, screenshot

    agent = new_page(**PHONE)
    sign_in(agent, AGENT)
    visit(agent, demo_case)
    share(agent, "A rather long file name for the roof repair estimate.pdf", samples.pdf(10_000), "Everyone")
    documents = agent.locator("[data-documents-list]")
    row = documents.locator("tr", has_text="A rather long file name")
    expect(row.locator("td").first).to_have_attribute("data-label", "Document")  # labelled for the cards
    download = row.get_by_role("link", name="Download A rather long file name for the roof repair estimate.pdf")
    download.scroll_into_view_if_needed()
    expect(download).to_be_in_viewport(ratio=1)  # wholly: no scrolling sideways inside the list
    box, wrap = download.bounding_box(), documents.locator(".table-wrap").bounding_box()
    assert box["x"] + box["width"] <= wrap["x"] + wrap["width"] + 1  # not cut off at the card's edge
    name = row.locator(".documents__name").bounding_box()
    assert name["width"] <= wrap["width"]
    assert horizontal_overflow(agent) == 0
    screenshot(agent, "documents-phone")
