"""The mediator's proposal: one figure and terms put to both parties at once, answered privately.

Each party accepts or rejects it once, in its caucus (the other side never reads the answer). The
outcome is disclosed in the joint channel once both have answered or the proposal expired: "both
accepted" (a settlement) or "not accepted by both", which never says who rejected it, nor whether
someone let it expire. Disclosure is one conditional update (``... WHERE status = 'open' AND both
answers are in``, the outcome computed from the row itself), so two answers at the same instant, or
an answer racing the expiry, disclose exactly once.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, or_, select, update
from sqlalchemy import case as when_then
from sqlalchemy.orm import Session

from odr.mediation.core.access import side_of, visible_channels
from odr.mediation.core.channels import CAUCUS_CUSTOMER, CAUCUS_INSURER
from odr.mediation.core.events import JOINT, actor_label, append_event
from odr.mediation.core.models import Case, Side
from odr.mediation.core.signals import settlement_reached
from odr.mediation.offers.kinds import PROPOSAL_ANSWERED, PROPOSAL_DISCLOSED, PROPOSAL_MADE
from odr.mediation.offers.models import Proposal, ProposalStatus
from odr.mediation.offers.policy import DEFAULT_EXPIRY_DAYS
from odr.mediation.offers.settle import close_the_rest, proposal_payload, refuse_when_settled
from odr.platform.db import utcnow
from odr.platform.errors import Conflict, Forbidden, NotFound, ValidationFailed
from odr.platform.permissions import require
from odr.tenants.models import Tenant, User

ANSWERS = {"accept", "reject"}
_COLUMNS = {
    Side.CUSTOMER.value: (Proposal.customer_answer, Proposal.customer_answered_at),
    Side.INSURER.value: (Proposal.insurer_answer, Proposal.insurer_answered_at),
}


def case_proposals(session: Session, case: Case) -> list[Proposal]:
    """The case's proposals, the newest first (everyone in the case sees that one was made)."""
    return list(session.scalars(select(Proposal).where(Proposal.case_id == case.id)
                                .order_by(Proposal.created_at.desc(), Proposal.id.desc())))


def proposal_in(session: Session, case: Case, public_id: str | UUID) -> Proposal:
    """The proposal ``public_id`` of ``case``; another case's or a malformed id is not found."""
    try:
        key = public_id if isinstance(public_id, UUID) else UUID(str(public_id))
    except ValueError:
        raise NotFound(str(_l("We could not find that proposal."))) from None
    proposal = session.scalar(select(Proposal).where(Proposal.case_id == case.id, Proposal.public_id == key))
    if proposal is None:
        raise NotFound(str(_l("We could not find that proposal.")))
    return proposal


def sees_both_answers(viewer: Any, case: Case) -> bool:
    """Whether ``viewer`` may read both parties' answers: they read both caucuses (the mediator, staff)."""
    return {CAUCUS_CUSTOMER, CAUCUS_INSURER} <= visible_channels(viewer, case)


def view_of(proposal: Proposal, viewer: Any) -> dict[str, Any]:
    """The proposal as ``viewer`` may know it: a party sees its own answer only, never the other's."""
    side = side_of(viewer, proposal.case)
    both = sees_both_answers(viewer, proposal.case)
    return {
        "proposal": proposal,
        "id": proposal.public_id,
        "case": proposal.case.public_id,
        "amount_minor": proposal.amount_minor,
        "currency": proposal.currency,
        "terms": proposal.terms,
        "status": proposal.status.value,
        "expires_at": proposal.expires_at,
        "disclosed_at": proposal.disclosed_at,
        "created_at": proposal.created_at,
        "your_answer": proposal.answer_of(side.value) if side else None,
        "answers": {"customer": proposal.customer_answer, "insurer": proposal.insurer_answer} if both else None,
    }


def check_may_propose(session: Session, actor: User, case: Case, now: datetime | None = None) -> None:
    """Refuse unless ``actor`` may put a proposal now: the case's mediator, no settlement agreed, no
    proposal waiting for answers. Asked before the input is read: then the page has no form to correct."""
    require(actor, "offers.propose", case)
    refuse_when_settled(session, case)
    waiting = session.scalar(select(Proposal.id).where(Proposal.case_id == case.id,
                                                       Proposal.status == ProposalStatus.OPEN,
                                                       Proposal.expires_at > (now or utcnow())))
    if waiting is not None:
        raise Conflict(str(_l("Your earlier proposal is still waiting for the parties' answers.")))


def propose(session: Session, actor: User, case: Case, values: dict[str, Any], now: datetime | None = None
            ) -> Proposal:
    """The mediator puts a proposal to both parties at once; one proposal waits for answers at a time.

    :param values: loaded by ``ProposalSchema``: amount (minor units), currency, terms, expires_in_days
    """
    now = now or utcnow()
    check_may_propose(session, actor, case, now)
    problems: dict[str, list[str]] = {}
    if values["currency"].upper() != case.currency:
        problems["currency"] = [str(_l("Offers in this case are in %(currency)s.", currency=case.currency))]
    if values["amount"] == 0 and not values["terms"]:
        problems["amount"] = [str(_l("A proposal of nothing needs terms beyond money, such as an apology or a "
                                     "repair."))]
    if problems:
        raise ValidationFailed.on_fields(problems)
    tenant = session.get(Tenant, case.tenant_id)
    assert tenant is not None
    days = values.get("expires_in_days") or int((tenant.policy or {}).get("offers", {}).get(
        "expiry_days", DEFAULT_EXPIRY_DAYS))
    proposal = Proposal(tenant_id=case.tenant_id, case_id=case.id, made_by_id=actor.id,
                        made_by_label=actor_label(actor), amount_minor=values["amount"], currency=case.currency,
                        terms=[{"kind": t["kind"], "text": t.get("text", "").strip()} for t in values["terms"]],
                        expires_at=now + timedelta(days=days), status=ProposalStatus.OPEN, created_at=now)
    session.add(proposal)
    session.flush()
    append_event(session, case, PROPOSAL_MADE, actor=actor, channel=JOINT, payload=proposal_payload(proposal))
    return proposal


def answer(session: Session, actor: User, proposal: Proposal, decision: str, now: datetime | None = None
           ) -> Proposal:
    """A party accepts or rejects the proposal, once and privately; the outcome is disclosed when both
    have answered."""
    case = proposal.case
    require(actor, "offers.respond", case)
    side = side_of(actor, case)
    if side is None:
        raise Forbidden(str(_l("Only the parties answer the mediator's proposal.")))
    if decision not in ANSWERS:
        raise ValidationFailed.on_field("decision", _l("Accept or reject."))
    now = now or utcnow()
    column, at = _COLUMNS[side.value]
    won = session.execute(
        update(Proposal).where(Proposal.id == proposal.id, Proposal.status == ProposalStatus.OPEN,
                               Proposal.expires_at > now, column.is_(None))
        .values({column: decision, at: now}).execution_options(synchronize_session=False)).rowcount == 1
    if not won:
        session.refresh(proposal)
        if proposal.answer_of(side.value) is not None:
            raise Conflict(str(_l("You have answered this proposal already.")))
        raise Conflict(str(_l("This proposal is no longer open: its outcome was disclosed or it expired.")))
    session.refresh(proposal)
    append_event(session, case, PROPOSAL_ANSWERED, actor=actor, channel=f"caucus:{side.value}",
                 payload={"proposal": str(proposal.public_id), "side": side.value, "answer": decision})
    disclose(session, proposal, actor, now)
    return proposal


_BOTH_ACCEPTED = when_then((and_(Proposal.customer_answer == "accept", Proposal.insurer_answer == "accept"),
                       ProposalStatus.ACCEPTED.value), else_=ProposalStatus.NOT_ACCEPTED.value)


def disclose(session: Session, proposal: Proposal, actor: User | None, now: datetime) -> bool:
    """Disclose the outcome once both parties have answered or the proposal expired; True when this
    call disclosed it. Both accepted: the settlement is reached and every open offer closes."""
    query = update(Proposal).where(Proposal.id == proposal.id, Proposal.status == ProposalStatus.OPEN)
    ready = and_(Proposal.customer_answer.is_not(None), Proposal.insurer_answer.is_not(None))
    query = query.where(or_(ready, Proposal.expires_at <= now))
    outcome = session.execute(query.values(status=_BOTH_ACCEPTED, disclosed_at=now).returning(Proposal.status)
                              .execution_options(synchronize_session=False)).scalar()
    if outcome is None:
        return False
    session.refresh(proposal)
    accepted = proposal.status is ProposalStatus.ACCEPTED
    append_event(session, proposal.case, PROPOSAL_DISCLOSED, actor=None, channel=JOINT,
                 payload={**proposal_payload(proposal), "outcome": proposal.status.value})
    if accepted:
        close_the_rest(session, proposal.case, now)
        settlement_reached.send(session, case=proposal.case, actor=actor, amount_minor=proposal.amount_minor,
                                currency=proposal.currency, terms=list(proposal.terms), source="proposal",
                                source_id=str(proposal.public_id))
    return True


def expire_due(session: Session, now: datetime | None = None) -> int:
    """Disclose every open proposal whose time has passed (the job): not accepted by both, once."""
    now = now or utcnow()
    due = session.scalars(select(Proposal).where(Proposal.status == ProposalStatus.OPEN, Proposal.expires_at <= now)
                          .execution_options(all_tenants=True)).all()
    return sum(1 for proposal in due if disclose(session, proposal, None, now))
