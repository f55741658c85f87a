"""What a settlement does to the rest of the negotiation: every other open offer and proposal closes,
and nothing new can be put while the settlement agreement is drafted.

Closing is a status of its own (``OfferStatus.CLOSED``, ``ProposalStatus.CLOSED``), not a withdrawal:
the maker did nothing, and nobody rejected anything, so the stalemate's count is untouched. Each
close is the same conditional update as any other change of an open offer, so an answer racing
the settlement leaves one outcome.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, or_, select, update
from sqlalchemy.orm import Session

from odr.mediation.agreements.services import agreement_of
from odr.mediation.core.events import JOINT, append_event
from odr.mediation.core.models import Case
from odr.mediation.offers.kinds import CLOSED, PROPOSAL_CLOSED
from odr.mediation.offers.models import Offer, OfferStatus, Proposal, ProposalStatus
from odr.platform.db import utcnow
from odr.platform.errors import Conflict


def payload(offer: Offer) -> dict[str, Any]:
    """What an offer's events record of it."""
    return {"offer": str(offer.public_id), "side": offer.side, "channel": offer.channel,
            "amount_minor": offer.amount_minor, "currency": offer.currency, "terms": offer.terms,
            "expires_at": offer.expires_at.isoformat(),
            "replies_to": str(offer.replies_to.public_id) if offer.replies_to else None}


def proposal_payload(proposal: Proposal) -> dict[str, Any]:
    """What a proposal's joint events record of it: never a party's answer."""
    return {"proposal": str(proposal.public_id), "amount_minor": proposal.amount_minor,
            "currency": proposal.currency, "terms": proposal.terms, "expires_at": proposal.expires_at.isoformat()}


def is_settled(session: Session, case: Case) -> bool:
    """Whether the parties agreed already: an accepted offer, a proposal both accepted, or any other way
    that drafted the settlement agreement (a blind-bidding round)."""
    if agreement_of(session, case) is not None:
        return True
    return bool(session.scalar(select(or_(
        exists().where(Offer.case_id == case.id, Offer.status == OfferStatus.ACCEPTED),
        exists().where(Proposal.case_id == case.id, Proposal.status == ProposalStatus.ACCEPTED)))))


def refuse_when_settled(session: Session, case: Case) -> None:
    """Nothing new is put to the parties once they agreed: the agreement is being drafted."""
    if is_settled(session, case):
        raise Conflict(str(_l("The parties have agreed a settlement, and its agreement is being drafted: no new "
                              "offer or proposal can be made.")))


def close_the_rest(session: Session, case: Case, now: datetime, *, keep_offer: int | None = None) -> int:
    """The parties settled: close every other open offer and proposal of ``case``, each with its event.

    :param keep_offer: the id of the offer that was accepted (already no longer open)
    :returns: how many were closed
    """
    closed = 0
    offers = session.scalars(select(Offer).where(Offer.case_id == case.id, Offer.status == OfferStatus.OPEN,
                                                 Offer.id != (keep_offer or 0)).order_by(Offer.id)).all()
    for offer in offers:
        won = session.execute(update(Offer).where(Offer.id == offer.id, Offer.status == OfferStatus.OPEN)
                              .values(status=OfferStatus.CLOSED, answered_at=now)
                              .execution_options(synchronize_session=False)).rowcount == 1
        if won:
            offer.status, offer.answered_at = OfferStatus.CLOSED, now
            append_event(session, case, CLOSED, actor=None, channel=offer.shown_in, payload=payload(offer))
            closed += 1
    proposals = session.scalars(select(Proposal).where(Proposal.case_id == case.id,
                                                       Proposal.status == ProposalStatus.OPEN)).all()
    for proposal in proposals:
        won = session.execute(update(Proposal).where(Proposal.id == proposal.id,
                                                     Proposal.status == ProposalStatus.OPEN)
                              .values(status=ProposalStatus.CLOSED, disclosed_at=now)
                              .execution_options(synchronize_session=False)).rowcount == 1
        if won:
            proposal.status, proposal.disclosed_at = ProposalStatus.CLOSED, now
            append_event(session, case, PROPOSAL_CLOSED, actor=None, channel=JOINT,
                         payload=proposal_payload(proposal))
            closed += 1
    return closed


def on_settlement(session: Session, *, case: Case, source: str, **_values: Any) -> None:
    """The kernel's ``settlement_reached`` from elsewhere (a blind-bidding round): the open offers and
    proposals close as they do when an offer is accepted here."""
    if source not in ("offer", "proposal"):
        close_the_rest(session, case, utcnow())
