"""What the offers panel shows one reader of a case: the chain of offers with the time each has left,
the mediator's conveying and proposals, and the forms the reader may use.

A caucus offer of the other side is not in it at all; one the mediator conveyed without its figure
shows only that a move was made. A proposal shows the reader's own answer, never the other side's.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy.orm import Session

from odr.mediation.core.access import side_of
from odr.mediation.core.channels import JOINT
from odr.mediation.core.labels import PARTIES, party_text
from odr.mediation.core.models import Case
from odr.mediation.offers import proposals, services
from odr.mediation.offers.models import Offer, OfferStatus, Proposal, ProposalStatus
from odr.mediation.offers.schemas import TERM_KINDS
from odr.mediation.offers.settle import is_settled
from odr.platform import calendar as clock
from odr.platform.i18n import money
from odr.platform.permissions import can
from odr.tenants.models import Tenant, User


def _status_words() -> dict[OfferStatus, str]:
    return {OfferStatus.OPEN: _("Open"), OfferStatus.ACCEPTED: _("Accepted"), OfferStatus.REJECTED: _("Rejected"),
            OfferStatus.COUNTERED: _("Answered by a counter-offer"), OfferStatus.WITHDRAWN: _("Withdrawn"),
            OfferStatus.EXPIRED: _("Expired"), OfferStatus.CLOSED: _("Closed: the parties settled")}


def _proposal_words() -> dict[ProposalStatus, str]:
    return {ProposalStatus.OPEN: _("Waiting for both parties' answers"),
            ProposalStatus.ACCEPTED: _("Accepted by both parties"),
            ProposalStatus.NOT_ACCEPTED: _("Not accepted by both parties"),
            ProposalStatus.CLOSED: _("Closed: the parties settled on an offer")}


def _terms(terms: list[dict[str, Any]]) -> list[str]:
    return [str(TERM_KINDS.get(t["kind"], t["kind"])) + (f": {t['text']}" if t.get("text") else "") for t in terms]


def time_left(until: datetime, now: datetime, zone: str) -> str:
    """How long is left until ``until``, in whole local days ("3 days left", "closes today")."""
    days = clock.days_left(until, now, zone)
    if days <= 0:
        return _("closes today")
    return ngettext("%(num)s day left", "%(num)s days left", days)


def _offer_row(offer: Offer, mine: str | None, may_act: bool, mediator: bool, now: datetime, zone: str,
               words: dict[OfferStatus, str]) -> dict[str, Any]:
    is_open = offer.status is OfferStatus.OPEN and offer.expires_at > now
    answerable = is_open and offer.before_the_other_side
    private = offer.channel != JOINT
    return {
        "offer": offer,
        "amount": money(offer.amount_minor, offer.currency),
        "terms": _terms(offer.terms),
        "status": words[OfferStatus.EXPIRED] if offer.status is OfferStatus.OPEN and not is_open
        else words[offer.status],
        "is_open": is_open,
        "left": time_left(offer.expires_at, now, zone) if is_open else "",
        "ours": offer.side == mine,
        "who": party_text(offer.side),
        "private": private and not offer.conveyed_figure,
        "conveyed": ("figure" if offer.conveyed_figure else "move") if offer.conveyed_at else None,
        "may_answer": may_act and answerable and offer.side != mine,
        "may_withdraw": may_act and is_open and offer.side == mine,
        "may_convey_figure": mediator and private and is_open and not offer.conveyed_figure,
        "may_convey_move": mediator and private and is_open and offer.conveyed_at is None,
        "counter_of": money(offer.replies_to.amount_minor, offer.replies_to.currency) if offer.replies_to else None,
        "extended_until": offer.answer_by if offer.answer_extended else None,
    }


def _proposal_row(proposal: Proposal, viewer: User, mine: str | None, may_act: bool, now: datetime, zone: str,
                  words: dict[ProposalStatus, str]) -> dict[str, Any]:
    view = proposals.view_of(proposal, viewer)
    is_open = proposal.status is ProposalStatus.OPEN and proposal.expires_at > now
    answers = view["answers"]
    return {
        **view,
        "amount": money(proposal.amount_minor, proposal.currency),
        "terms_shown": _terms(proposal.terms),
        "status_words": words[proposal.status] if proposal.status is not ProposalStatus.OPEN or is_open
        else _("Expired: the outcome is being disclosed"),
        "is_open": is_open,
        "left": time_left(proposal.expires_at, now, zone) if is_open else "",
        "may_answer": may_act and mine is not None and is_open and view["your_answer"] is None,
        "answer_words": {"accept": _("accepted"), "reject": _("rejected"), None: _("not answered yet")},
        "answers_shown": [(str(PARTIES[side]), answers[side]) for side in ("customer", "insurer")] if answers else [],
    }


def build(session: Session, viewer: User, case: Case, now: datetime) -> dict[str, Any] | None:
    """The offers panel of ``case`` for ``viewer`` (None: they may not see offers)."""
    if not can(viewer, "offers.view", case):
        return None
    tenant = session.get(Tenant, case.tenant_id)
    assert tenant is not None
    zone = tenant.time_zone
    side = side_of(viewer, case)
    mine = side.value if side else None
    may_act = can(viewer, "offers.respond", case) and mine is not None
    mediator = can(viewer, "offers.convey", case)
    settled = is_settled(session, case)
    words, proposal_words = _status_words(), _proposal_words()
    rows = [_offer_row(o, mine, may_act, mediator, now, zone, words)
            for o in services.case_offers(session, case, viewer)]
    listed = [_proposal_row(p, viewer, mine, may_act, now, zone, proposal_words)
              for p in proposals.case_proposals(session, case)]
    return {
        "rows": rows,
        "moves": [{"who": party_text(o.side), "at": o.conveyed_at} for o in services.moves_told(session, case, viewer)],
        "proposals": listed,
        "settled": settled,
        "may_make": can(viewer, "offers.make", case) and mine is not None and not settled,
        "may_propose": can(viewer, "offers.propose", case) and not settled and not any(p["is_open"] for p in listed),
        "joint_closed": case.shuttle_only and mine is not None,
        "currency": case.currency,
        "term_kinds": [(key, str(label)) for key, label in TERM_KINDS.items()],
        "expiry_choices": [(d, (now + timedelta(days=d))) for d in (3, 7, 14, 30)],
    }
