"""The agreement's pages: the room's panel, the mediator's draft (details, text, send), each party
signing on the page (a password, or the customer's e-mailed code), the sealed PDF's download, the
API's view of it, and the admin's template with its preview; every refusal named on its field."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from odr.mediation.agreements import tenant_template
from odr.mediation.agreements.models import Agreement, AgreementStatus, AgreementTemplate, Signature
from odr.platform.tenancy import set_tenant
from tests import factories
from tests.conftest import post_form, sign_in
from tests.mailbox import emails_to, sign_in_as
from tests.mediation.case_helpers import field_error, html_of, open_case
from tests.mediation.test_agreements import _send, _settle


@pytest.fixture
def world(app, session):
    tenant, people = factories.tenant_with_people(session)
    case = open_case(app, session, people)
    set_tenant(session, tenant.id)
    return tenant, people, case


def _client(app, session, tenant, user):
    client = app.test_client()
    sign_in_as(client, session, tenant, user)
    return client


def _page(tenant, case) -> str:
    return f"/t/{tenant.slug}/cases/{case.public_id}/agreement"


def _signatures(session) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(Signature)) or 0


def test_the_room_shows_the_agreement_and_the_way_to_it(app, session, world):
    tenant, people, case = world
    _settle(app, session, people, case)
    room = f"/t/{tenant.slug}/cases/{case.public_id}/room"
    mediator = _client(app, session, tenant, people["mediator"])
    html = html_of(mediator.get(room))
    assert "Settlement agreement" in html and "Review the draft and send it" in html
    customer = _client(app, session, tenant, people["customer"])
    html = html_of(customer.get(room))
    assert "Being prepared by the mediator" in html and "Read the agreement" in html
    assert "Review the draft" not in html
    page = html_of(customer.get(_page(tenant, case)))
    assert "This is a draft." in page and "Prepare the agreement" not in page and "Sign the agreement" not in page
    staff = _client(app, session, tenant, people["case_manager"])
    assert "Settlement agreement" in html_of(staff.get(f"/t/{tenant.slug}/cases/{case.public_id}"))


def test_the_mediator_fills_in_the_details_and_sends_it_from_the_page(app, session, world):
    tenant, people, case = world
    agreement = _settle(app, session, people, case)
    path = _page(tenant, case)
    mediator = _client(app, session, tenant, people["mediator"])
    assert "Still to fill in before it can be sent: how the insurer pays" in html_of(mediator.get(path))
    refused = post_form(mediator, f"{path}/send", {}, from_path=path)
    assert refused.status_code == 400
    assert "Fill in what is still empty before sending" in field_error(html_of(refused), "text")
    bad = post_form(mediator, f"{path}/details", {"payment_method": "", "payment_days": "0"}, from_path=path)
    assert bad.status_code == 400
    html = html_of(bad)
    assert field_error(html, "payment_method") == "Error: This field is required."
    assert "From 1 to 365 days." in field_error(html, "payment_days")
    session.expire_all()
    assert session.get(Agreement, agreement.id).payment_days == 14
    ok = post_form(mediator, f"{path}/details", {"payment_method": "bank transfer", "payment_days": "21"},
                   from_path=path)
    assert ok.status_code == 303
    session.expire_all()
    assert "within 21 days" in session.get(Agreement, agreement.id).text
    edited = session.get(Agreement, agreement.id).text + "\nThe insurer also apologises in writing."
    assert post_form(mediator, f"{path}/text", {"text": edited}, from_path=path).status_code == 303
    assert post_form(mediator, f"{path}/text", {"text": "  "}, from_path=path).status_code == 400
    assert post_form(mediator, f"{path}/send", {}, from_path=path).status_code == 303
    session.expire_all()
    sent = session.get(Agreement, agreement.id)
    assert sent.status is AgreementStatus.SENT and "apologises in writing" in sent.text
    customer = _client(app, session, tenant, people["customer"])
    assert post_form(customer, f"{path}/send", {}, from_path=path).status_code == 403
    assert post_form(customer, f"{path}/reopen", {}, from_path=path).status_code == 403


def test_each_party_signs_on_the_page_and_the_last_signature_seals_it(app, session, world):
    tenant, people, case = world
    agreement = _send(app, session, people, _settle(app, session, people, case))
    path = _page(tenant, case)
    sign = {"agree": "true", "consent": "true", "text_sha256": agreement.text_sha256}

    agent = _client(app, session, tenant, people["insurer_agent"])
    page = html_of(agent.get(path))
    assert "Consent to electronic records" in page and 'name="password"' in page
    wrong = post_form(agent, f"{path}/sign", {**sign, "full_name": people["insurer_agent"].full_name,
                                              "password": "not it"}, from_path=path)
    assert wrong.status_code == 400
    assert field_error(html_of(wrong), "password") == "Error: That password is not right."
    assert "not it" not in html_of(wrong)  # never drawn back
    assert _signatures(session) == 0
    named = post_form(agent, f"{path}/sign", {**sign, "full_name": "Somebody Else", "password": factories.PASSWORD},
                      from_path=path)
    assert named.status_code == 400 and "Type your full name as we have it" in field_error(html_of(named), "full_name")
    signed = post_form(agent, f"{path}/sign", {**sign, "full_name": people["insurer_agent"].full_name,
                                               "password": factories.PASSWORD}, from_path=path)
    assert signed.status_code == 303
    assert _signatures(session) == 1
    again = post_form(agent, f"{path}/sign", {**sign, "full_name": people["insurer_agent"].full_name,
                                              "password": factories.PASSWORD}, from_path=path)
    assert again.status_code == 409

    customer = _client(app, session, tenant, people["customer"])
    page = html_of(customer.get(path))
    assert "Send me a code" in page and 'name="code"' in page and 'name="password"' not in page
    assert post_form(customer, f"{path}/code", {}, from_path=path).status_code == 303
    mail = emails_to(session, people["customer"].email, "code")[-1]
    code = re.search(r"\b(\d{3} \d{3})\b", mail.body_text).group(1)
    bad = post_form(customer, f"{path}/sign", {**sign, "full_name": people["customer"].full_name, "code": "000 000"
                                               if code != "000 000" else "111 111"}, from_path=path)
    assert bad.status_code == 400 and "That code is not right" in field_error(html_of(bad), "code")
    ok = post_form(customer, f"{path}/sign", {**sign, "full_name": people["customer"].full_name, "code": code},
                   from_path=path)
    assert ok.status_code == 303

    mediator = _client(app, session, tenant, people["mediator"])
    last = post_form(mediator, f"{path}/sign", {**sign, "full_name": people["mediator"].full_name,
                                                "password": factories.PASSWORD}, from_path=path)
    assert last.status_code == 303
    html = html_of(mediator.get(last.headers["Location"]))
    assert "Everyone has signed now" in html and "Download the signed PDF" in html
    session.expire_all()
    sealed = session.get(Agreement, agreement.id)
    assert sealed.status is AgreementStatus.SEALED
    download = re.search(r'href="([^"]+/download)"', html).group(1)
    response = customer.get(download)
    assert response.status_code in (200, 302, 303)

    api = customer.get(f"/api/v1/t/{tenant.slug}/cases/{case.public_id}/agreement")
    assert api.status_code == 200
    body = api.get_json()
    assert body["status"] == "sealed" and body["pdf_sha256"] == sealed.pdf_sha256
    assert [s["role"] for s in body["signatures"]] == ["customer", "insurer", "mediator"]
    assert body["pdf_url"].endswith("/download")
    assert "127.0.0.1" not in api.get_data(as_text=True)


def test_the_api_says_when_a_case_has_no_agreement(app, session, world):
    tenant, people, case = world
    agent = _client(app, session, tenant, people["insurer_agent"])
    response = agent.get(f"/api/v1/t/{tenant.slug}/cases/{case.public_id}/agreement")
    assert response.status_code == 404
    assert response.get_json()["error"]["message"] == "This case has no settlement agreement yet."


def test_another_tenant_cannot_see_the_agreement(app, session, world):
    tenant, people, case = world
    _settle(app, session, people, case)
    other, others = factories.tenant_with_people(session)
    session.commit()
    stranger = app.test_client()
    sign_in(stranger, other, others["case_manager"])
    assert stranger.get(f"/t/{other.slug}/cases/{case.public_id}/agreement").status_code == 404
    foreign = stranger.get(f"/t/{tenant.slug}/cases/{case.public_id}/agreement")
    assert foreign.status_code == 302 and "/sign-in" in foreign.headers["Location"]  # not signed in there


def test_the_admin_edits_the_template_with_a_preview_and_new_agreements_use_it(app, session, world):
    tenant, people, case = world
    path = f"/t/{tenant.slug}/admin/agreement-template/en"
    admin = _client(app, session, tenant, people["admin"])
    assert "Settlement agreement" in html_of(admin.get(f"/t/{tenant.slug}/admin"))
    page = html_of(admin.get(path))
    assert "{{ case_reference }}" in page and "{{ payment_method }}" in page
    bad = post_form(admin, path, {"body": "## Our deal\n\n{{ secret_key }} {{ config.items() }}", "action": "save"},
                    from_path=path)
    assert bad.status_code == 400
    error = field_error(html_of(bad), "body")
    assert "{{ secret_key }} is not a placeholder" in error and "may stand between" in error
    assert session.scalar(select(func.count()).select_from(AgreementTemplate)) == 0
    body = "## Our settlement\n\n{{ customer_name }} gets {{ amount }} by {{ payment_method }}."
    preview = post_form(admin, path, {"body": body, "action": "preview"}, from_path=path)
    assert preview.status_code == 200 and "Alex Example gets £3,000.00 by bank transfer." in html_of(preview)
    assert post_form(admin, path, {"body": body, "action": "save"}, from_path=path).status_code == 303
    agreement = _settle(app, session, people, case)
    assert agreement.text.startswith("## Our settlement")
    assert f"{case.customer_name} gets £3,000.00 by ⟦payment_method⟧." in agreement.text
    mediator = _client(app, session, tenant, people["mediator"])
    assert mediator.get(path).status_code == 403
    assert post_form(admin, f"{path}/reset", {}, from_path=path).status_code == 303
    assert tenant_template.template_source(session, tenant, "en").startswith("## Settlement agreement")
