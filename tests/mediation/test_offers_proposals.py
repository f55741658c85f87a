"""The mediator's proposal: put to both parties at once, answered privately in each caucus, disclosed
once when both have answered or it expired, as "both accepted" (a settlement) or "not accepted by both"
without saying who rejected it; two answers at the same instant on PostgreSQL disclose once."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import select

from odr.mediation.core.events import CaseEvent
from odr.mediation.core.signals import settlement_reached
from odr.mediation.offers import proposals
from odr.mediation.offers.models import Offer, OfferStatus, Proposal, ProposalStatus
from odr.mediation.offers.schemas import ProposalSchema
from odr.platform.db import utcnow, write_intent
from odr.platform.errors import Conflict, Forbidden, ValidationFailed
from odr.platform.extensions import db
from odr.platform.schemas import load
from odr.platform.tenancy import set_tenant
from tests import factories
from tests.conftest import PG_URL, post_form
from tests.databases import committed_app
from tests.mailbox import sign_in_as
from tests.mediation.case_helpers import field_error, html_of, open_case
from tests.mediation.offers_support import count, events_of, make, offer_events, propose, seen_by, token


@pytest.fixture
def world(app, session):
    tenant, people = factories.tenant_with_people(session)
    case = open_case(app, session, people)
    set_tenant(session, tenant.id)
    return tenant, people, case


def _answer(app, session, user, proposal, decision):
    with app.test_request_context():
        proposals.answer(session, user, session.get(Proposal, proposal.id), decision)
        session.commit()


def test_both_accept_and_the_settlement_is_disclosed_once(app, session, world):
    _tenant, people, case = world
    open_offer = make(app, session, people["insurer_agent"], case, amount="1000")
    proposal = propose(app, session, people["mediator"], case, amount="5000.50",
                       terms=[{"kind": "apology"}], expires_in_days=7)
    assert (proposal.amount_minor, proposal.status, proposal.expires_at - proposal.created_at) == (
        500050, ProposalStatus.OPEN, timedelta(days=7))
    settled = []
    with settlement_reached.connected_to(lambda s, **kw: settled.append(kw)):
        _answer(app, session, people["customer"], proposal, "accept")
        session.expire_all()
        assert session.get(Proposal, proposal.id).status is ProposalStatus.OPEN and settled == []
        assert events_of(session, case, "proposal.disclosed") == []
        _answer(app, session, people["insurer_agent"], proposal, "accept")
    session.expire_all()
    final = session.get(Proposal, proposal.id)
    assert final.status is ProposalStatus.ACCEPTED and final.disclosed_at is not None
    assert offer_events(session, case, "proposal.") == [
        ("proposal.made", "joint"), ("proposal.answered", "caucus:customer"), ("proposal.answered", "caucus:insurer"),
        ("proposal.disclosed", "joint")]
    assert events_of(session, case, "proposal.disclosed")[0].payload["outcome"] == "accepted"
    assert [(kw["source"], kw["source_id"], kw["amount_minor"], kw["currency"], kw["terms"], kw["actor"].id)
            for kw in settled] == [("proposal", str(proposal.public_id), 500050, "GBP",
                                    [{"kind": "apology", "text": ""}], people["insurer_agent"].id)]
    assert session.get(Offer, open_offer.id).status is OfferStatus.CLOSED  # the settlement closes it
    with app.test_request_context():
        assert proposals.disclose(session, final, None, utcnow()) is False
        with pytest.raises(Conflict, match="agreed a settlement"):
            proposals.propose(session, people["mediator"], case, load(ProposalSchema(), {
                "amount": "1", "currency": "GBP"}))
    assert len(events_of(session, case, "proposal.disclosed")) == 1


def test_a_rejection_is_disclosed_without_saying_who_and_nobody_reads_the_other_answer(app, session, world):
    tenant, people, case = world
    proposal = propose(app, session, people["mediator"], case)
    _answer(app, session, people["customer"], proposal, "reject")
    # Before the other answer: the insurer knows nothing of the customer's.
    insurer_view = proposals.view_of(session.get(Proposal, proposal.id), people["insurer_agent"])
    assert (insurer_view["your_answer"], insurer_view["answers"], insurer_view["status"]) == (None, None, "open")
    assert not [e for e in seen_by(app, session, people["insurer_agent"], case) if e.kind == "proposal.answered"]
    agent = app.test_client()
    sign_in_as(agent, session, tenant, people["insurer_agent"])
    api = f"/api/v1/t/{tenant.slug}/cases/{case.public_id}/proposals"
    listed = agent.get(api).get_json()
    assert [(p["status"], p["your_answer"], p["answers"]) for p in listed] == [("open", None, None)]
    room = html_of(agent.get(f"/t/{tenant.slug}/cases/{case.public_id}/room"))
    assert "rejected" not in room.lower() and "Accept the proposal" in room
    _answer(app, session, people["insurer_agent"], proposal, "accept")
    session.expire_all()
    assert session.get(Proposal, proposal.id).status is ProposalStatus.NOT_ACCEPTED
    disclosed = events_of(session, case, "proposal.disclosed")
    assert len(disclosed) == 1 and disclosed[0].channel == "joint"
    assert disclosed[0].payload["outcome"] == "not_accepted"
    assert not {"answer", "customer_answer", "insurer_answer", "side"} & set(disclosed[0].payload)
    for party, own in (("customer", "reject"), ("insurer_agent", "accept")):
        view = proposals.view_of(session.get(Proposal, proposal.id), people[party])
        assert (view["your_answer"], view["answers"]) == (own, None), party
        answered = [e.payload for e in seen_by(app, session, people[party], case) if e.kind == "proposal.answered"]
        assert [p["answer"] for p in answered] == [own], party
    mediator_view = proposals.view_of(session.get(Proposal, proposal.id), people["mediator"])
    assert mediator_view["answers"] == {"customer": "reject", "insurer": "accept"}
    after = agent.get(api).get_json()
    assert [(p["status"], p["your_answer"], p["answers"]) for p in after] == [("not_accepted", "accept", None)]
    room = html_of(agent.get(f"/t/{tenant.slug}/cases/{case.public_id}/room"))
    assert "Not accepted by both parties" in room and "The customer: rejected" not in room


def test_answers_are_for_the_parties_once_and_before_the_expiry(app, session, world):
    _tenant, people, case = world
    proposal = propose(app, session, people["mediator"], case, expires_in_days=3)
    with app.test_request_context():
        for who in ("mediator", "case_manager", "admin"):
            with pytest.raises(Forbidden):
                proposals.answer(session, people[who], proposal, "accept")
        with pytest.raises(ValidationFailed):
            proposals.answer(session, people["customer"], proposal, "maybe")
        session.rollback()
    _answer(app, session, people["customer"], proposal, "accept")
    with app.test_request_context(), pytest.raises(Conflict, match="answered this proposal already"):
        proposals.answer(session, people["customer"], session.get(Proposal, proposal.id), "reject")
    session.rollback()
    assert session.get(Proposal, proposal.id).customer_answer == "accept"
    later = utcnow() + timedelta(days=3, minutes=1)
    with time_machine.travel(later, tick=False), app.test_request_context():
        with pytest.raises(Conflict, match="no longer open"):
            proposals.answer(session, people["insurer_agent"], session.get(Proposal, proposal.id), "accept")
        session.rollback()
        assert proposals.expire_due(session, later) == 1
        assert proposals.expire_due(session, later) == 0
        session.commit()
    session.expire_all()
    final = session.get(Proposal, proposal.id)
    assert (final.status, final.insurer_answer) == (ProposalStatus.NOT_ACCEPTED, None)
    assert [e.payload["outcome"] for e in events_of(session, case, "proposal.disclosed")] == ["not_accepted"]
    assert len(events_of(session, case, "proposal.answered")) == 1


def test_one_proposal_at_a_time_from_the_mediator_and_bad_input_writes_nothing(app, session, world):
    _tenant, people, case = world
    with app.test_request_context():
        for who in ("insurer_agent", "customer", "case_manager"):
            with pytest.raises(Forbidden):
                proposals.propose(session, people[who], case, load(ProposalSchema(), {
                    "amount": "1", "currency": "GBP"}))
        with pytest.raises(ValidationFailed) as refused:
            proposals.propose(session, people["mediator"], case, load(ProposalSchema(), {
                "amount": "0", "currency": "EUR"}))
        assert set(refused.value.fields) == {"amount", "currency"}
        with pytest.raises(ValidationFailed) as refused:
            load(ProposalSchema(), {"amount": "-1", "currency": "GBP", "expires_in_days": 0})
        assert set(refused.value.fields) == {"amount", "expires_in_days"}
    session.rollback()
    assert count(session, Proposal) == 0 and offer_events(session, case, "proposal.") == []
    propose(app, session, people["mediator"], case)
    with app.test_request_context(), pytest.raises(Conflict, match="still waiting"):
        proposals.propose(session, people["mediator"], case, load(ProposalSchema(), {"amount": "1", "currency": "GBP"}))
    session.rollback()
    assert count(session, Proposal) == 1


def test_the_room_puts_and_answers_a_proposal(app, session, world):
    tenant, people, case = world
    room = f"/t/{tenant.slug}/cases/{case.public_id}/room"
    mediator = app.test_client()
    sign_in_as(mediator, session, tenant, people["mediator"])
    refused = post_form(mediator, f"/t/{tenant.slug}/cases/{case.public_id}/proposals",
                        {"amount": "lots", "currency": "GBP"}, from_path=room)
    assert refused.status_code == 400
    assert "Enter an amount" in field_error(html_of(refused), "proposal_amount")
    assert count(session, Proposal) == 0
    made = post_form(mediator, f"/t/{tenant.slug}/cases/{case.public_id}/proposals",
                     {"amount": "6000", "currency": "GBP", "term_kind": "apology"}, from_path=room)
    assert made.status_code == 303
    proposal = session.scalars(select(Proposal)).one()
    customer = app.test_client()
    sign_in_as(customer, session, tenant, people["customer"])
    page = html_of(customer.get(room))
    assert "£6,000.00" in page and "Accept the proposal" in page
    answer = f"/t/{tenant.slug}/cases/{case.public_id}/proposals/{proposal.public_id}/answer"
    done = post_form(customer, answer, {"decision": "accept"}, from_path=room)
    assert done.status_code == 303
    page = html_of(customer.get(done.headers["Location"]))
    assert "You accepted it." in page and "Accept the proposal" not in page
    assert post_form(customer, answer, {"decision": "reject"}, from_path=room).status_code == 409
    assert "The customer: accepted" in html_of(mediator.get(room))
    api = f"/api/v1/t/{tenant.slug}/cases/{case.public_id}/proposals"
    again = customer.post(f"{api}/{proposal.public_id}/answer", json={"decision": "reject"},
                          headers={"X-CSRFToken": token(customer, tenant)})
    assert again.status_code == 409 and again.get_json()["error"]["code"]
    assert customer.post(api, json={"amount": "1", "currency": "GBP"},
                         headers={"X-CSRFToken": token(customer, tenant)}).status_code == 403
    agent = app.test_client()
    sign_in_as(agent, session, tenant, people["insurer_agent"])
    answered = agent.post(f"{api}/{proposal.public_id}/answer", json={"decision": "accept"},
                          headers={"X-CSRFToken": token(agent, tenant)})
    assert answered.status_code == 200
    assert (answered.get_json()["status"], answered.get_json()["your_answer"]) == ("accepted", "accept")
    assert "Both parties accepted the mediator" in html_of(customer.get(room))


def _race_once(app, factory) -> None:
    """Both parties accept one new proposal at the same instant: it is disclosed once, as accepted."""
    from odr.tenants.models import User

    with app.app_context(), factory() as session:
        tenant, people = factories.tenant_with_people(session)
        case = open_case(app, session, people)
        set_tenant(session, tenant.id)
        proposal = propose(app, session, people["mediator"], case)
        ids = {"customer": people["customer"].id, "insurer": people["insurer_agent"].id}
        proposal_id, tenant_id, case_id = proposal.id, tenant.id, case.id
    start = threading.Barrier(2)
    outcomes: list[str] = []

    def act(who: str) -> None:
        with app.test_request_context(), write_intent(), factory() as session:
            set_tenant(session, tenant_id)
            mine, user = session.get(Proposal, proposal_id), session.get(User, ids[who])
            start.wait(timeout=30)
            proposals.answer(session, user, mine, "accept")
            session.commit()
            outcomes.append(who)

    threads = [threading.Thread(target=act, args=(w,)) for w in ("customer", "insurer")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(outcomes) == ["customer", "insurer"], outcomes
    with factory() as session:
        set_tenant(session, tenant_id)
        final = session.get(Proposal, proposal_id)
        kinds = session.scalars(select(CaseEvent.kind).where(
            CaseEvent.case_id == case_id, CaseEvent.kind == "proposal.disclosed")).all()
    assert final.status is ProposalStatus.ACCEPTED and final.disclosed_at is not None
    assert kinds == ["proposal.disclosed"]


@pytest.mark.postgres
@pytest.mark.skipif(not PG_URL, reason="two answers at the same instant need PostgreSQL (set ODR_TEST_DATABASE_URL)")
def test_two_answers_at_the_same_instant_disclose_once(tmp_path):
    with committed_app(tmp_path, "proposal_race") as app:
        factory = db.state(app).factory
        for _round in range(3):
            _race_once(app, factory)
