"""Use cases on offers: make one or counter one, accept or reject it, withdraw it, let it expire.

An open offer changes once. Each change is one conditional update (``... WHERE status = 'open'``),
so two accepts at the same instant, or an accept racing a withdrawal, a counter-offer or the
expiry, leave exactly one outcome; the loser is told the offer was answered already.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from odr.mediation.core.access import side_of
from odr.mediation.core.events import JOINT, actor_label, append_event
from odr.mediation.core.models import Case, Side
from odr.mediation.core.signals import offer_answered, settlement_reached
from odr.mediation.deadlines import services as deadlines
from odr.mediation.offers.kinds import ACCEPTED, EXPIRED, MADE, REJECTED, WITHDRAWN
from odr.mediation.offers.models import Offer, OfferStatus
from odr.mediation.offers.policy import DEFAULT_EXPIRY_DAYS
from odr.platform.db import utcnow
from odr.platform.errors import Conflict, Forbidden, NotFound, ValidationFailed
from odr.platform.i18n import _m
from odr.platform.permissions import require
from odr.tenants.models import Tenant, User

OTHER = {Side.CUSTOMER.value: Side.INSURER.value, Side.INSURER.value: Side.CUSTOMER.value}


def _side(actor: User, case: Case) -> str:
    side = side_of(actor, case)
    if side is None:
        raise Forbidden(str(_l("Only the parties make and answer offers.")))
    return side.value


def case_offers(session: Session, case: Case) -> list[Offer]:
    """The case's offers, the newest first."""
    return list(session.scalars(select(Offer).where(Offer.case_id == case.id)
                                .order_by(Offer.created_at.desc(), Offer.id.desc())))


def offer_in(session: Session, case: Case, public_id: str | UUID) -> Offer:
    """The offer ``public_id`` of ``case``; another case's or a malformed id is not found."""
    try:
        key = public_id if isinstance(public_id, UUID) else UUID(str(public_id))
    except ValueError:
        raise NotFound(str(_l("We could not find that offer."))) from None
    offer = session.scalar(select(Offer).where(Offer.case_id == case.id, Offer.public_id == key))
    if offer is None:
        raise NotFound(str(_l("We could not find that offer.")))
    return offer


def _payload(offer: Offer) -> dict[str, Any]:
    return {"offer": str(offer.public_id), "side": offer.side, "amount_minor": offer.amount_minor,
            "currency": offer.currency, "terms": offer.terms, "expires_at": offer.expires_at.isoformat(),
            "replies_to": str(offer.replies_to.public_id) if offer.replies_to else None}


def _claim(session: Session, offer: Offer, status: OfferStatus, actor: User | None, now: datetime,
           *, unexpired: bool = True) -> bool:
    """Move ``offer`` from open to ``status`` if nobody did first; True when this call did."""
    query = update(Offer).where(Offer.id == offer.id, Offer.status == OfferStatus.OPEN)
    if unexpired:
        query = query.where(Offer.expires_at > now)
    won = session.execute(query.values(status=status, answered_at=now,
                                       answered_by_id=actor.id if actor else None)
                          .execution_options(synchronize_session=False)).rowcount == 1
    if won:
        offer.status, offer.answered_at = status, now
        offer.answered_by_id = actor.id if actor else None
    return won


def _gone() -> Conflict:
    return Conflict(str(_l("This offer is no longer open: it was answered, withdrawn or has expired.")))


def make_offer(session: Session, actor: User, case: Case, values: dict[str, Any],
               now: datetime | None = None) -> Offer:
    """Put an offer to the other side (a counter-offer when ``replies_to`` names their open offer).

    :param values: loaded by ``OfferSchema``: amount (minor units), currency, terms, expires_in_days,
        replies_to (public id)
    """
    require(actor, "offers.make", case)
    side = _side(actor, case)
    now = now or utcnow()
    problems: dict[str, list[str]] = {}
    if values["currency"].upper() != case.currency:
        problems["currency"] = [str(_l("Offers in this case are in %(currency)s.", currency=case.currency))]
    if values["amount"] == 0 and not values["terms"]:
        problems["amount"] = [str(_l("An offer of nothing needs terms beyond money, such as an apology or a "
                                     "repair."))]
    answered = None
    if values.get("replies_to"):
        try:
            answered = offer_in(session, case, values["replies_to"])
        except NotFound:
            problems["replies_to"] = [str(_l("No such offer in this case."))]
        else:
            if answered.side == side:
                problems["replies_to"] = [str(_l("A counter-offer answers an offer of the other side."))]
    if problems:
        raise ValidationFailed.on_fields(problems)
    if answered is not None and not _claim(session, answered, OfferStatus.COUNTERED, actor, now):
        raise _gone()
    tenant = session.get(Tenant, case.tenant_id)
    days = values.get("expires_in_days") or int((tenant.policy or {}).get("offers", {}).get(
        "expiry_days", DEFAULT_EXPIRY_DAYS))
    offer = Offer(tenant_id=case.tenant_id, case_id=case.id, side=side, made_by_id=actor.id,
                  made_by_label=actor_label(actor), amount_minor=values["amount"], currency=case.currency,
                  terms=[{"kind": t["kind"], "text": t.get("text", "").strip()} for t in values["terms"]],
                  expires_at=now + timedelta(days=days), replies_to=answered, status=OfferStatus.OPEN,
                  created_at=now)
    session.add(offer)
    session.flush()
    append_event(session, case, MADE, actor=actor, channel=JOINT, payload=_payload(offer))
    if answered is not None:
        offer_answered.send(session, case=case, actor=actor, accepted=False)
    deadlines.party_acted(session, case, side)
    deadlines.expect_response(session, case, OTHER[side], _m("answer the offer"), now)
    return offer


def respond(session: Session, actor: User, offer: Offer, decision: str, now: datetime | None = None) -> Offer:
    """Accept or reject the other side's open offer, once."""
    case = offer.case
    require(actor, "offers.respond", case)
    side = _side(actor, case)
    if side == offer.side:
        raise Forbidden(str(_l("Only the other side can accept or reject an offer.")))
    now = now or utcnow()
    status = OfferStatus.ACCEPTED if decision == "accept" else OfferStatus.REJECTED
    if not _claim(session, offer, status, actor, now):
        raise _gone()
    append_event(session, case, ACCEPTED if status is OfferStatus.ACCEPTED else REJECTED, actor=actor,
                 channel=JOINT, payload=_payload(offer))
    offer_answered.send(session, case=case, actor=actor, accepted=status is OfferStatus.ACCEPTED)
    deadlines.party_acted(session, case, side)
    if status is OfferStatus.ACCEPTED:
        settlement_reached.send(session, case=case, actor=actor, amount_minor=offer.amount_minor,
                                currency=offer.currency, terms=list(offer.terms), source="offer",
                                source_id=str(offer.public_id))
    return offer


def withdraw(session: Session, actor: User, offer: Offer, now: datetime | None = None) -> Offer:
    """Take back one's side's open offer, once."""
    case = offer.case
    require(actor, "offers.respond", case)
    if _side(actor, case) != offer.side:
        raise Forbidden(str(_l("Only the side that made an offer can withdraw it.")))
    now = now or utcnow()
    if not _claim(session, offer, OfferStatus.WITHDRAWN, actor, now):
        raise _gone()
    append_event(session, case, WITHDRAWN, actor=actor, channel=JOINT, payload=_payload(offer))
    return offer


def expire_due(session: Session, now: datetime | None = None) -> int:
    """Close every open offer whose time has passed (the job); each exactly once."""
    now = now or utcnow()
    due = session.scalars(select(Offer).where(Offer.status == OfferStatus.OPEN, Offer.expires_at <= now)
                          .execution_options(all_tenants=True)).all()
    done = 0
    for offer in due:
        if _claim(session, offer, OfferStatus.EXPIRED, None, now, unexpired=False):
            append_event(session, offer.case, EXPIRED, actor=None, channel=JOINT, payload=_payload(offer))
            done += 1
    return done
