"""Caucus offers: made to the mediator only, seen by their side and the mediator and by nobody else
(panel, API, events) until the mediator conveys them, with the figure or without; only the mediator
conveys, and only an open caucus offer, each way once."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import select

from odr.mediation.core.signals import settlement_reached
from odr.mediation.deadlines.models import Deadline, DeadlineKind, DeadlineStatus
from odr.mediation.offers import services as offers
from odr.mediation.offers.models import Offer, OfferStatus
from odr.mediation.offers.schemas import OfferSchema
from odr.mediation.rooms import services as rooms
from odr.platform.db import utcnow
from odr.platform.errors import Conflict, Forbidden, NotFound, ValidationFailed
from odr.platform.schemas import load
from odr.platform.tenancy import set_tenant
from tests import factories
from tests.conftest import post_form
from tests.mailbox import sign_in_as
from tests.mediation.case_helpers import html_of, open_case
from tests.mediation.offers_support import count, events_of, make, offer_events, seen_by, token


@pytest.fixture
def world(app, session):
    tenant, people = factories.tenant_with_people(session)
    case = open_case(app, session, people)
    set_tenant(session, tenant.id)
    return tenant, people, case


def _turns(session, case, party) -> list[Deadline]:
    session.expire_all()
    return list(session.scalars(select(Deadline).where(
        Deadline.case_id == case.id, Deadline.kind == DeadlineKind.RESPONSE, Deadline.party == party,
        Deadline.status == DeadlineStatus.OPEN)))


def test_a_caucus_offer_is_seen_by_its_side_and_the_mediator_only(app, session, world):
    tenant, people, case = world
    offer = make(app, session, people["insurer_agent"], case, amount="4321", channel="caucus")
    assert (offer.channel, offer.status, offer.conveyed_at) == ("caucus:insurer", OfferStatus.OPEN, None)
    assert offer_events(session, case) == [("offer.made", "caucus:insurer")]
    for who, sees in (("insurer_agent", True), ("mediator", True), ("case_manager", True), ("customer", False)):
        assert [o.id for o in offers.case_offers(session, case, people[who])] == ([offer.id] if sees else []), who
    with pytest.raises(NotFound):
        offers.offer_in(session, case, offer.public_id, people["customer"])
    with app.test_request_context(), pytest.raises(NotFound):
        offers.respond(session, people["customer"], offer, "accept")
    session.rollback()
    assert _turns(session, case, "customer") == []  # nobody's turn until it is conveyed
    # Nothing of it reaches the customer: not the room's sync, not the page, not the API.
    customer_events = seen_by(app, session, people["customer"], case)
    assert not [e for e in customer_events if e.kind.startswith("offer.")]
    assert [e.kind for e in seen_by(app, session, people["mediator"], case) if e.kind.startswith("offer.")] == [
        "offer.made"]
    customer = app.test_client()
    sign_in_as(customer, session, tenant, people["customer"])
    room = html_of(customer.get(f"/t/{tenant.slug}/cases/{case.public_id}/room?channel=joint"))
    assert "4,321" not in room and "No offer has been made yet." in room
    case_page = html_of(customer.get(f"/t/{tenant.slug}/cases/{case.public_id}"))
    assert "4,321" not in case_page
    api = f"/api/v1/t/{tenant.slug}/cases/{case.public_id}/offers"
    assert customer.get(api).get_json() == []
    answer = customer.post(f"{api}/{offer.public_id}/respond", json={"decision": "accept"},
                           headers={"X-CSRFToken": token(customer, tenant)})
    assert answer.status_code == 404
    mediator = app.test_client()
    sign_in_as(mediator, session, tenant, people["mediator"])
    mediator_room = html_of(mediator.get(f"/t/{tenant.slug}/cases/{case.public_id}/room"))
    assert "£4,321.00" in mediator_room and "to the mediator only" in mediator_room
    assert "Convey with the figure" in mediator_room and "Convey without the figure" in mediator_room
    assert session.get(Offer, offer.id).status is OfferStatus.OPEN


def test_conveyed_without_the_figure_the_other_side_learns_only_of_a_move(app, session, world):
    tenant, people, case = world
    offer = make(app, session, people["insurer_agent"], case, amount="4321", channel="caucus")
    with app.test_request_context():
        offers.convey(session, people["mediator"], offer, False)
        session.commit()
        with pytest.raises(Conflict):
            offers.convey(session, people["mediator"], offer, False)  # once
    session.rollback()
    conveyed = events_of(session, case, "offer.conveyed")
    assert [(e.channel, e.payload) for e in conveyed] == [
        ("joint", {"offer": str(offer.public_id), "side": "insurer", "with_figure": False})]
    assert offers.case_offers(session, case, people["customer"]) == []
    assert [o.id for o in offers.moves_told(session, case, people["customer"])] == [offer.id]
    assert offers.moves_told(session, case, people["insurer_agent"]) == []
    with pytest.raises(NotFound):
        offers.offer_in(session, case, offer.public_id, people["customer"])
    customer_events = seen_by(app, session, people["customer"], case)
    assert [e.kind for e in customer_events if e.kind.startswith("offer.")] == ["offer.conveyed"]
    assert all("432100" not in str(e.payload) for e in customer_events)
    customer = app.test_client()
    sign_in_as(customer, session, tenant, people["customer"])
    room = html_of(customer.get(f"/t/{tenant.slug}/cases/{case.public_id}/room"))
    assert "The mediator says the insurer is prepared to move." in room and "4,321" not in room
    assert _turns(session, case, "customer") == []


def test_conveyed_with_the_figure_it_is_an_open_offer_the_other_side_answers(app, session, world):
    tenant, people, case = world
    offer = make(app, session, people["insurer_agent"], case, amount="4321", channel="caucus")
    settled = []
    with app.test_request_context(), settlement_reached.connected_to(lambda s, **kw: settled.append(kw)):
        offers.convey(session, people["mediator"], offer, False)
        offers.convey(session, people["mediator"], offer, True)  # the move first, the figure later
        session.commit()
        with pytest.raises(Conflict):
            offers.convey(session, people["mediator"], offer, True)
        with pytest.raises(Conflict):
            offers.convey(session, people["mediator"], offer, False)
        session.rollback()
        assert [o.id for o in offers.case_offers(session, case, people["customer"])] == [offer.id]
        assert offers.moves_told(session, case, people["customer"]) == []
        assert len(_turns(session, case, "customer")) == 1
        with pytest.raises(Forbidden):
            offers.respond(session, people["mediator"], offer, "accept")
        with pytest.raises(Forbidden):
            offers.respond(session, people["insurer_agent"], offer, "accept")
        offers.respond(session, people["customer"], session.get(Offer, offer.id), "accept")
        session.commit()
    with_figure = events_of(session, case, "offer.conveyed")[1]
    assert with_figure.channel == "joint" and with_figure.payload["with_figure"] is True
    assert with_figure.payload["amount_minor"] == 432100
    assert offer_events(session, case) == [("offer.made", "caucus:insurer"), ("offer.conveyed", "joint"),
                                           ("offer.conveyed", "joint"), ("offer.accepted", "joint")]
    assert [(kw["source"], kw["amount_minor"], kw["source_id"]) for kw in settled] == [
        ("offer", 432100, str(offer.public_id))]
    assert _turns(session, case, "customer") == []


def test_only_the_mediator_conveys_and_only_an_open_caucus_offer(app, session, world):
    _tenant, people, case = world
    joint = make(app, session, people["insurer_agent"], case, amount="100")
    caucus = make(app, session, people["customer"], case, amount="900", channel="caucus")
    before = offer_events(session, case)
    with app.test_request_context():
        for who in ("insurer_agent", "customer", "case_manager", "admin"):
            with pytest.raises(Forbidden):
                offers.convey(session, people[who], caucus, True)
        with pytest.raises(Conflict, match="made to everyone"):
            offers.convey(session, people["mediator"], joint, True)
        offers.withdraw(session, people["customer"], caucus)
        session.commit()
        with pytest.raises(Conflict):
            offers.convey(session, people["mediator"], caucus, True)
    session.rollback()
    assert offer_events(session, case) == [*before, ("offer.withdrawn", "caucus:customer")]
    assert session.get(Offer, caucus.id).conveyed_at is None and session.get(Offer, joint.id).conveyed_at is None


def test_an_expired_caucus_offer_cannot_be_conveyed_and_expires_in_its_caucus(app, session, world):
    _tenant, people, case = world
    caucus = make(app, session, people["insurer_agent"], case, channel="caucus", expires_in_days=3)
    later = utcnow() + timedelta(days=3, minutes=1)
    with time_machine.travel(later, tick=False), app.test_request_context():
        with pytest.raises(Conflict):
            offers.convey(session, people["mediator"], caucus, True)
        session.rollback()
        assert offers.expire_due(session, later) == 1
        session.commit()
    assert offer_events(session, case) == [("offer.made", "caucus:insurer"), ("offer.expired", "caucus:insurer")]


def test_a_caucus_offer_answers_no_offer_and_shuttle_mode_takes_offers_to_the_mediator(app, session, world):
    _tenant, people, case = world
    theirs = make(app, session, people["insurer_agent"], case)
    with app.test_request_context():
        with pytest.raises(ValidationFailed) as refused:
            offers.make_offer(session, people["customer"], case, load(OfferSchema(), {
                "amount": "10", "currency": "GBP", "replies_to": str(theirs.public_id), "channel": "caucus"}))
        assert "not to the mediator only" in refused.value.fields["replies_to"][0]
        with pytest.raises(ValidationFailed) as refused:
            load(OfferSchema(), {"amount": "10", "currency": "GBP", "channel": "staff"})
        assert "everyone, or the mediator only" in refused.value.fields["channel"][0]
        rooms.set_shuttle_only(session, people["mediator"], case, {"shuttle_only": True, "reason": "Calm down"})
        session.commit()
        with pytest.raises(ValidationFailed) as refused:
            offers.make_offer(session, people["customer"], case, load(OfferSchema(), {
                "amount": "10", "currency": "GBP"}))
        assert "separately" in refused.value.fields["channel"][0]
    session.rollback()
    assert session.get(Offer, theirs.id).status is OfferStatus.OPEN and count(session, Offer) == 1
    caucus = make(app, session, people["customer"], case, amount="10", channel="caucus")
    assert caucus.channel == "caucus:customer"


def test_the_mediator_conveys_in_the_room_and_through_the_api(app, session, world):
    tenant, people, case = world
    first = make(app, session, people["insurer_agent"], case, amount="4321", channel="caucus")
    second = make(app, session, people["insurer_agent"], case, amount="5678", channel="caucus")
    room = f"/t/{tenant.slug}/cases/{case.public_id}/room"
    mediator = app.test_client()
    sign_in_as(mediator, session, tenant, people["mediator"])
    page = f"/t/{tenant.slug}/cases/{case.public_id}/offers/{first.public_id}/convey"
    assert post_form(mediator, page, {"with_figure": "maybe"}, from_path=room).status_code == 400
    assert count(session, Offer, conveyed_figure=True) == 0
    done = post_form(mediator, page, {"with_figure": "yes"}, from_path=room)
    assert done.status_code == 303
    assert "conveyed with its figure" in html_of(mediator.get(done.headers["Location"]))
    assert post_form(mediator, page, {"with_figure": "yes"}, from_path=room).status_code == 409
    customer = app.test_client()
    sign_in_as(customer, session, tenant, people["customer"])
    customer_room = html_of(customer.get(room))
    assert "£4,321.00" in customer_room and "Accept" in customer_room and "5,678" not in customer_room
    api = f"/api/v1/t/{tenant.slug}/cases/{case.public_id}/offers/{second.public_id}/convey"
    agent = app.test_client()
    sign_in_as(agent, session, tenant, people["insurer_agent"])
    assert agent.post(api, json={"with_figure": True}, headers={"X-CSRFToken": token(agent, tenant)}).status_code == 403
    assert customer.post(api, json={"with_figure": True},
                         headers={"X-CSRFToken": token(customer, tenant)}).status_code == 403
    bad = mediator.post(api, json={}, headers={"X-CSRFToken": token(mediator, tenant)})
    assert bad.status_code in (400, 422) and "with_figure" in bad.get_json()["error"]["fields"]
    moved = mediator.post(api, json={"with_figure": False}, headers={"X-CSRFToken": token(mediator, tenant)})
    assert moved.status_code == 200 and moved.get_json()["conveyed"] == "move"
    assert [o["id"] for o in customer.get(f"/api/v1/t/{tenant.slug}/cases/{case.public_id}/offers").get_json()] == [
        str(first.public_id)]
