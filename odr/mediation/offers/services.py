"""Use cases on offers: make one or counter one, in the joint channel or to the mediator only; the
mediator conveys a caucus offer; the other side accepts or rejects, the maker withdraws, time expires it.

An open offer changes once. Each change is one conditional update (``... WHERE status = 'open'``),
so two accepts at the same instant, or an accept racing a withdrawal, a counter-offer or the
expiry, leave exactly one outcome; the loser is told the offer was answered already.

A caucus offer is seen by its side and the mediator only (its events are in that caucus) until the
mediator conveys it; the other side cannot find it, let alone answer it. Conveyed with the figure, it
is an open offer before them; without, they learn only that a move was made.

A counter-offer hands the other side the turn within the running period: they answer by the time
the maker had to. Made in that period's last 5 days, it extends the period once by 5 days (the UK
Claims Portal's rule), so a late offer gets a fair answer.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, false, or_, select, true, update
from sqlalchemy.orm import Session

from odr.mediation.core.access import may_post_in, side_of, visible_channels
from odr.mediation.core.events import JOINT, actor_label, append_event
from odr.mediation.core.models import Case, Side
from odr.mediation.core.signals import offer_answered, settlement_reached
from odr.mediation.deadlines import services as deadlines
from odr.mediation.offers.kinds import ACCEPTED, ANSWER_EXTENDED, CONVEYED, EXPIRED, MADE, REJECTED, WITHDRAWN
from odr.mediation.offers.models import Offer, OfferStatus
from odr.mediation.offers.policy import DEFAULT_EXPIRY_DAYS
from odr.mediation.offers.settle import close_the_rest, payload, refuse_when_settled
from odr.platform import calendar as clock
from odr.platform.db import utcnow
from odr.platform.errors import Conflict, Forbidden, NotFound, ValidationFailed
from odr.platform.i18n import _m
from odr.platform.permissions import require
from odr.tenants.models import Tenant, User

OTHER = {Side.CUSTOMER.value: Side.INSURER.value, Side.INSURER.value: Side.CUSTOMER.value}
LATE_DAYS = 5  # the Claims Portal's: an offer in a period's last 5 days extends it, once, by 5 days


def _side(actor: User, case: Case) -> str:
    side = side_of(actor, case)
    if side is None:
        raise Forbidden(str(_l("Only the parties make and answer offers.")))
    return side.value


def _seen_by(viewer: Any, case: Case) -> ColumnElement[bool]:
    """The offers ``viewer`` may see: joint ones, conveyed ones, and those of the caucuses they read."""
    channels = sorted(visible_channels(viewer, case))
    return or_(Offer.channel == JOINT, Offer.conveyed_figure.is_(true()), Offer.channel.in_(channels))


def case_offers(session: Session, case: Case, viewer: Any) -> list[Offer]:
    """The case's offers ``viewer`` may see, the newest first."""
    return list(session.scalars(select(Offer).where(Offer.case_id == case.id, _seen_by(viewer, case))
                                .order_by(Offer.created_at.desc(), Offer.id.desc())))


def moves_told(session: Session, case: Case, viewer: Any) -> list[Offer]:
    """Caucus offers of the other side that the mediator conveyed to ``viewer`` without the figure:
    all they may know of them is that a move was made (and when)."""
    return list(session.scalars(select(Offer).where(
        Offer.case_id == case.id, Offer.conveyed_at.is_not(None), ~_seen_by(viewer, case))
        .order_by(Offer.conveyed_at.desc())))


def offer_in(session: Session, case: Case, public_id: str | UUID, viewer: Any) -> Offer:
    """The offer ``public_id`` of ``case`` if ``viewer`` may see it; another case's, a caucus offer of
    the other side or a malformed id is not found (its existence is not disclosed)."""
    try:
        key = public_id if isinstance(public_id, UUID) else UUID(str(public_id))
    except ValueError:
        raise NotFound(str(_l("We could not find that offer."))) from None
    offer = session.scalar(select(Offer).where(Offer.case_id == case.id, Offer.public_id == key,
                                               _seen_by(viewer, case)))
    if offer is None:
        raise NotFound(str(_l("We could not find that offer.")))
    return offer


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


def _not_found() -> NotFound:
    return NotFound(str(_l("We could not find that offer.")))


def _chain(offer: Offer | None) -> Iterator[Offer]:
    """``offer`` and the offers it answers, back to the first of its chain."""
    while offer is not None:
        yield offer
        offer = offer.replies_to


def make_offer(session: Session, actor: User, case: Case, values: dict[str, Any],
               now: datetime | None = None) -> Offer:
    """Put an offer to the other side (a counter-offer when ``replies_to`` names their open offer), or
    to the mediator only (``channel`` "caucus"), who may convey it.

    :param values: loaded by ``OfferSchema``: amount (minor units), currency, terms, expires_in_days,
        replies_to (public id), channel ("joint" or "caucus")
    """
    require(actor, "offers.make", case)
    side = _side(actor, case)
    refuse_when_settled(session, case)
    now = now or utcnow()
    channel = JOINT if values.get("channel", "joint") == "joint" else f"caucus:{side}"
    problems: dict[str, list[str]] = {}
    if values["currency"].upper() != case.currency:
        problems["currency"] = [str(_l("Offers in this case are in %(currency)s.", currency=case.currency))]
    if values["amount"] == 0 and not values["terms"]:
        problems["amount"] = [str(_l("An offer of nothing needs terms beyond money, such as an apology or a "
                                     "repair."))]
    if not may_post_in(actor, case, channel):
        problems["channel"] = [str(_l("The mediator is speaking with each side separately for now: make your "
                                      "offer to the mediator only."))]
    answered = None
    if values.get("replies_to"):
        try:
            answered = offer_in(session, case, values["replies_to"], actor)
        except NotFound:
            problems["replies_to"] = [str(_l("No such offer in this case."))]
        else:
            if answered.side == side:
                problems["replies_to"] = [str(_l("A counter-offer answers an offer of the other side."))]
            elif channel != JOINT:
                problems["replies_to"] = [str(_l("A counter-offer is made to the other side, not to the mediator "
                                                 "only."))]
    if problems:
        raise ValidationFailed.on_fields(problems)
    if answered is not None and not _claim(session, answered, OfferStatus.COUNTERED, actor, now):
        raise _gone()
    tenant = session.get(Tenant, case.tenant_id)
    assert tenant is not None
    days = values.get("expires_in_days") or int((tenant.policy or {}).get("offers", {}).get(
        "expiry_days", DEFAULT_EXPIRY_DAYS))
    offer = Offer(tenant_id=case.tenant_id, case_id=case.id, side=side, channel=channel, made_by_id=actor.id,
                  made_by_label=actor_label(actor), amount_minor=values["amount"], currency=case.currency,
                  terms=[{"kind": t["kind"], "text": t.get("text", "").strip()} for t in values["terms"]],
                  expires_at=now + timedelta(days=days), replies_to=answered, status=OfferStatus.OPEN,
                  created_at=now)
    session.add(offer)
    session.flush()
    append_event(session, case, MADE, actor=actor, channel=channel, payload=payload(offer))
    if channel != JOINT:
        return offer  # to the mediator only: nobody's turn changes until it is conveyed
    if answered is not None:
        offer_answered.send(session, case=case, actor=actor, accepted=False)
    _hand_on_the_turn(session, tenant, case, offer, answered, now)
    return offer


def _hand_on_the_turn(session: Session, tenant: Tenant, case: Case, offer: Offer, answered: Offer | None,
                      now: datetime) -> None:
    """The maker's turn is met and the other side's begins.

    A new offer gives the other side the tenant's response days. A counter-offer hands them the turn
    within the running period: they answer by the time the maker had to; made in the period's last
    5 days, and no offer of its chain has been extended yet, the period is extended by 5 days, the
    offer stays open at least as long, and the room is told.
    """
    side = offer.side
    turn = deadlines.open_response(session, case, side) if answered is not None else None
    deadlines.party_acted(session, case, side)
    due_at = turn.due_at if turn is not None else None
    late = (due_at is not None and clock.days_left(due_at, now, tenant.time_zone) <= LATE_DAYS
            and not any(o.answer_extended for o in _chain(answered)))
    if due_at is not None and late:
        due_at = clock.end_of_local_day(clock.local_date(due_at, tenant.time_zone) + timedelta(days=LATE_DAYS),
                                        tenant.time_zone)
    deadline = deadlines.expect_response(session, case, OTHER[side], _m("answer the offer"), now, due_at=due_at)
    offer.answer_by = deadline.due_at
    if late:
        offer.answer_extended = True
        offer.expires_at = max(offer.expires_at, deadline.due_at)
        append_event(session, case, ANSWER_EXTENDED, actor=None, channel=JOINT, payload={
            "offer": str(offer.public_id), "party": OTHER[side], "days": LATE_DAYS,
            "answer_by": deadline.due_at.isoformat()})
    session.flush()


def respond(session: Session, actor: User, offer: Offer, decision: str, now: datetime | None = None) -> Offer:
    """Accept or reject the other side's open offer, once; an acceptance closes every other open offer."""
    case = offer.case
    require(actor, "offers.respond", case)
    side = _side(actor, case)
    if side == offer.side:
        raise Forbidden(str(_l("Only the other side can accept or reject an offer.")))
    if not offer.before_the_other_side:
        raise _not_found()  # a caucus offer not conveyed: to this side it does not exist
    now = now or utcnow()
    status = OfferStatus.ACCEPTED if decision == "accept" else OfferStatus.REJECTED
    if not _claim(session, offer, status, actor, now):
        raise _gone()
    append_event(session, case, ACCEPTED if status is OfferStatus.ACCEPTED else REJECTED, actor=actor,
                 channel=JOINT, payload=payload(offer))
    offer_answered.send(session, case=case, actor=actor, accepted=status is OfferStatus.ACCEPTED)
    deadlines.party_acted(session, case, side)
    if status is OfferStatus.ACCEPTED:
        close_the_rest(session, case, now, keep_offer=offer.id)
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
    append_event(session, case, WITHDRAWN, actor=actor, channel=offer.shown_in, payload=payload(offer))
    return offer


def convey(session: Session, actor: User, offer: Offer, with_figure: bool, now: datetime | None = None) -> Offer:
    """The mediator conveys a party's caucus offer to the joint channel, with the figure or without.

    With the figure, the other side sees the offer and it is their turn to answer it; without, they are
    told only that the party is prepared to move. Each is done once (a move may be told first and the
    figure later), by a conditional update.
    """
    case = offer.case
    require(actor, "offers.convey", case)
    if offer.channel == JOINT:
        raise Conflict(str(_l("This offer was made to everyone: there is nothing to convey.")))
    now = now or utcnow()
    if offer.status is not OfferStatus.OPEN or offer.expires_at <= now:
        raise _gone()
    query = update(Offer).where(Offer.id == offer.id, Offer.status == OfferStatus.OPEN, Offer.expires_at > now,
                                Offer.conveyed_figure.is_(false()))
    if not with_figure:
        query = query.where(Offer.conveyed_at.is_(None))
    won = session.execute(query.values(conveyed_at=now, conveyed_by_id=actor.id, conveyed_figure=with_figure)
                          .execution_options(synchronize_session=False)).rowcount == 1
    if not won:
        raise Conflict(str(_l("This offer was conveyed already.")))
    offer.conveyed_at, offer.conveyed_by_id, offer.conveyed_figure = now, actor.id, with_figure
    told: dict[str, Any] = {"offer": str(offer.public_id), "side": offer.side, "with_figure": with_figure}
    if with_figure:
        told.update(payload(offer))
    append_event(session, case, CONVEYED, actor=actor, channel=JOINT, payload=told)
    if with_figure:
        deadline = deadlines.expect_response(session, case, OTHER[offer.side], _m("answer the offer"), now)
        offer.answer_by = deadline.due_at
        session.flush()
    return offer


def expire_due(session: Session, now: datetime | None = None) -> int:
    """Close every open offer whose time has passed (the job); each exactly once."""
    now = now or utcnow()
    due = session.scalars(select(Offer).where(Offer.status == OfferStatus.OPEN, Offer.expires_at <= now)
                          .execution_options(all_tenants=True)).all()
    done = 0
    for offer in due:
        if _claim(session, offer, OfferStatus.EXPIRED, None, now, unexpired=False):
            append_event(session, offer.case, EXPIRED, actor=None, channel=offer.shown_in, payload=payload(offer))
            done += 1
    return done
