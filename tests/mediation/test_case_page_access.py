"""The case page: where the case stands and its actions, who sees which events, and who may see the case."""

from __future__ import annotations

from odr.mediation.cases import services
from odr.mediation.core.events import CAUCUS_CUSTOMER, CAUCUS_INSURER, append_event
from odr.mediation.core.models import Side
from odr.mediation.core.states import CaseState
from odr.platform.tenancy import set_tenant
from odr.tenants.models import Organisation, Role
from tests import factories
from tests.conftest import sign_in
from tests.mailbox import sign_in_as
from tests.mediation.case_helpers import (
    accept,
    counts,
    days_ago,
    field_error,
    html_of,
    late,
    post_page,
    refer,
    switch_to,
)

# The case page -----------------------------------------------------------------------------------------


def test_the_case_page_says_where_the_case_stands_and_who_acts_by_when(app, client, session, tenant, scoped):
    agent, manager, mediator = scoped["insurer_agent"], scoped["case_manager"], scoped["mediator"]
    case = accept(app, session, manager, refer(app, session, agent), mediator)
    with app.test_request_context():
        services.add_representative(session, manager, case, {"email": "rita@example.org", "full_name": "Rita Rep",
                                                             "side": "customer"},
                                    base_url="http://localhost", invitation_days=7)
        session.commit()
    sign_in(client, tenant, agent)
    html = html_of(client.get(f"/t/{tenant.slug}/cases/{case.public_id}"))
    for text in (case.reference, "In mediation", "Tier 2: mediation", "Northwind Insurance", "Chris Customer",
                 "£4,250.00", manager.full_name, mediator.full_name, "Rita Rep, representative of the customer",
                 f"The mediator, {mediator.full_name}</strong>: finish mediation", "An outcome is due by",
                 "days left"):
        assert text in html, text
    assert "Screen this referral" not in html and "Pause the time limit" not in html
    assert "Ask for escalation" in html and "Withdraw the case" in html


def test_staff_pause_resume_and_extend_the_clock_once(app, client, session, tenant, scoped):
    manager = scoped["case_manager"]
    case = accept(app, session, manager, refer(app, session, scoped["insurer_agent"]))
    sign_in(client, tenant, manager)
    base = f"/cases/{case.public_id}"
    assert post_page(client, tenant, f"{base}/clock/pause", {"pause-reason": ""}).status_code == 400
    assert post_page(client, tenant, f"{base}/clock/pause",
                 {"pause-reason": "Waiting for the insurer's documents."}).status_code == 303
    html = html_of(client.get(f"/t/{tenant.slug}{base}"))
    assert "Paused" in html and "Waiting for the insurer&#39;s documents." in html
    assert "Let the time limit run again" in html
    assert post_page(client, tenant, f"{base}/clock/resume").status_code == 303
    assert post_page(client, tenant, f"{base}/clock/extend", {"extend-reason": "A complex dispute."}).status_code == 303
    session.expire_all()
    assert case.clock_extended and case.clock_paused_at is None
    again = post_page(client, tenant, f"{base}/clock/extend", {"extend-reason": "Once more, please."})
    assert again.status_code == 400
    assert "can be extended only once" in html_of(again)


def test_a_party_asks_for_escalation_with_a_reason(app, client, session, tenant, scoped):
    case = accept(app, session, scoped["case_manager"], refer(app, session, scoped["insurer_agent"]))
    sign_in(client, tenant, scoped["insurer_agent"])
    base = f"/cases/{case.public_id}"
    empty = post_page(client, tenant, f"{base}/escalation", {"escalate-reason": " "})
    assert empty.status_code == 400 and field_error(html_of(empty), "escalate-reason")
    assert post_page(client, tenant, f"{base}/escalation",
                 {"escalate-reason": "The customer has not answered for weeks."}).status_code == 303
    session.expire_all()
    assert case.tier == 3


def test_withdraw_then_close(app, client, session, tenant, scoped):
    case = refer(app, session, scoped["insurer_agent"])
    sign_in(client, tenant, scoped["insurer_agent"])
    assert post_page(client, tenant, f"/cases/{case.public_id}/withdraw",
                 {"withdraw-reason": "We settled directly with the customer."}).status_code == 303
    assert post_page(client, tenant, f"/cases/{case.public_id}/close").status_code == 403  # only staff close
    switch_to(client, session, tenant, scoped["case_manager"])
    assert post_page(client, tenant, f"/cases/{case.public_id}/close").status_code == 303
    session.expire_all()
    assert case.state is CaseState.CLOSED


def test_an_illegal_move_is_a_clear_error_and_changes_nothing(app, client, session, tenant, scoped):
    case = accept(app, session, scoped["case_manager"], refer(app, session, scoped["insurer_agent"]))
    sign_in(client, tenant, scoped["case_manager"])
    before = counts(session)
    response = post_page(client, tenant, f"/cases/{case.public_id}/close")
    assert response.status_code == 409
    assert "A case that is in mediation cannot become closed." in html_of(response)
    session.expire_all()
    assert case.state is CaseState.OPEN and counts(session) == before
    referred = refer(app, session, scoped["insurer_agent"])
    response = post_page(client, tenant, f"/cases/{referred.public_id}/not-settled", {"not_settled-reason": "No deal."})
    assert response.status_code == 409
    session.expire_all()
    assert referred.state is CaseState.REFERRED


def test_caucus_and_staff_events_are_hidden_from_the_other_side(app, client, session, tenant, scoped):
    manager, mediator = scoped["case_manager"], scoped["mediator"]
    case = refer(app, session, scoped["insurer_agent"], customer_email=scoped["customer"].email, **late())
    with app.test_request_context():
        services.override_rule(session, manager, case, {"rule": "referred_in_time", "reason": "Hospital stay."})
    accept(app, session, manager, case, mediator)
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
        html = html_of(client.get(f"/t/{tenant.slug}/cases/{case.public_id}"))
        shown = {text for text in (staff_note, to_insurer, to_customer) if text in html}
        assert shown == visible, role


def test_a_representative_sees_their_side_only_and_is_named_as_such(app, client, session, tenant, scoped):
    manager = scoped["case_manager"]
    case = accept(app, session, manager, refer(app, session, scoped["insurer_agent"]))
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
    html = html_of(client.get(f"/t/{tenant.slug}/cases/{case.public_id}"))
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
    assert post_page(client, tenant, f"/cases/{theirs.public_id}/withdraw", {"withdraw-reason": "Gone now."}
                 ).status_code == 404
    switch_to(client, session, elsewhere["tenant"], elsewhere["manager"])
    assert client.get(f"/t/{elsewhere['tenant'].slug}/cases/{ours.public_id}").status_code == 404

    for who in (rival, scoped["mediator"]):  # another insurer; a mediator not assigned
        switch_to(client, session, tenant, who)
        assert client.get(f"/t/{tenant.slug}/cases/{ours.public_id}").status_code == 404
        assert post_page(client, tenant, f"/cases/{ours.public_id}/withdraw",
                     {"withdraw-reason": "Not mine to withdraw."}).status_code == 404
    session.expire_all()
    assert ours.state is CaseState.REFERRED


def test_parties_and_mediators_cannot_screen(app, client, session, tenant, scoped):
    case = accept(app, session, scoped["case_manager"], refer(app, session, scoped["insurer_agent"]),
                     scoped["mediator"])
    for role in ("mediator", "insurer_agent"):
        switch_to(client, session, tenant, scoped[role])
        assert client.get(f"/t/{tenant.slug}/cases/{case.public_id}").status_code == 200
        assert client.get(f"/t/{tenant.slug}/cases/{case.public_id}/screening").status_code == 403
        assert post_page(client, tenant, f"/cases/{case.public_id}/clock/pause",
                     {"pause-reason": "Not allowed to."}).status_code == 403


def test_dashboards_list_the_users_recent_cases(app, client, session, tenant, scoped):
    manager = scoped["case_manager"]
    waiting = refer(app, session, scoped["insurer_agent"], customer_name="Wanda Waiting")
    opened = accept(app, session, manager, refer(app, session, scoped["insurer_agent"],
                                                    customer_name="Olga Open"), scoped["mediator"])
    sign_in(client, tenant, manager)
    html = html_of(client.get(f"/t/{tenant.slug}/"))
    assert waiting.reference in html and opened.reference not in html  # referrals waiting for screening
    assert "state=referred&amp;state=screening" in html
    switch_to(client, session, tenant, scoped["mediator"])
    html = html_of(client.get(f"/t/{tenant.slug}/"))
    assert opened.reference in html and waiting.reference not in html
    switch_to(client, session, tenant, scoped["insurer_agent"])
    html = html_of(client.get(f"/t/{tenant.slug}/"))
    assert opened.reference in html and waiting.reference in html and "Refer a case" in html


def test_the_timeline_speaks_plain_words_for_every_kind_of_event(app, client, session, tenant, scoped):
    manager = scoped["case_manager"]
    case = accept(app, session, manager, refer(app, session, scoped["insurer_agent"]))
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
    html = html_of(client.get(f"/t/{tenant.slug}/cases/{case.public_id}"))
    for text in ("What Chris Customer said by phone on", f"recorded by {manager.full_name}",
                 "Said by Their daughter.", "They accept 3,000.", "A call to the insurer was logged",
                 "Left a message.", "A reminder was sent to the insurer", f"{tenant.name} (automatic)",
                 "The customer was invited to the case by e-mail", "The case is now: In mediation",
                 "Referred by Northwind Insurance"):
        assert text in html, text
