"""The referral form's refusals: every message at once, each naming and linking its field, and the
amount in dispute."""

from __future__ import annotations

import re

from sqlalchemy import select

from odr.mediation.core.models import Case
from tests.conftest import sign_in
from tests.mediation.case_helpers import as_form, counts, field_error, html_of, post_page, referral
from tests.pages import error_summary

REQUIRED = ("customer_name", "customer_email", "policy_number", "product_line", "complaint_category",
            "complaint_date", "complaint_summary", "amount", "currency", "desired_outcome")


def test_an_empty_referral_names_and_links_every_field_in_the_summary(client, session, tenant, scoped):
    sign_in(client, tenant, scoped["case_manager"])
    before = counts(session)
    response = post_page(client, tenant, "/cases/new", {"customer_language": "", "service": ""})
    assert response.status_code == 400
    html = html_of(response)
    entries = error_summary(html)
    targets = [target for target, _text in entries]
    for field in (*REQUIRED, "organisation_id"):  # the insurer too, in the same pass
        assert field in targets, (field, entries)
    texts = dict(entries)
    assert texts["policy_number"] == "Policy number: This field is required."
    assert texts["amount"] == "Amount in dispute: This field is required."
    assert texts["organisation_id"] == "Insurer: Choose the insurer."
    assert all(target is not None and ": " in text for target, text in entries), entries
    assert len(set(texts.values())) == len(entries)  # no two entries read the same
    assert re.search(r'<div class="error-summary" role="alert" tabindex="-1" aria-labelledby="error-summary-title"',
                     html)
    for field in REQUIRED:  # each field shows its own message and points to it
        assert field_error(html, field)
        assert re.search(rf'id="{field}"[^>]*aria-describedby="[^"]*{field}-error"', html, re.S), field
    assert counts(session) == before


def test_field_and_cross_field_messages_come_together(client, session, tenant, scoped):
    sign_in(client, tenant, scoped["insurer_agent"])
    form = as_form(referral(policy_number="", amount="10.001", currency="GBP",
                            final_response_date=None, complaint_date="2020-01-01"))
    form["final_response_date"] = "2019-06-01"  # before the complaint
    response = post_page(client, tenant, "/cases/new", form)
    assert response.status_code == 400
    html = html_of(response)
    assert field_error(html, "policy_number") == "Error: This field is required."
    assert field_error(html, "amount") == "Error: GBP has 2 decimal places."
    assert field_error(html, "final_response_date") == "Error: The final response cannot come before the complaint."


def test_an_amount_of_nothing_needs_the_customer_to_want_something_else(client, session, tenant, scoped):
    sign_in(client, tenant, scoped["insurer_agent"])
    response = post_page(client, tenant, "/cases/new", as_form(referral(amount="0")))
    assert response.status_code == 400
    message = field_error(html_of(response), "amount")
    assert message and "Enter 0 only when the customer wants something other than money" in message
    assert "No money is sought" in message
    assert session.scalars(select(Case)).all() == []

    response = post_page(client, tenant, "/cases/new", as_form(referral(amount="120"), no_money_sought="1"))
    assert response.status_code == 400
    assert field_error(html_of(response), "amount") == (
        "Error: You ticked “No money is sought”: enter 0, or untick it.")

    response = post_page(client, tenant, "/cases/new",
                         as_form(referral(amount="0", desired_outcome="A written apology."), no_money_sought="1"))
    assert response.status_code == 303
    case = session.scalars(select(Case)).one()
    assert case.amount_minor == 0


def test_the_amount_hint_does_not_say_where_the_currency_sits(client, tenant, scoped):
    sign_in(client, tenant, scoped["insurer_agent"])
    html = html_of(client.get(f"/t/{tenant.slug}/cases/new"))
    hint = re.search(r'id="amount-hint">(.*?)</p>', html, re.S).group(1)
    assert "below" not in hint and "beside" not in hint
    assert "Currency" in hint
    assert re.search(r'<input id="currency"[^>]*maxlength="3"', html, re.S)
    assert re.search(r'<input id="amount"[^>]*inputmode="decimal"', html, re.S)
