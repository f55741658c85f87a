"""Offers: made by a party for its side, answered once by the other side, countered, withdrawn by
their maker, expired at their time; bad input refused by field and nothing written; the room's panel
and the API over the same services; two accepts at once on PostgreSQL leave one outcome."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import func, select

from odr.mediation.cases import services as cases
from odr.mediation.core.events import CaseEvent
from odr.mediation.core.models import Case
from odr.mediation.core.states import CaseState
from odr.mediation.deadlines.models import Deadline, DeadlineKind, DeadlineStatus
from odr.mediation.offers import services as offers
from odr.mediation.offers.models import Offer, OfferStatus
from odr.mediation.offers.schemas import OfferSchema
from odr.platform.db import utcnow, write_intent
from odr.platform.errors import Conflict, Forbidden, ValidationFailed
from odr.platform.extensions import db
from odr.platform.schemas import load
from odr.platform.tenancy import set_tenant
from tests import factories
from tests.conftest import PG_URL, post_form, sign_in
from tests.databases import committed_app
from tests.mailbox import sign_in_as
from tests.mediation.case_helpers import field_error, html_of, open_case


@pytest.fixture
def world(app, session):
    tenant, people = factories.tenant_with_people(session)
    case = open_case(app, session, people)
    set_tenant(session, tenant.id)
    return tenant, people, case


def _make(app, session, user, case, **values):
    data = {"amount": "3000", "currency": case.currency, **values}
    with app.test_request_context():
        offer = offers.make_offer(session, user, case, load(OfferSchema(), data))
        session.commit()
    return offer


def _count(session, model, **where) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(model).filter_by(**where)) or 0


def _kinds(session, case) -> list[str]:
    session.expire_all()
    return list(session.scalars(select(CaseEvent.kind).where(CaseEvent.case_id == case.id,
                                                             CaseEvent.kind.like("offer.%")).order_by(CaseEvent.seq)))


def test_the_insurer_offers_and_the_customer_accepts_once(app, session, world):
    _tenant, people, case = world
    offer = _make(app, session, people["insurer_agent"], case, amount="3,000.50")
    assert (offer.side, offer.amount_minor, offer.currency) == ("insurer", 300050, "GBP")
    assert offer.status is OfferStatus.OPEN
    # It is the customer's turn now: a response deadline, met when they answer.
    turn = session.scalar(select(Deadline).where(Deadline.case_id == case.id, Deadline.kind == DeadlineKind.RESPONSE,
                                                 Deadline.party == "customer", Deadline.status == DeadlineStatus.OPEN))
    assert turn is not None
    with app.test_request_context():
        offers.respond(session, people["customer"], offer, "accept")
        session.commit()
        with pytest.raises(Conflict):
            offers.respond(session, people["customer"], offer, "accept")
        with pytest.raises(Conflict):
            offers.withdraw(session, people["insurer_agent"], offer)
    session.rollback()
    session.expire_all()
    assert session.get(Offer, offer.id).status is OfferStatus.ACCEPTED
    assert session.get(Deadline, turn.id).status is DeadlineStatus.MET
    assert _kinds(session, case) == ["offer.made", "offer.accepted"]


def test_only_the_other_side_answers_and_only_the_maker_withdraws(app, session, world):
    _tenant, people, case = world
    offer = _make(app, session, people["insurer_agent"], case)
    with app.test_request_context():
        with pytest.raises(Forbidden):
            offers.respond(session, people["insurer_agent"], offer, "accept")  # one's own offer
        with pytest.raises(Forbidden):
            offers.withdraw(session, people["customer"], offer)
        with pytest.raises(Forbidden):
            offers.respond(session, people["mediator"], offer, "accept")  # no side
        with pytest.raises(Forbidden):
            offers.make_offer(session, people["mediator"], case, load(OfferSchema(), {"amount": "1",
                                                                                      "currency": "GBP"}))
        offers.withdraw(session, people["insurer_agent"], offer)
        session.commit()
    assert session.get(Offer, offer.id).status is OfferStatus.WITHDRAWN
    assert _kinds(session, case) == ["offer.made", "offer.withdrawn"]


def test_a_counter_offer_closes_the_offer_it_answers_and_counts_as_a_rejection(app, session, world):
    _tenant, people, case = world
    first = _make(app, session, people["insurer_agent"], case, amount="2000")
    counter = _make(app, session, people["customer"], case, amount="5000", replies_to=str(first.public_id))
    session.expire_all()
    assert session.get(Offer, first.id).status is OfferStatus.COUNTERED
    assert counter.replies_to_id == first.id and counter.side == "customer"
    assert session.get(Case, case.id).rejections_in_a_row == 1
    with app.test_request_context(), pytest.raises(Conflict):  # it was answered by the counter-offer
        offers.respond(session, people["customer"], session.get(Offer, first.id), "accept")


@pytest.mark.parametrize(("values", "field", "message"), [
    ({"amount": "-5"}, "amount", "cannot be negative"),
    ({"amount": "12.345"}, "amount", "Enter an amount"),
    ({"amount": "lots"}, "amount", "Enter an amount"),
    ({"amount": "99999999999999"}, "amount", "too large"),
    ({"amount": "0"}, "amount", "needs terms beyond money"),
    ({"currency": "EUR"}, "currency", "Offers in this case are in GBP."),
    ({"expires_in_days": 400}, "expires_in_days", "From 1 to 90 days."),
    ({"terms": [{"kind": "castle"}]}, "terms.0.kind", "Choose from the list."),
])
def test_bad_input_is_refused_by_field_and_writes_nothing(app, session, world, values, field, message):
    _tenant, people, case = world
    before = _count(session, CaseEvent, case_id=case.id)
    with app.test_request_context(), pytest.raises(ValidationFailed) as refused:
        offers.make_offer(session, people["insurer_agent"], case,
                          load(OfferSchema(), {"amount": "100", "currency": "GBP", **values}))
    session.rollback()
    assert any(message in m for m in refused.value.fields[field]), refused.value.fields
    assert _count(session, Offer) == 0 and _count(session, CaseEvent, case_id=case.id) == before


def test_zero_is_an_offer_when_it_has_terms(app, session, world):
    _tenant, people, case = world
    offer = _make(app, session, people["insurer_agent"], case, amount="0",
                  terms=[{"kind": "apology"}, {"kind": "repair", "text": "The roof, by March"}])
    assert offer.amount_minor == 0 and [t["kind"] for t in offer.terms] == ["apology", "repair"]


def test_a_counter_offer_must_answer_the_other_sides_offer_of_this_case(app, session, world):
    _tenant, people, case = world
    own = _make(app, session, people["insurer_agent"], case)
    with app.test_request_context():
        with pytest.raises(ValidationFailed) as refused:
            offers.make_offer(session, people["insurer_agent"], case, load(OfferSchema(), {
                "amount": "10", "currency": "GBP", "replies_to": str(own.public_id)}))
        assert "other side" in refused.value.fields["replies_to"][0]
        with pytest.raises(ValidationFailed) as refused:
            offers.make_offer(session, people["customer"], case, load(OfferSchema(), {
                "amount": "10", "currency": "GBP", "replies_to": "6f1c1d4e-0000-4000-8000-000000000000"}))
        assert "No such offer" in refused.value.fields["replies_to"][0]
    session.rollback()
    assert _count(session, Offer) == 1


def test_no_offer_in_a_case_that_is_not_in_mediation(app, session, world):
    _tenant, people, case = world
    with app.test_request_context():
        cases.record_outcome(session, people["mediator"], case, CaseState.NOT_SETTLED, {"reason": "No agreement."})
        session.commit()
        with pytest.raises(Forbidden):
            offers.make_offer(session, people["insurer_agent"], case, load(OfferSchema(), {"amount": "1",
                                                                                           "currency": "GBP"}))


def test_an_offer_expires_at_its_time_once(app, session, world):
    _tenant, people, case = world
    offer = _make(app, session, people["insurer_agent"], case, expires_in_days=3)
    assert offer.expires_at - offer.created_at == timedelta(days=3)
    later = utcnow() + timedelta(days=3, minutes=1)
    with time_machine.travel(later, tick=False), app.test_request_context():
        with pytest.raises(Conflict):  # past its time, before the job has run
            offers.respond(session, people["customer"], offer, "accept")
        session.rollback()
        assert offers.expire_due(session, later) == 1
        assert offers.expire_due(session, later) == 0
        session.commit()
    assert session.get(Offer, offer.id).status is OfferStatus.EXPIRED
    assert _kinds(session, case) == ["offer.made", "offer.expired"]


def test_the_room_shows_the_offer_and_the_other_side_accepts_it_there(app, session, world):
    tenant, people, case = world
    offer = _make(app, session, people["insurer_agent"], case, amount="3000")
    room = f"/t/{tenant.slug}/cases/{case.public_id}/room"
    customer = app.test_client()
    sign_in_as(customer, session, tenant, people["customer"])
    html = html_of(customer.get(room))
    assert "£3,000.00" in html and "Accept" in html and "Make a counter-offer" in html
    response = post_form(customer, f"/t/{tenant.slug}/cases/{case.public_id}/offers/{offer.public_id}/respond",
                         {"decision": "accept"}, from_path=room)
    assert response.status_code == 303
    assert "You accepted the offer." in html_of(customer.get(response.headers["Location"]))
    again = post_form(customer, f"/t/{tenant.slug}/cases/{case.public_id}/offers/{offer.public_id}/respond",
                      {"decision": "accept"}, from_path=room)
    assert again.status_code == 409


def test_a_refused_offer_form_comes_back_with_the_field_named(app, session, world):
    tenant, people, case = world
    room = f"/t/{tenant.slug}/cases/{case.public_id}/room"
    agent = app.test_client()
    sign_in(agent, tenant, people["insurer_agent"])
    response = post_form(agent, f"/t/{tenant.slug}/cases/{case.public_id}/offers",
                         {"amount": "-10", "currency": "GBP", "term_text": "Sorry"}, from_path=room)
    assert response.status_code == 400
    html = html_of(response)
    assert "cannot be negative" in field_error(html, "amount")
    assert '<a href="#amount">Amount: An amount cannot be negative.</a>' in html
    assert 'value="-10"' in html and 'value="Sorry"' in html
    assert _count(session, Offer) == 0


def test_the_api_makes_and_answers_offers(app, session, world):
    tenant, people, case = world
    api = f"/api/v1/t/{tenant.slug}/cases/{case.public_id}/offers"
    agent, customer = app.test_client(), app.test_client()
    sign_in(agent, tenant, people["insurer_agent"])
    sign_in_as(customer, session, tenant, people["customer"])
    token = lambda client: client.get(f"/t/{tenant.slug}/").get_data(as_text=True).split(  # noqa: E731
        'name="csrf-token" content="')[1].split('"')[0]
    made = agent.post(api, json={"amount": "4200", "currency": "GBP", "terms": [{"kind": "apology"}]},
                      headers={"X-CSRFToken": token(agent)})
    assert made.status_code == 201, made.get_json()
    body = made.get_json()
    assert (body["amount_minor"], body["side"], body["status"]) == (420000, "insurer", "open")
    bad = agent.post(api, json={"amount": "-1", "currency": "GBP"}, headers={"X-CSRFToken": token(agent)})
    assert bad.status_code in (400, 422) and "amount" in bad.get_json()["error"]["fields"]
    answer = customer.post(f"{api}/{body['id']}/respond", json={"decision": "reject"},
                           headers={"X-CSRFToken": token(customer)})
    assert answer.status_code == 200 and answer.get_json()["status"] == "rejected"
    again = customer.post(f"{api}/{body['id']}/respond", json={"decision": "accept"},
                          headers={"X-CSRFToken": token(customer)})
    assert again.status_code == 409
    listed = customer.get(api).get_json()
    assert [o["status"] for o in listed] == ["rejected"]


@pytest.mark.postgres
@pytest.mark.skipif(not PG_URL, reason="two accepts at the same instant need PostgreSQL (set ODR_TEST_DATABASE_URL)")
def test_two_accepts_and_a_withdrawal_at_the_same_instant_leave_one_outcome(tmp_path):
    from odr.tenants.models import User

    with committed_app(tmp_path, "offers_race") as app:
        factory = db.state(app).factory
        with app.app_context(), factory() as session:
            tenant, people = factories.tenant_with_people(session)
            case = open_case(app, session, people)
            set_tenant(session, tenant.id)
            offer = _make(app, session, people["insurer_agent"], case)
            ids = {"accept": people["customer"].id, "withdraw": people["insurer_agent"].id}
            offer_id, tenant_id, case_id = offer.id, tenant.id, case.id
        start = threading.Barrier(3)
        outcomes: list[str] = []

        def act(what: str) -> None:
            with app.test_request_context(), write_intent(), factory() as session:
                set_tenant(session, tenant_id)
                mine, user = session.get(Offer, offer_id), session.get(User, ids[what])
                start.wait(timeout=30)
                try:
                    if what == "withdraw":
                        offers.withdraw(session, user, mine)
                    else:
                        offers.respond(session, user, mine, "accept")
                    session.commit()
                    outcomes.append(what)
                except Conflict:
                    session.rollback()
                    outcomes.append("conflict")

        threads = [threading.Thread(target=act, args=(w,)) for w in ("accept", "accept", "withdraw")]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert len(outcomes) == 3 and outcomes.count("conflict") == 2, outcomes
        winner = next(o for o in outcomes if o != "conflict")
        with factory() as session:
            set_tenant(session, tenant_id)
            final = session.get(Offer, offer_id)
            kinds = session.scalars(select(CaseEvent.kind).where(
                CaseEvent.case_id == case_id, CaseEvent.kind.in_(["offer.accepted", "offer.withdrawn"]))).all()
        assert final.status is {"accept": OfferStatus.ACCEPTED, "withdraw": OfferStatus.WITHDRAWN}[winner]
        assert kinds == [{"accept": "offer.accepted", "withdraw": "offer.withdrawn"}[winner]]


def test_the_room_says_who_made_an_offer_as_the_subject_of_a_german_sentence(app, session, world):
    tenant, people, case = world
    first = _make(app, session, people["insurer_agent"], case, amount="3000")
    _make(app, session, people["customer"], case, amount="4000", replies_to=str(first.public_id))
    customer = app.test_client()
    sign_in_as(customer, session, tenant, people["customer"])
    customer.environ_base["HTTP_ACCEPT_LANGUAGE"] = "de"
    html = html_of(customer.get(f"/t/{tenant.slug}/cases/{case.public_id}/room"))
    assert '<html lang="de">' in html
    assert "Der Versicherer hat ein Angebot über 3.000,00" in html
    assert "Der Kunde/die Kundin hat ein Gegenangebot über 4.000,00" in html
    assert "Den Versicherer hat" not in html and "Den Kunden/die Kundin hat" not in html
