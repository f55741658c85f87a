"""The cases' pages: the referral form, screening, the case page and its actions, and who sees what."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from odr.mediation.cases import services
from odr.mediation.core.events import CAUCUS_CUSTOMER, CAUCUS_INSURER, append_event
from odr.mediation.core.models import Case, EscalationStep, Side
from odr.mediation.core.states import CaseState
from odr.platform.mail import OutboxEmail
from odr.platform.tenancy import set_tenant
from odr.tenants.models import Organisation, Role
from tests import factories
from tests.conftest import sign_in
from tests.mailbox import last_link, sign_in_as
from tests.mediation.case_helpers import (
    as_form,
    counts,
    days_ago,
    form_token,
    late,
    open_case,
    refer,
    referral,
    switch_to,
)


def _post(client, tenant, path, data=None):
    return client.post(f"/t/{tenant.slug}{path}", data={"csrf_token": form_token(client, tenant), **(data or {})})


def _html(response):
    return response.get_data(as_text=True)


def _field_error(html, field):
    """The message shown next to ``field`` (its ``<id>-error`` paragraph), or None."""
    match = re.search(rf'id="{re.escape(field)}-error">(.*?)</p>', html, re.S)
    return re.sub(r"<[^>]+>", "", match.group(1)).strip() if match else None


# The referral form ------------------------------------------------------------------------------------


def test_the_referral_form_offers_every_field_with_a_fresh_idempotency_key(client, tenant, scoped):
    sign_in(client, tenant, scoped["insurer_agent"])
    first = _html(client.get(f"/t/{tenant.slug}/cases/new"))
    second = _html(client.get(f"/t/{tenant.slug}/cases/new"))
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
    response = _post(client, tenant, "/cases/new", as_form(referral()))
    assert response.status_code == 303
    case = session.scalars(select(Case)).one()
    assert response.headers["Location"] == f"/t/{tenant.slug}/cases/{case.public_id}"
    assert case.amount_minor == 425000 and case.currency == "GBP"
    assert case.organisation.name == "Northwind Insurance"
    steps = session.scalars(select(EscalationStep).order_by(EscalationStep.step_date)).all()
    assert [s.level.value for s in steps] == ["frontline", "internal_review"]  # the blank row is ignored
    page = _html(client.get(response.headers["Location"]))
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
    response = _post(client, tenant, "/cases/new", form)
    assert response.status_code == 400
    html = _html(response)
    assert _field_error(html, field), (field, html[html.index("<main"):][:3000])
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
    response = _post(client, tenant, "/cases/new", form)
    assert response.status_code == 400
    assert _field_error(_html(response), "escalation_steps.1.outcome") == "Error: This field is required."
    assert counts(session)[0] == 0


def test_a_double_submit_makes_one_case(client, session, tenant, scoped):
    sign_in(client, tenant, scoped["insurer_agent"])
    form = as_form(referral())
    first = _post(client, tenant, "/cases/new", form)
    again = _post(client, tenant, "/cases/new", form)
    assert first.status_code == again.status_code == 303
    assert first.headers["Location"] == again.headers["Location"]
    assert len(session.scalars(select(Case)).all()) == 1
    assert "was already received as case" in _html(client.get(again.headers["Location"]))


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
    response = _post(client, tenant, "/cases/new", as_form(referral()))
    assert response.status_code == 303 and len(calls) == 2
    assert len(session.scalars(select(Case)).all()) == 1


def test_a_likely_duplicate_is_referred_and_flagged(app, client, session, tenant, scoped):
    agent = scoped["insurer_agent"]
    earlier = refer(app, session, agent, policy_number="NW-1", complaint_date=days_ago(120))
    sign_in(client, tenant, agent)
    response = _post(client, tenant, "/cases/new", as_form(referral(policy_number="NW-1",
                                                                      complaint_date=days_ago(120))))
    assert response.status_code == 303
    page = _html(client.get(response.headers["Location"]))
    assert f"It may repeat case {earlier.reference}" in page


def test_a_case_manager_refers_for_an_insurer_they_choose(client, session, tenant, scoped):
    sign_in(client, tenant, scoped["case_manager"])
    assert 'name="organisation_id"' in _html(client.get(f"/t/{tenant.slug}/cases/new"))
    missing = _post(client, tenant, "/cases/new", as_form(referral()))
    assert missing.status_code == 400
    assert _field_error(_html(missing), "organisation_id") == "Error: Choose the insurer."
    insurer = session.scalars(select(Organisation)).one()
    chosen = _post(client, tenant, "/cases/new", as_form(referral(), organisation_id=str(insurer.public_id)))
    assert chosen.status_code == 303
    assert session.scalars(select(Case)).one().organisation_id == insurer.id


@pytest.mark.parametrize("role", [Role.MEDIATOR, Role.CUSTOMER])
def test_only_insurers_and_staff_may_refer(client, session, tenant, scoped, role):
    sign_in_as(client, session, tenant, scoped[role.value])
    assert client.get(f"/t/{tenant.slug}/cases/new").status_code == 403
    assert _post(client, tenant, "/cases/new", as_form(referral())).status_code == 403
    assert counts(session)[0] == 0


# Screening --------------------------------------------------------------------------------------------


def test_screening_shows_the_failed_rule_then_override_accept_and_assign(app, client, session, tenant, scoped):
    manager, mediator = scoped["case_manager"], scoped["mediator"]
    case = refer(app, session, scoped["insurer_agent"], **late())
    sign_in(client, tenant, manager)
    base = f"/cases/{case.public_id}"

    html = _html(client.get(f"/t/{tenant.slug}{base}/screening"))
    assert html.count(">Met<") == 3 and html.count(">Not met<") == 1
    assert "more than 6 months after the final response" in html
    assert _post(client, tenant, f"{base}/screening/start").status_code == 303

    refused = _post(client, tenant, f"{base}/screening/accept")
    assert refused.status_code == 400
    assert "Rules still fail: Referred in time after the final response" in _html(refused)

    short = _post(client, tenant, f"{base}/screening/override",
                  {"rule": "referred_in_time", "override-referred_in_time-reason": "no"})
    assert short.status_code == 400
    assert _field_error(_html(short), "override-referred_in_time-reason")
    done = _post(client, tenant, f"{base}/screening/override",
                 {"rule": "referred_in_time", "override-referred_in_time-reason": "The customer was in hospital."})
    assert done.status_code == 303
    assert "Overridden: The customer was in hospital." in _html(client.get(f"/t/{tenant.slug}{base}/screening"))

    opened = _post(client, tenant, f"{base}/screening/accept")
    assert opened.status_code == 303 and opened.headers["Location"].endswith(base)
    page = _html(client.get(opened.headers["Location"]))
    assert "is open and the customer is invited" in page
    assert f'{mediator.full_name}: 0 open cases (suggested, the least busy)' in page
    assert "90 days left" in page or "89 days left" in page

    assigned = _post(client, tenant, f"{base}/mediator", {"assign-mediator_id": str(mediator.public_id)})
    assert assigned.status_code == 303
    session.expire_all()
    assert case.state is CaseState.OPEN and case.mediator_id == mediator.id and case.case_manager_id == manager.id
    invitation = [e for e in session.scalars(select(OutboxEmail)) if e.recipient == "chris@example.com"]
    assert any("is open" in e.subject for e in invitation)


def test_a_customer_follows_the_invitation_into_the_case(app, client, session, tenant, scoped):
    case = open_case(app, session, scoped["case_manager"], refer(app, session, scoped["insurer_agent"]))
    link = last_link(session, "chris@example.com")
    client.get(link)
    landed = _post(client, tenant, link.removeprefix(f"/t/{tenant.slug}"))
    assert landed.status_code == 303
    assert landed.headers["Location"] == f"/t/{tenant.slug}/cases/{case.public_id}"
    page = _html(client.get(landed.headers["Location"]))
    assert f"Case {case.reference}" in page and "In mediation" in page


def test_rejecting_needs_a_reason_that_the_parties_then_see(app, client, session, tenant, scoped):
    case = refer(app, session, scoped["insurer_agent"])
    sign_in(client, tenant, scoped["case_manager"])
    empty = _post(client, tenant, f"/cases/{case.public_id}/screening/reject", {"reject-reason": ""})
    assert empty.status_code == 400
    assert _field_error(_html(empty), "reject-reason") == "Error: This field is required."
    assert _post(client, tenant, f"/cases/{case.public_id}/screening/reject",
                 {"reject-reason": "The policy is not one we cover."}).status_code == 303
    session.expire_all()
    assert case.state is CaseState.REJECTED
    switch_to(client, session, tenant, scoped["insurer_agent"])
    assert "The policy is not one we cover." in _html(client.get(f"/t/{tenant.slug}/cases/{case.public_id}"))


def test_assigning_an_unknown_mediator_is_a_field_error(app, client, session, tenant, scoped):
    case = open_case(app, session, scoped["case_manager"], refer(app, session, scoped["insurer_agent"]))
    sign_in(client, tenant, scoped["case_manager"])
    response = _post(client, tenant, f"/cases/{case.public_id}/mediator", {"assign-mediator_id": "nobody"})
    assert response.status_code == 400
    assert _field_error(_html(response), "assign-mediator_id") == "Error: Choose one of the mediators listed."


def test_the_least_loaded_mediator_is_suggested(app, client, session, tenant, scoped):
    manager, busy = scoped["case_manager"], scoped["mediator"]
    idle = factories.user(session, tenant, Role.MEDIATOR, full_name="Ida Idle")
    session.commit()
    open_case(app, session, manager, refer(app, session, scoped["insurer_agent"]), busy)
    case = open_case(app, session, manager, refer(app, session, scoped["insurer_agent"]))
    sign_in(client, tenant, manager)
    html = _html(client.get(f"/t/{tenant.slug}/cases/{case.public_id}"))
    assert re.search(rf'<option value="{idle.public_id}" selected>Ida Idle: 0 open cases \(suggested', html)
    assert f"{busy.full_name}: 1 open case<" in html


# The case page -----------------------------------------------------------------------------------------


def test_the_case_page_says_where_the_case_stands_and_who_acts_by_when(app, client, session, tenant, scoped):
    agent, manager, mediator = scoped["insurer_agent"], scoped["case_manager"], scoped["mediator"]
    case = open_case(app, session, manager, refer(app, session, agent), mediator)
    with app.test_request_context():
        services.add_representative(session, manager, case, {"email": "rita@example.org", "full_name": "Rita Rep",
                                                             "side": "customer"},
                                    base_url="http://localhost", invitation_days=7)
        session.commit()
    sign_in(client, tenant, agent)
    html = _html(client.get(f"/t/{tenant.slug}/cases/{case.public_id}"))
    for text in (case.reference, "In mediation", "Tier 2: mediation", "Northwind Insurance", "Chris Customer",
                 "£4,250.00", manager.full_name, mediator.full_name, "Rita Rep, representative of the customer",
                 f"The mediator, {mediator.full_name}</strong>: finish mediation", "An outcome is due by",
                 "days left"):
        assert text in html, text
    assert "Screen this referral" not in html and "Pause the time limit" not in html
    assert "Ask for escalation" in html and "Withdraw the case" in html


def test_staff_pause_resume_and_extend_the_clock_once(app, client, session, tenant, scoped):
    manager = scoped["case_manager"]
    case = open_case(app, session, manager, refer(app, session, scoped["insurer_agent"]))
    sign_in(client, tenant, manager)
    base = f"/cases/{case.public_id}"
    assert _post(client, tenant, f"{base}/clock/pause", {"pause-reason": ""}).status_code == 400
    assert _post(client, tenant, f"{base}/clock/pause",
                 {"pause-reason": "Waiting for the insurer's documents."}).status_code == 303
    html = _html(client.get(f"/t/{tenant.slug}{base}"))
    assert "Paused" in html and "Waiting for the insurer&#39;s documents." in html
    assert "Let the time limit run again" in html
    assert _post(client, tenant, f"{base}/clock/resume").status_code == 303
    assert _post(client, tenant, f"{base}/clock/extend", {"extend-reason": "A complex dispute."}).status_code == 303
    session.expire_all()
    assert case.clock_extended and case.clock_paused_at is None
    again = _post(client, tenant, f"{base}/clock/extend", {"extend-reason": "Once more, please."})
    assert again.status_code == 400
    assert "can be extended only once" in _html(again)


def test_a_party_asks_for_escalation_with_a_reason(app, client, session, tenant, scoped):
    case = open_case(app, session, scoped["case_manager"], refer(app, session, scoped["insurer_agent"]))
    sign_in(client, tenant, scoped["insurer_agent"])
    base = f"/cases/{case.public_id}"
    empty = _post(client, tenant, f"{base}/escalation", {"escalate-reason": " "})
    assert empty.status_code == 400 and _field_error(_html(empty), "escalate-reason")
    assert _post(client, tenant, f"{base}/escalation",
                 {"escalate-reason": "The customer has not answered for weeks."}).status_code == 303
    session.expire_all()
    assert case.tier == 3


def test_withdraw_then_close(app, client, session, tenant, scoped):
    case = refer(app, session, scoped["insurer_agent"])
    sign_in(client, tenant, scoped["insurer_agent"])
    assert _post(client, tenant, f"/cases/{case.public_id}/withdraw",
                 {"withdraw-reason": "We settled directly with the customer."}).status_code == 303
    assert _post(client, tenant, f"/cases/{case.public_id}/close").status_code == 403  # only staff close
    switch_to(client, session, tenant, scoped["case_manager"])
    assert _post(client, tenant, f"/cases/{case.public_id}/close").status_code == 303
    session.expire_all()
    assert case.state is CaseState.CLOSED


def test_an_illegal_move_is_a_clear_error_and_changes_nothing(app, client, session, tenant, scoped):
    case = open_case(app, session, scoped["case_manager"], refer(app, session, scoped["insurer_agent"]))
    sign_in(client, tenant, scoped["case_manager"])
    before = counts(session)
    response = _post(client, tenant, f"/cases/{case.public_id}/close")
    assert response.status_code == 409
    assert "A case that is in mediation cannot become closed." in _html(response)
    session.expire_all()
    assert case.state is CaseState.OPEN and counts(session) == before
    referred = refer(app, session, scoped["insurer_agent"])
    response = _post(client, tenant, f"/cases/{referred.public_id}/not-settled", {"not_settled-reason": "No deal."})
    assert response.status_code == 409
    session.expire_all()
    assert referred.state is CaseState.REFERRED


def test_caucus_and_staff_events_are_hidden_from_the_other_side(app, client, session, tenant, scoped):
    manager, mediator = scoped["case_manager"], scoped["mediator"]
    case = refer(app, session, scoped["insurer_agent"], customer_email=scoped["customer"].email, **late())
    with app.test_request_context():
        services.override_rule(session, manager, case, {"rule": "referred_in_time", "reason": "Hospital stay."})
    open_case(app, session, manager, case, mediator)
    with app.test_request_context():
        append_event(session, case, "case.state_changed", actor=mediator, channel=CAUCUS_INSURER,
                     payload={"from": "open", "to": "open", "reason": "A word for the insurer only"})
        append_event(session, case, "case.state_changed", actor=mediator, channel=CAUCUS_CUSTOMER,
                     payload={"from": "open", "to": "open", "reason": "A word for the customer only"})
        session.commit()
    staff_note = "Hospital stay."
    to_insurer, to_customer = "A word for the insurer only", "A word for the customer only"
    expected = {
        "case_manager": {staff_note, to_insurer, to_customer},
        "mediator": {to_insurer, to_customer},
        "insurer_agent": {to_insurer},
        "customer": {to_customer},
    }
    for role, visible in expected.items():
        switch_to(client, session, tenant, scoped[role])
        html = _html(client.get(f"/t/{tenant.slug}/cases/{case.public_id}"))
        shown = {text for text in (staff_note, to_insurer, to_customer) if text in html}
        assert shown == visible, role


def test_a_representative_sees_their_side_only_and_is_named_as_such(app, client, session, tenant, scoped):
    manager = scoped["case_manager"]
    case = open_case(app, session, manager, refer(app, session, scoped["insurer_agent"]))
    rep = factories.user(session, tenant, Role.CUSTOMER, full_name="Rita Rep")
    session.commit()
    with app.test_request_context():
        services.add_representative(session, manager, case, {"email": rep.email, "full_name": "Rita Rep",
                                                             "side": Side.CUSTOMER.value},
                                    base_url="http://localhost", invitation_days=7)
        append_event(session, case, "contact.recorded", actor=rep, channel=CAUCUS_CUSTOMER, payload={"summary": "x"})
        append_event(session, case, "contact.recorded", actor=None, channel=CAUCUS_INSURER,
                     payload={"summary": "insurer secret"})
        session.commit()
    sign_in_as(client, session, tenant, rep)
    html = _html(client.get(f"/t/{tenant.slug}/cases/{case.public_id}"))
    assert "Rita Rep, representative of the customer" in html
    assert "insurer secret" not in html


# Access -----------------------------------------------------------------------------------------------


def test_another_tenants_case_or_a_hidden_one_is_not_found(app, client, session, tenant, scoped, elsewhere):
    set_tenant(session, tenant.id)
    ours = refer(app, session, scoped["insurer_agent"])
    set_tenant(session, tenant.id)
    other_org = Organisation(tenant_id=tenant.id, name="Fjord Mutual")
    session.add(other_org)
    session.commit()
    rival = factories.user(session, tenant, Role.INSURER_AGENT, organisation="Fjord Mutual")
    session.commit()
    theirs = elsewhere["case"]

    sign_in(client, tenant, scoped["case_manager"])
    for path in (f"/cases/{theirs.public_id}", f"/cases/{theirs.public_id}/screening", "/cases/not-a-uuid"):
        assert client.get(f"/t/{tenant.slug}{path}").status_code == 404, path
    assert _post(client, tenant, f"/cases/{theirs.public_id}/withdraw", {"withdraw-reason": "Gone now."}
                 ).status_code == 404
    switch_to(client, session, elsewhere["tenant"], elsewhere["manager"])
    assert client.get(f"/t/{elsewhere['tenant'].slug}/cases/{ours.public_id}").status_code == 404

    for who in (rival, scoped["mediator"]):  # another insurer; a mediator not assigned
        switch_to(client, session, tenant, who)
        assert client.get(f"/t/{tenant.slug}/cases/{ours.public_id}").status_code == 404
        assert _post(client, tenant, f"/cases/{ours.public_id}/withdraw",
                     {"withdraw-reason": "Not mine to withdraw."}).status_code == 404
    session.expire_all()
    assert ours.state is CaseState.REFERRED


def test_parties_and_mediators_cannot_screen(app, client, session, tenant, scoped):
    case = open_case(app, session, scoped["case_manager"], refer(app, session, scoped["insurer_agent"]),
                     scoped["mediator"])
    for role in ("mediator", "insurer_agent"):
        switch_to(client, session, tenant, scoped[role])
        assert client.get(f"/t/{tenant.slug}/cases/{case.public_id}").status_code == 200
        assert client.get(f"/t/{tenant.slug}/cases/{case.public_id}/screening").status_code == 403
        assert _post(client, tenant, f"/cases/{case.public_id}/clock/pause",
                     {"pause-reason": "Not allowed to."}).status_code == 403


def test_dashboards_list_the_users_recent_cases(app, client, session, tenant, scoped):
    manager = scoped["case_manager"]
    waiting = refer(app, session, scoped["insurer_agent"], customer_name="Wanda Waiting")
    opened = open_case(app, session, manager, refer(app, session, scoped["insurer_agent"],
                                                    customer_name="Olga Open"), scoped["mediator"])
    sign_in(client, tenant, manager)
    html = _html(client.get(f"/t/{tenant.slug}/"))
    assert waiting.reference in html and opened.reference not in html  # referrals waiting for screening
    assert "state=referred&amp;state=screening" in html
    switch_to(client, session, tenant, scoped["mediator"])
    html = _html(client.get(f"/t/{tenant.slug}/"))
    assert opened.reference in html and waiting.reference not in html
    switch_to(client, session, tenant, scoped["insurer_agent"])
    html = _html(client.get(f"/t/{tenant.slug}/"))
    assert opened.reference in html and waiting.reference in html and "Refer a case" in html


def test_the_timeline_speaks_plain_words_for_every_kind_of_event(app, client, session, tenant, scoped):
    manager = scoped["case_manager"]
    case = open_case(app, session, manager, refer(app, session, scoped["insurer_agent"]))
    with app.test_request_context():
        append_event(session, case, "contact.recorded", actor=manager, channel="joint",
                     label="recorded by them", payload={
                         "party": "customer", "party_name": "Chris Customer", "medium": "phone",
                         "received_on": days_ago(1), "speaker": "Their daughter", "summary": "They accept 3,000.",
                         "recorded_by": manager.full_name})
        append_event(session, case, "task.done", actor=manager, channel="staff",
                     payload={"party": "insurer", "note": "Left a message."})
        append_event(session, case, "deadline.reminder", actor=None, channel="staff", payload={"party": "insurer"})
        session.commit()
    sign_in(client, tenant, manager)
    html = _html(client.get(f"/t/{tenant.slug}/cases/{case.public_id}"))
    for text in ("What Chris Customer said by phone on", f"recorded by {manager.full_name}",
                 "Said by Their daughter.", "They accept 3,000.", "A call to the insurer was logged",
                 "Left a message.", "A reminder was sent to the insurer", f"{tenant.name} (automatic)",
                 "The customer was invited to the case by e-mail", "The case is now: In mediation",
                 "Referred by Northwind Insurance"):
        assert text in html, text
