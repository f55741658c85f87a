"""The rules across a negotiation: a counter-offer hands on the running period, and one made in its
last 5 days extends it once by 5 days (the Claims Portal's rule); rejections in a row reach the
stalemate of the deadlines; an accepted offer closes every other open offer and proposal, and
nothing new is put while the agreement is drafted."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import select

from odr.mediation.core.models import Case
from odr.mediation.core.signals import settlement_reached
from odr.mediation.deadlines.models import Deadline, DeadlineKind, DeadlineStatus
from odr.mediation.offers import services as offers
from odr.mediation.offers.models import Offer, OfferStatus, Proposal, ProposalStatus
from odr.mediation.offers.schemas import OfferSchema
from odr.platform import calendar as clock
from odr.platform.db import utcnow
from odr.platform.errors import Conflict
from odr.platform.schemas import load
from odr.platform.tenancy import set_tenant
from odr.tenants.models import Tenant
from tests import factories
from tests.mailbox import sign_in_as
from tests.mediation.case_helpers import html_of, open_case
from tests.mediation.offers_support import events_of, make, offer_events, propose


@pytest.fixture
def world(app, session):
    tenant, people = factories.tenant_with_people(session)
    case = open_case(app, session, people)
    set_tenant(session, tenant.id)
    return tenant, people, case


def _turn(session, case, party) -> Deadline:
    session.expire_all()
    return session.scalars(select(Deadline).where(
        Deadline.case_id == case.id, Deadline.kind == DeadlineKind.RESPONSE, Deadline.party == party,
        Deadline.status == DeadlineStatus.OPEN)).one()


def _plus_days(due, days, zone):
    return clock.end_of_local_day(clock.local_date(due, zone) + timedelta(days=days), zone)


def test_a_counter_offer_in_good_time_hands_on_the_running_period(app, session, world):
    tenant, people, case = world
    start = utcnow()
    first = make(app, session, people["insurer_agent"], case, amount="2000")
    due = _turn(session, case, "customer").due_at
    assert due == clock.due_after_days(start, 14, tenant.time_zone) and first.answer_by == due
    with time_machine.travel(start + timedelta(days=3), tick=False):
        counter = make(app, session, people["customer"], case, amount="5000", replies_to=str(first.public_id))
    assert _turn(session, case, "insurer").due_at == due  # the same period, not a new one
    assert (counter.answer_by, counter.answer_extended) == (due, False)
    assert events_of(session, case, "offer.answer_extended") == []
    assert session.get(Deadline, session.scalars(select(Deadline.id).where(
        Deadline.party == "customer", Deadline.kind == DeadlineKind.RESPONSE)).one()).status is DeadlineStatus.MET


@pytest.mark.parametrize(("days_before", "extended"), [(5, True), (6, False), (1, True)])
def test_a_late_counter_offer_extends_the_period_once_by_five_days(app, session, world, days_before, extended):
    tenant, people, case = world
    zone = tenant.time_zone
    first = make(app, session, people["insurer_agent"], case, amount="2000")
    due = _turn(session, case, "customer").due_at
    moment = clock.days_before(due, days_before, zone) - timedelta(hours=1)
    with time_machine.travel(moment, tick=False):
        counter = make(app, session, people["customer"], case, amount="5000", replies_to=str(first.public_id),
                       expires_in_days=3)
    expected = _plus_days(due, 5, zone) if extended else due
    assert _turn(session, case, "insurer").due_at == expected
    assert (counter.answer_by, counter.answer_extended) == (expected, extended)
    told = events_of(session, case, "offer.answer_extended")
    if not extended:
        assert told == [] and counter.expires_at == moment + timedelta(days=3)
        return
    assert [(e.channel, e.payload) for e in told] == [("joint", {
        "offer": str(counter.public_id), "party": "insurer", "days": 5, "answer_by": expected.isoformat()})]
    assert counter.expires_at == max(moment + timedelta(days=3), expected)  # open as long as the answer may take
    agent = app.test_client()
    with time_machine.travel(moment, tick=False):
        sign_in_as(agent, session, tenant, people["insurer_agent"])
        room = html_of(agent.get(f"/t/{tenant.slug}/cases/{case.public_id}/room"))
    assert "Because this counter-offer came late, the other side has until" in room
    # Once: a late answer to the late counter-offer keeps the extended period.
    with time_machine.travel(moment + timedelta(days=days_before + 2), tick=False):
        again = make(app, session, people["insurer_agent"], case, amount="3000", replies_to=str(counter.public_id))
    assert _turn(session, case, "customer").due_at == expected
    assert (again.answer_by, again.answer_extended) == (expected, False)
    assert len(events_of(session, case, "offer.answer_extended")) == 1


def test_a_new_offer_starts_a_new_period(app, session, world):
    tenant, people, case = world
    start = utcnow()
    make(app, session, people["insurer_agent"], case, amount="2000")
    with time_machine.travel(start + timedelta(days=12), tick=False):
        own = make(app, session, people["customer"], case, amount="9000")  # not a counter-offer
    assert own.answer_by == clock.due_after_days(start + timedelta(days=12), 14, tenant.time_zone)
    assert not own.answer_extended


@pytest.mark.parametrize("limit", [3, 2])
def test_rejections_in_a_row_reach_the_stalemate(app, session, world, limit):
    tenant, people, case = world
    if limit != 3:
        row = session.get(Tenant, tenant.id)
        row.policy = {**(row.policy or {}), "deadlines": {"stalemate_rejections": limit}}
        session.commit()
    agent, customer = people["insurer_agent"], people["customer"]
    first = make(app, session, agent, case, amount="1000")
    with app.test_request_context():
        offers.respond(session, customer, first, "reject")  # one
        session.commit()
    second = make(app, session, agent, case, amount="1500")
    counter = make(app, session, customer, case, amount="8000", replies_to=str(second.public_id))  # two
    session.expire_all()
    escalated = events_of(session, case, "case.escalated")
    if limit == 2:
        assert session.get(Case, case.id).tier == 3 and len(escalated) == 1
        assert escalated[0].payload["trigger"] == "stalemate"
        return
    assert session.get(Case, case.id).tier == 2 and escalated == []
    assert session.get(Case, case.id).rejections_in_a_row == 2
    with app.test_request_context():
        offers.respond(session, agent, session.get(Offer, counter.id), "reject")  # three
        session.commit()
    session.expire_all()
    escalated = events_of(session, case, "case.escalated")
    assert [e.payload["trigger"] for e in escalated] == ["stalemate"]
    assert session.get(Case, case.id).tier == 3 and session.get(Case, case.id).rejections_in_a_row == 0


def test_an_accepted_offer_closes_every_other_open_offer_and_the_proposal(app, session, world):
    tenant, people, case = world
    agent, customer = people["insurer_agent"], people["customer"]
    taken = make(app, session, agent, case, amount="3000")
    other = make(app, session, agent, case, amount="2500")
    caucus = make(app, session, customer, case, amount="7000", channel="caucus")
    withdrawn = make(app, session, customer, case, amount="8000")
    with app.test_request_context():
        offers.withdraw(session, customer, withdrawn)
        session.commit()
    proposal = propose(app, session, people["mediator"], case)
    settled = []
    with app.test_request_context(), settlement_reached.connected_to(lambda s, **kw: settled.append(kw)):
        offers.respond(session, customer, taken, "accept")
        session.commit()
    session.expire_all()
    statuses = {o.id: o.status for o in session.scalars(select(Offer))}
    assert statuses == {taken.id: OfferStatus.ACCEPTED, other.id: OfferStatus.CLOSED, caucus.id: OfferStatus.CLOSED,
                        withdrawn.id: OfferStatus.WITHDRAWN}
    assert session.get(Proposal, proposal.id).status is ProposalStatus.CLOSED
    closed = [(e.channel, e.payload["offer"]) for e in events_of(session, case, "offer.closed")]
    assert closed == [("joint", str(other.public_id)), ("caucus:customer", str(caucus.public_id))]
    assert len(events_of(session, case, "proposal.closed")) == 1
    assert [kw["source"] for kw in settled] == ["offer"]
    assert session.get(Case, case.id).rejections_in_a_row == 0
    before = offer_events(session, case)
    with app.test_request_context():
        for who in (agent, customer):
            with pytest.raises(Conflict, match="agreement is being drafted"):
                offers.make_offer(session, who, case, load(OfferSchema(), {"amount": "1", "currency": "GBP"}))
        with pytest.raises(Conflict):
            offers.respond(session, customer, session.get(Offer, other.id), "accept")
    session.rollback()
    assert offer_events(session, case) == before
    page = app.test_client()
    sign_in_as(page, session, tenant, customer)
    room = html_of(page.get(f"/t/{tenant.slug}/cases/{case.public_id}/room"))
    assert "The parties have agreed a settlement" in room and "Make an offer" not in room
    assert "Closed: the parties settled" in room


def test_the_staff_case_page_shows_the_offers_read_only(app, session, world):
    tenant, people, case = world
    make(app, session, people["insurer_agent"], case, amount="3000")
    make(app, session, people["insurer_agent"], case, amount="4444", channel="caucus")
    staff = app.test_client()
    sign_in_as(staff, session, tenant, people["case_manager"])
    page = html_of(staff.get(f"/t/{tenant.slug}/cases/{case.public_id}"))
    assert "£3,000.00" in page and "£4,444.00" in page and "Offers are made and answered in the case room." in page
    assert "Convey with the figure" not in page and 'action="/t/' + tenant.slug + "/cases/" not in page.split(
        'id="offers"')[1].split("</section>")[0]
