"""Use cases of blind bidding: opt in for one's side, put in one's side's figure for a round, and what
one reader may know of it all.

Every change takes the bidding's row first, by one conditional update (``... SET version = version + 1
WHERE id = ... AND status = ... AND current_round = ...``). On PostgreSQL a second request waits there
until the first commits and then reads what it wrote; on SQLite the write lock does the same. So the
two figures of a round arriving at the same instant are seen together by exactly one of them, which
decides the round once; the same side's second figure, or a figure for a round that ended meanwhile,
is refused and changes nothing.

A figure is read back only by ``status_for``: to its own side, and to the mediator (and the service's
staff) only when the rule both sides opted in to says so. No event, notification or log line carries one.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session

from odr.mediation.agreements.services import agreement_of
from odr.mediation.bidding.kinds import OPTED_IN, ROUND_FAILED, SETTLED, STARTED
from odr.mediation.bidding.models import BiddingStatus, BlindBid, BlindBidding
from odr.mediation.bidding.policy import tenant_rule
from odr.mediation.bidding.rule import Rule, decide
from odr.mediation.core.access import may_view, side_of
from odr.mediation.core.events import JOINT, append_event
from odr.mediation.core.models import Case
from odr.mediation.core.parties import case_path, party_users
from odr.mediation.core.signals import settlement_reached
from odr.mediation.deadlines import services as deadlines
from odr.platform.db import utcnow
from odr.platform.errors import Conflict, Forbidden, ValidationFailed
from odr.platform.i18n import _m
from odr.platform.permissions import can, require
from odr.tenants.models import Tenant, User
from odr.tenants.notifications.services import notify

SIDES = ("customer", "insurer")
OTHER = {"customer": "insurer", "insurer": "customer"}
ENDED = {BiddingStatus.SETTLED, BiddingStatus.NOT_SETTLED}
NOTICE = "bidding.update"  # the kind of the bell's entries


def _side(actor: User, case: Case) -> str:
    side = side_of(actor, case)
    if side is None:
        raise Forbidden(str(_l("Only the parties take part in blind bidding.")))
    return side.value


def bidding_of(session: Session, case: Case) -> BlindBidding | None:
    """The case's blind bidding, if a side has opted in."""
    return session.scalar(select(BlindBidding).where(BlindBidding.case_id == case.id))


def rule_of(bidding: BlindBidding) -> Rule:
    """The rule a bidding runs by."""
    return Rule(bidding.rounds, bidding.percent, bidding.gap_minor, bidding.mediator_sees_figures)


def case_rule(session: Session, case: Case, bidding: BlindBidding | None = None) -> Rule:
    """The rule of ``case``: its bidding's once a side has opted in, else the tenant's now."""
    if bidding is not None:
        return rule_of(bidding)
    return tenant_rule(session.get(Tenant, case.tenant_id).policy)


def bids_of(session: Session, bidding: BlindBidding) -> list[BlindBid]:
    """Every figure of ``bidding``, by round and side (for ``status_for`` only: they are confidential)."""
    return list(session.scalars(select(BlindBid).where(BlindBid.bidding_id == bidding.id)
                                .order_by(BlindBid.round_no, BlindBid.side)))


def _take(session: Session, bidding: BlindBidding, *conditions: Any, **values: Any) -> bool:
    """Change ``bidding``'s row if ``conditions`` still hold, and read it back as it is now; True when
    this call changed it. The row stays held until the transaction ends."""
    session.flush()
    statement = (update(BlindBidding).where(BlindBidding.id == bidding.id, *conditions)
                 .values(version=BlindBidding.version + 1, **values)
                 .execution_options(synchronize_session=False))
    won = session.execute(statement).rowcount == 1
    session.refresh(bidding)
    return won


def _decided() -> Conflict:
    return Conflict(str(_l("This round was decided already.")))


def _not_started() -> Conflict:
    return Conflict(str(_l("Blind bidding has not started: both sides must opt in first.")))


def _ended(bidding: BlindBidding) -> Conflict:
    if bidding.status is BiddingStatus.SETTLED:
        return Conflict(str(_l("Blind bidding has ended: it settled in round %(round)s.", round=bidding.settled_round)))
    return Conflict(str(_l("Blind bidding has ended: no round settled.")))


def _agreed() -> Conflict:
    return Conflict(str(_l("The parties have agreed a settlement, and its agreement is being drafted: blind "
                           "bidding cannot start or go on.")))


def _new_bidding(session: Session, case: Case) -> BlindBidding:
    """The case's bidding, made with the tenant's rule as it is now; the other side's, if it made it first."""
    rule = case_rule(session, case)
    bidding = BlindBidding(tenant_id=case.tenant_id, case_id=case.id, status=BiddingStatus.OPTING_IN,
                           rounds=rule.rounds, percent=rule.percent, gap_minor=rule.gap_minor,
                           currency=case.currency, mediator_sees_figures=rule.mediator_sees_figures,
                           current_round=1, version=0)
    try:
        with session.begin_nested():
            session.add(bidding)
            session.flush()
    except IntegrityError:  # the other side's opt-in made it first: join theirs
        made = bidding_of(session, case)
        if made is None:
            raise
        return made
    return bidding


def opt_in(session: Session, actor: User, case: Case, now: datetime | None = None) -> BlindBidding:
    """Opt in to blind bidding for one's side, once; when the other side has too, it starts.

    The rule is the tenant's when the first side opts in; the second opts in to that same rule.
    """
    require(actor, "bidding.take_part", case)
    side = _side(actor, case)
    now = now or utcnow()
    bidding = bidding_of(session, case)
    if bidding is None and agreement_of(session, case) is not None:
        raise _agreed()
    bidding = bidding or _new_bidding(session, case)
    if bidding.status in ENDED:
        raise _ended(bidding)
    if bidding.opted_in_at(side) is not None:
        raise Conflict(str(_l("Your side has opted in already.")))
    at = BlindBidding.customer_opted_in_at if side == "customer" else BlindBidding.insurer_opted_in_at
    by = "customer_opted_in_by_id" if side == "customer" else "insurer_opted_in_by_id"
    if not _take(session, bidding, BlindBidding.status == BiddingStatus.OPTING_IN, at.is_(None),
                 **{at.key: now, by: actor.id}):
        raise Conflict(str(_l("Your side has opted in already.")))
    append_event(session, case, OPTED_IN, actor=actor, channel=JOINT,
                 payload={"bidding": str(bidding.public_id), "side": side})
    deadlines.party_acted(session, case, side)
    tenant = session.get(Tenant, case.tenant_id)
    if bidding.opted_in_at(OTHER[side]) is None:
        notify_users(session, tenant, case, [OTHER[side], "mediator"],
                     _m("The customer opted in to blind bidding in case %(ref)s", ref=case.reference)
                     if side == "customer" else
                     _m("The insurer opted in to blind bidding in case %(ref)s", ref=case.reference))
        return bidding
    if _take(session, bidding, BlindBidding.status == BiddingStatus.OPTING_IN,
             BlindBidding.customer_opted_in_at.is_not(None), BlindBidding.insurer_opted_in_at.is_not(None),
             status=BiddingStatus.BIDDING, started_at=now):
        append_event(session, case, STARTED, actor=None, channel=JOINT, payload={
            "bidding": str(bidding.public_id), "rounds": bidding.rounds, "percent": bidding.percent,
            "gap_minor": bidding.gap_minor, "currency": bidding.currency,
            "mediator_sees_figures": bidding.mediator_sees_figures})
        notify_users(session, tenant, case, ["customer", "insurer", "mediator"],
                     _m("Blind bidding started in case %(ref)s: put in your figure for round 1",
                        ref=case.reference))
    return bidding


def _check_round(bidding: BlindBidding, number: int) -> None:
    """Refuse a figure for a round other than the one that takes figures now."""
    if number > bidding.rounds:
        raise ValidationFailed.on_field("round", _l(
            "Blind bidding here has %(rounds)s rounds: there is no round %(round)s.",
            rounds=bidding.rounds, round=number))
    if number < bidding.current_round:
        raise ValidationFailed.on_field("round", _l(
            "Round %(round)s is finished. The figures for round %(current)s are being taken now.",
            round=number, current=bidding.current_round))
    if number > bidding.current_round:
        raise ValidationFailed.on_field("round", _l("Round %(round)s has not started yet.", round=number))


def _own_bid(session: Session, bidding: BlindBidding, number: int, side: str) -> BlindBid | None:
    return session.scalar(select(BlindBid).where(BlindBid.bidding_id == bidding.id, BlindBid.round_no == number,
                                                 BlindBid.side == side))


def _refuse_second(number: int) -> Conflict:
    return Conflict(str(_l("Your side has put in its figure for round %(round)s already. The result comes when "
                           "the other side has put in theirs.", round=number)))


def submit_bid(session: Session, actor: User, case: Case, values: dict[str, Any],
               now: datetime | None = None) -> BlindBid:
    """Put in one's side's confidential figure for the round that takes figures now; the second figure of
    a round decides it.

    :param values: loaded by ``BlindBidSchema``: figure (minor units), round (its number)
    """
    require(actor, "bidding.take_part", case)
    side = _side(actor, case)
    now = now or utcnow()
    bidding = bidding_of(session, case)
    if bidding is None or bidding.status is BiddingStatus.OPTING_IN:
        raise _not_started()
    if bidding.status in ENDED:
        raise _ended(bidding)
    if agreement_of(session, case) is not None:
        raise _agreed()
    number = int(values["round"])
    _check_round(bidding, number)
    if _own_bid(session, bidding, number, side) is not None:
        raise _refuse_second(number)
    if not _take(session, bidding, BlindBidding.status == BiddingStatus.BIDDING,
                 BlindBidding.current_round == number):
        # The round was decided while this request waited for the row.
        if bidding.status in ENDED:
            raise _ended(bidding)
        _check_round(bidding, number)
        raise _decided()
    if _own_bid(session, bidding, number, side) is not None:  # the same side, a moment earlier
        raise _refuse_second(number)
    bid = BlindBid(tenant_id=case.tenant_id, bidding_id=bidding.id, round_no=number, side=side,
                   figure_minor=int(values["figure"]), made_by_id=actor.id, created_at=now)
    session.add(bid)
    try:
        session.flush()
    except IntegrityError:
        # PostgreSQL's message names the failing row, the figure with it: keep only which table refused.
        raise IntegrityError("INSERT INTO blind_bids", None,
                             Exception("a check of blind_bids refused the row; its values are withheld"),
                             hide_parameters=True) from None
    except DBAPIError as error:  # logged as it goes up (a busy database, say): without the figure in it
        error.hide_parameters = True
        raise
    deadlines.party_acted(session, case, side)
    other = _own_bid(session, bidding, number, OTHER[side])
    if other is not None:
        customer, insurer = (bid, other) if side == "customer" else (other, bid)
        _decide(session, actor, case, bidding, customer.figure_minor, insurer.figure_minor, now)
    return bid


def _decide(session: Session, actor: User, case: Case, bidding: BlindBidding, customer_minor: int,
            insurer_minor: int, now: datetime) -> None:
    """Close the round the two figures belong to, once: settled, ended apart, or on to the next round."""
    number = bidding.current_round
    outcome = decide(rule_of(bidding), customer_minor, insurer_minor)
    if outcome.settles:
        change: dict[str, Any] = {"status": BiddingStatus.SETTLED, "settled_round": number,
                                  "settled_amount_minor": outcome.amount_minor, "ended_at": now}
    elif number >= bidding.rounds:
        change = {"status": BiddingStatus.NOT_SETTLED, "ended_at": now}
    else:
        change = {"current_round": number + 1}
    if not _take(session, bidding, BlindBidding.status == BiddingStatus.BIDDING,
                 BlindBidding.current_round == number, **change):
        raise _decided()
    tenant = session.get(Tenant, case.tenant_id)
    everyone = ["customer", "insurer", "mediator"]
    if outcome.settles:
        append_event(session, case, SETTLED, actor=None, channel=JOINT, payload={
            "bidding": str(bidding.public_id), "round": number, "amount_minor": outcome.amount_minor,
            "currency": bidding.currency})
        notify_users(session, tenant, case, everyone,
                     _m("Blind bidding settled case %(ref)s", ref=case.reference))
        settlement_reached.send(session, case=case, actor=actor, amount_minor=outcome.amount_minor,
                                currency=case.currency, terms=[], source="blind_bid",
                                source_id=str(bidding.public_id))
        return
    left = bidding.rounds - number
    append_event(session, case, ROUND_FAILED, actor=None, channel=JOINT, payload={
        "bidding": str(bidding.public_id), "round": number, "rounds_left": left})
    notify_users(session, tenant, case, everyone,
                 _m("Round %(round)s of blind bidding in case %(ref)s did not settle", round=number,
                    ref=case.reference))


def notify_users(session: Session, tenant: Tenant, case: Case, parties: list[str], title: Any) -> None:
    """Ring the bell of everyone acting for ``parties`` (customer, insurer, mediator) with ``title``,
    linked to the room. The title never holds a figure."""
    seen: set[int] = set()
    recipients = []
    for party in parties:
        for user in party_users(session, case, party):
            if user.id not in seen:
                seen.add(user.id)
                recipients.append(user)
    notify(session, tenant, recipients, kind=NOTICE, title=title, link=f"{case_path(tenant, case)}/room#bidding")


def sees_both_figures(user: Any, case: Case, bidding: BlindBidding | None) -> bool:
    """Whether ``user`` may read both sides' figures: a neutral who may see the case (its mediator, the
    service's staff), and only when the rule of this bidding says so. A party never does."""
    return (bidding is not None and bidding.mediator_sees_figures and side_of(user, case) is None
            and may_view(user, case))


def status_for(session: Session, user: User, case: Case) -> dict[str, Any]:
    """The case's blind bidding as ``user`` may know it (the API's body and the panel's facts): the rule,
    who opted in, each round's result, their own side's figures, and both sides' only when
    ``sees_both_figures``. Never a figure of the other side."""
    require(user, "bidding.view", case)
    bidding = bidding_of(session, case)
    rule = case_rule(session, case, bidding)
    side = side_of(user, case)
    mine = side.value if side else None
    takes_part = mine is not None and can(user, "bidding.take_part", case)
    both = sees_both_figures(user, case, bidding)
    status = bidding.status.value if bidding else "not_started"
    rounds: list[dict[str, Any]] = []
    figures: dict[tuple[int, str], int] = {}
    if bidding is not None and bidding.status is not BiddingStatus.OPTING_IN:
        figures = {(bid.round_no, bid.side): bid.figure_minor for bid in bids_of(session, bidding)}
        for number in range(1, bidding.current_round + 1):
            if bidding.status is BiddingStatus.SETTLED and number == bidding.settled_round:
                result = "settled"
            elif number < bidding.current_round or bidding.status is BiddingStatus.NOT_SETTLED:
                result = "not_settled"
            else:
                result = "open"
            rounds.append({
                "number": number, "result": result,
                "figure_in": {s: (number, s) in figures for s in SIDES},
                "your_figure_minor": figures.get((number, mine)) if mine else None,
                "figures_minor": {s: figures[(number, s)] for s in SIDES if (number, s) in figures} if both else None,
            })
    running = bidding is not None and bidding.status is BiddingStatus.BIDDING
    if bidding is None or bidding.status is BiddingStatus.OPTING_IN:
        left = rule.rounds
    elif running:
        left = bidding.rounds - bidding.current_round + 1
    else:
        left = 0
    return {
        "case": str(case.public_id),
        "id": str(bidding.public_id) if bidding else None,
        "status": status,
        "rule": {"rounds": rule.rounds, "percent": rule.percent, "amount_minor": rule.gap_minor,
                 "currency": bidding.currency if bidding else case.currency,
                 "mediator_sees_figures": rule.mediator_sees_figures},
        "sides": {s: {"opted_in": bool(bidding and bidding.opted_in_at(s)),
                      "opted_in_at": bidding.opted_in_at(s) if bidding else None} for s in SIDES},
        "your_side": mine,
        "current_round": bidding.current_round if running and bidding else None,
        "rounds_left": left,
        "rounds": rounds,
        "settled_amount_minor": bidding.settled_amount_minor if bidding else None,
        "settled_round": bidding.settled_round if bidding else None,
        "may_opt_in": takes_part and (bidding is None or (bidding.status is BiddingStatus.OPTING_IN
                                                          and bidding.opted_in_at(mine) is None)),
        "may_bid": takes_part and running and bidding is not None
                   and (bidding.current_round, mine) not in figures,
    }
