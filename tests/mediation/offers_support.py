"""What the offers' tests share: making offers and proposals as a request would, counting rows and
reading the events each reader may see."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from odr.mediation.core.events import CaseEvent
from odr.mediation.offers import proposals
from odr.mediation.offers import services as offers
from odr.mediation.offers.schemas import OfferSchema, ProposalSchema
from odr.mediation.rooms import services as rooms
from odr.platform.schemas import load


def make(app, session, user, case, **values: Any):
    """An offer of ``user`` (3000 in the case's currency unless told), committed."""
    data = {"amount": "3000", "currency": case.currency, **values}
    with app.test_request_context():
        offer = offers.make_offer(session, user, case, load(OfferSchema(), data))
        session.commit()
    return offer


def propose(app, session, mediator, case, **values: Any):
    """A proposal of the mediator (5000 unless told), committed."""
    data = {"amount": "5000", "currency": case.currency, **values}
    with app.test_request_context():
        proposal = proposals.propose(session, mediator, case, load(ProposalSchema(), data))
        session.commit()
    return proposal


def count(session, model, **where) -> int:
    """Rows of ``model`` matching ``where``."""
    session.expire_all()
    return session.scalar(select(func.count()).select_from(model).filter_by(**where)) or 0


def offer_events(session, case, prefix: str = "offer.") -> list[tuple[str, str]]:
    """The case's events of offers (or ``prefix``), as (kind, channel), in order."""
    session.expire_all()
    return [(e.kind, e.channel) for e in session.scalars(
        select(CaseEvent).where(CaseEvent.case_id == case.id, CaseEvent.kind.like(f"{prefix}%"))
        .order_by(CaseEvent.seq))]


def events_of(session, case, kind: str) -> list[CaseEvent]:
    """The case's events of ``kind``, in order."""
    session.expire_all()
    return list(session.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id, CaseEvent.kind == kind)
                                .order_by(CaseEvent.seq)))


def seen_by(app, session, user, case) -> list[CaseEvent]:
    """Every event ``user`` gets from the room's sync: what their socket would ever be sent."""
    session.expire_all()
    with app.test_request_context():
        batch = rooms.events_after(session, user, case, {"after": 0})
    return [event for event, _message in batch.events]


def token(client, tenant) -> str:
    """The CSRF token of ``client``'s session, for the API."""
    return client.get(f"/t/{tenant.slug}/").get_data(as_text=True).split('name="csrf-token" content="')[1].split('"')[0]
