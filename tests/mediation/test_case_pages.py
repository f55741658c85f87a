"""The cases' pages before a case opens: the referral form and screening."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from odr.mediation.cases import services
from odr.mediation.core.models import Case, EscalationStep
from odr.mediation.core.states import CaseState
from odr.platform.mail import OutboxEmail
from odr.tenants.models import Organisation, Role
from tests import factories
from tests.conftest import sign_in
from tests.mailbox import last_link, sign_in_as
from tests.mediation.case_helpers import (
    accept,
    as_form,
    counts,
    days_ago,
    field_error,
    html_of,
    late,
    post_page,
    refer,
    referral,
    switch_to,
)

# The referral form ------------------------------------------------------------------------------------


def test_the_referral_form_offers_every_field_with_a_fresh_idempotency_key(client, tenant, scoped):
    sign_in(client, tenant, scoped["insurer_agent"])
    first = html_of(client.get(f"/t/{tenant.slug}/cases/new"))
    second = html_of(client.get(f"/t/{tenant.slug}/cases/new"))
    for name in ("customer_name", "customer_email", "customer_phone", "customer_language", "customer_needs",
                 "policy_number", "product_line", "complaint_category", "complaint_summary", "complaint_date",
                 "amount", "currency", "desired_outcome", "service", "final_response_date",
                 "final_response_summary", "no_final_response_reason", "escalation_steps.0.level",
                 "escalation_steps.2.step_date", "escalation_steps.2.outcome"):
        assert f'name="{name}"' in first, name
        assert f'<label for="{name}">' in first, name
    assert 'name="organisation_id"' not in first  # an agent refers for their own insurer
    keys = [re.search(r'name="idempotency_key" id="idempotency_key" value="(\w+)"', html)[1]
            for html in (first, second)]
    assert keys[0] != keys[1]
    assert 'name="csrf_token"' in first


def test_an_agent_refers_a_case_and_lands_on_it_with_its_reference(client, session, tenant, scoped):
    sign_in(client, tenant, scoped["insurer_agent"])
    response = post_page(client, tenant, "/cases/new", as_form(referral()))
    assert response.status_code == 303
    case = session.scalars(select(Case)).one()
    assert response.headers["Location"] == f"/t/{tenant.slug}/cases/{case.public_id}"
    assert case.amount_minor == 425000 and case.currency == "GBP"
    assert case.organisation.name == "Northwind Insurance"
    steps = session.scalars(select(EscalationStep).order_by(EscalationStep.step_date)).all()
    assert [s.level.value for s in steps] == ["frontline", "internal_review"]  # the blank row is ignored
    page = html_of(client.get(response.headers["Location"]))
    assert f"The case is referred as {case.reference}" in page
    assert "£4,250.00" in page


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"final_response_date": days_ago(200)}, "final_response_date"),  # before the complaint
        ({"complaint_date": days_ago(-30)}, "complaint_date"),  # in the future
        ({"amount": "-5"}, "amount"),
        ({"amount": "99999999999999"}, "amount"),
        ({"currency": "XYZ"}, "currency"),
        ({"customer_email": "not-an-email"}, "customer_email"),
        ({"amount": "12.345"}, "amount"),
    ],
    ids=["response-before-complaint", "future-date", "negative", "absurd", "currency", "email", "decimals"],
)
def test_bad_input_comes_back_with_the_message_by_the_field_and_nothing_stored(
    client, session, tenant, scoped, change, field
):
    sign_in(client, tenant, scoped["insurer_agent"])
    before = counts(session)
    form = as_form(referral(**change))
    response = post_page(client, tenant, "/cases/new", form)
    assert response.status_code == 400
    html = html_of(response)
    assert field_error(html, field), (field, html[html.index("<main"):][:3000])
    assert f'href="#{field}"' in html  # the error summary links to the field
    assert 'aria-invalid="true"' in html
    assert f'value="{form["idempotency_key"]}"' in html  # the same key, so a resubmission still makes one case
    assert f'value="{form["customer_name"]}"' in html  # what was typed is kept
    assert counts(session) == before


def test_a_step_error_is_shown_on_the_row_it_came_from(client, session, tenant, scoped):
    sign_in(client, tenant, scoped["insurer_agent"])
    form = as_form(referral(escalation_steps=[]))
    form["escalation_steps.1.level"] = "team_leader"  # row 0 blank, row 1 half filled
    form["escalation_steps.1.step_date"] = days_ago(400)  # before the complaint, and no outcome
    response = post_page(client, tenant, "/cases/new", form)
    assert response.status_code == 400
    assert field_error(html_of(response), "escalation_steps.1.outcome") == "Error: This field is required."
    assert counts(session)[0] == 0


def test_a_double_submit_makes_one_case(client, session, tenant, scoped):
    sign_in(client, tenant, scoped["insurer_agent"])
    form = as_form(referral())
    first = post_page(client, tenant, "/cases/new", form)
    again = post_page(client, tenant, "/cases/new", form)
    assert first.status_code == again.status_code == 303
    assert first.headers["Location"] == again.headers["Location"]
    assert len(session.scalars(select(Case)).all()) == 1
    assert "was already received as case" in html_of(client.get(again.headers["Location"]))


def test_a_race_on_one_idempotency_key_returns_the_first_case(client, session, tenant, scoped, monkeypatch):
    sign_in(client, tenant, scoped["insurer_agent"])
    real = services.refer
    calls = []

    def refer_losing_the_race(session, actor, data, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise IntegrityError("INSERT INTO cases", {}, Exception("unique key"))
        return real(session, actor, data, **kwargs)

    monkeypatch.setattr(services, "refer", refer_losing_the_race)
    response = post_page(client, tenant, "/cases/new", as_form(referral()))
    assert response.status_code == 303 and len(calls) == 2
    assert len(session.scalars(select(Case)).all()) == 1


def test_a_likely_duplicate_is_referred_and_flagged(app, client, session, tenant, scoped):
    agent = scoped["insurer_agent"]
    earlier = refer(app, session, agent, policy_number="NW-1", complaint_date=days_ago(120))
    sign_in(client, tenant, agent)
    response = post_page(client, tenant, "/cases/new", as_form(referral(policy_number="NW-1",
                                                                      complaint_date=days_ago(120))))
    assert response.status_code == 303
    page = html_of(client.get(response.headers["Location"]))
    assert f"It may repeat case {earlier.reference}" in page


def test_a_case_manager_refers_for_an_insurer_they_choose(client, session, tenant, scoped):
    sign_in(client, tenant, scoped["case_manager"])
    assert 'name="organisation_id"' in html_of(client.get(f"/t/{tenant.slug}/cases/new"))
    missing = post_page(client, tenant, "/cases/new", as_form(referral()))
    assert missing.status_code == 400
    assert field_error(html_of(missing), "organisation_id") == "Error: Choose the insurer."
    insurer = session.scalars(select(Organisation)).one()
    chosen = post_page(client, tenant, "/cases/new", as_form(referral(), organisation_id=str(insurer.public_id)))
    assert chosen.status_code == 303
    assert session.scalars(select(Case)).one().organisation_id == insurer.id


@pytest.mark.parametrize("role", [Role.MEDIATOR, Role.CUSTOMER])
def test_only_insurers_and_staff_may_refer(client, session, tenant, scoped, role):
    sign_in_as(client, session, tenant, scoped[role.value])
    assert client.get(f"/t/{tenant.slug}/cases/new").status_code == 403
    assert post_page(client, tenant, "/cases/new", as_form(referral())).status_code == 403
    assert counts(session)[0] == 0


# Screening --------------------------------------------------------------------------------------------


def test_screening_shows_the_failed_rule_then_override_accept_and_assign(app, client, session, tenant, scoped):
    manager, mediator = scoped["case_manager"], scoped["mediator"]
    case = refer(app, session, scoped["insurer_agent"], **late())
    sign_in(client, tenant, manager)
    base = f"/cases/{case.public_id}"

    html = html_of(client.get(f"/t/{tenant.slug}{base}/screening"))
    assert html.count(">Met<") == 3 and html.count(">Not met<") == 1
    assert "more than 6 months after the final response" in html
    assert post_page(client, tenant, f"{base}/screening/start").status_code == 303

    refused = post_page(client, tenant, f"{base}/screening/accept")
    assert refused.status_code == 400
    assert "Rules still fail: Referred in time after the final response" in html_of(refused)

    short = post_page(client, tenant, f"{base}/screening/override",
                  {"rule": "referred_in_time", "override-referred_in_time-reason": "no"})
    assert short.status_code == 400
    assert field_error(html_of(short), "override-referred_in_time-reason")
    done = post_page(client, tenant, f"{base}/screening/override",
                 {"rule": "referred_in_time", "override-referred_in_time-reason": "The customer was in hospital."})
    assert done.status_code == 303
    assert "Overridden: The customer was in hospital." in html_of(client.get(f"/t/{tenant.slug}{base}/screening"))

    opened = post_page(client, tenant, f"{base}/screening/accept")
    assert opened.status_code == 303 and opened.headers["Location"].endswith(base)
    page = html_of(client.get(opened.headers["Location"]))
    assert "is open and the customer is invited" in page
    assert f'{mediator.full_name}: 0 open cases (suggested, the least busy)' in page
    assert "90 days left" in page or "89 days left" in page

    assigned = post_page(client, tenant, f"{base}/mediator", {"assign-mediator_id": str(mediator.public_id)})
    assert assigned.status_code == 303
    session.expire_all()
    assert case.state is CaseState.OPEN and case.mediator_id == mediator.id and case.case_manager_id == manager.id
    invitation = [e for e in session.scalars(select(OutboxEmail)) if e.recipient == "chris@example.com"]
    assert any("is open" in e.subject for e in invitation)


def test_a_customer_follows_the_invitation_into_the_case(app, client, session, tenant, scoped):
    case = accept(app, session, scoped["case_manager"], refer(app, session, scoped["insurer_agent"]))
    link = last_link(session, "chris@example.com")
    client.get(link)
    landed = post_page(client, tenant, link.removeprefix(f"/t/{tenant.slug}"))
    assert landed.status_code == 303
    assert landed.headers["Location"] == f"/t/{tenant.slug}/cases/{case.public_id}"
    page = html_of(client.get(landed.headers["Location"]))
    assert f"Case {case.reference}" in page and "In mediation" in page


def test_rejecting_needs_a_reason_that_the_parties_then_see(app, client, session, tenant, scoped):
    case = refer(app, session, scoped["insurer_agent"])
    sign_in(client, tenant, scoped["case_manager"])
    empty = post_page(client, tenant, f"/cases/{case.public_id}/screening/reject", {"reject-reason": ""})
    assert empty.status_code == 400
    assert field_error(html_of(empty), "reject-reason") == "Error: This field is required."
    assert post_page(client, tenant, f"/cases/{case.public_id}/screening/reject",
                 {"reject-reason": "The policy is not one we cover."}).status_code == 303
    session.expire_all()
    assert case.state is CaseState.REJECTED
    switch_to(client, session, tenant, scoped["insurer_agent"])
    assert "The policy is not one we cover." in html_of(client.get(f"/t/{tenant.slug}/cases/{case.public_id}"))


def test_assigning_an_unknown_mediator_is_a_field_error(app, client, session, tenant, scoped):
    case = accept(app, session, scoped["case_manager"], refer(app, session, scoped["insurer_agent"]))
    sign_in(client, tenant, scoped["case_manager"])
    response = post_page(client, tenant, f"/cases/{case.public_id}/mediator", {"assign-mediator_id": "nobody"})
    assert response.status_code == 400
    assert field_error(html_of(response), "assign-mediator_id") == "Error: Choose one of the mediators listed."


def test_assigning_the_mediator_already_assigned_changes_nothing_and_says_so(app, client, session, tenant, scoped):
    from odr.mediation.core.events import CaseEvent
    from odr.tenants.notifications.models import Notification

    mediator = scoped["mediator"]
    case = accept(app, session, scoped["case_manager"], refer(app, session, scoped["insurer_agent"]), mediator)
    events = session.scalar(select(func.count()).select_from(CaseEvent).where(CaseEvent.case_id == case.id))
    told = session.scalar(select(func.count()).select_from(Notification).where(Notification.user_id == mediator.id))
    sign_in(client, tenant, scoped["case_manager"])
    response = post_page(client, tenant, f"/cases/{case.public_id}/mediator",
                         {"assign-mediator_id": str(mediator.public_id)})
    assert response.status_code == 409
    assert f"{mediator.full_name} is already the mediator of this case; nothing was changed." in html_of(response)
    assert session.scalar(select(func.count()).select_from(CaseEvent).where(CaseEvent.case_id == case.id)) == events
    assert session.scalar(select(func.count()).select_from(Notification).where(
        Notification.user_id == mediator.id)) == told


def test_the_least_loaded_mediator_is_suggested(app, client, session, tenant, scoped):
    manager, busy = scoped["case_manager"], scoped["mediator"]
    idle = factories.user(session, tenant, Role.MEDIATOR, full_name="Ida Idle")
    session.commit()
    accept(app, session, manager, refer(app, session, scoped["insurer_agent"]), busy)
    case = accept(app, session, manager, refer(app, session, scoped["insurer_agent"]))
    sign_in(client, tenant, manager)
    html = html_of(client.get(f"/t/{tenant.slug}/cases/{case.public_id}"))
    assert re.search(rf'<option value="{idle.public_id}" selected>Ida Idle: 0 open cases \(suggested', html)
    assert f"{busy.full_name}: 1 open case<" in html
