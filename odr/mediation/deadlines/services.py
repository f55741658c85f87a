"""Deadlines: open and close them, run the regulatory clock, escalate, and sweep what is due."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from odr.mediation.core.events import STAFF, append_event
from odr.mediation.core.models import Case
from odr.mediation.core.parties import case_link, case_path, party_users, staff_for
from odr.mediation.core.states import ACTIVE, CaseState
from odr.mediation.deadlines.kinds import CLOCK_EXTENDED, CLOCK_PAUSED, CLOCK_RESUMED, ESCALATED, TASK_DONE
from odr.mediation.deadlines.models import (
    CaseTask,
    Deadline,
    DeadlineKind,
    DeadlineStatus,
)
from odr.mediation.deadlines.policy_defaults import TIER_OWNERS, setting, tier_days
from odr.mediation.deadlines.schedule import (
    done_actions,
    next_action_at,
)
from odr.platform import calendar as clock
from odr.platform.db import utcnow
from odr.platform.errors import ValidationFailed
from odr.platform.i18n import Message, _m
from odr.platform.permissions import require
from odr.tenants.models import Tenant, User
from odr.tenants.notifications.services import notify, send_templated

log = logging.getLogger(__name__)

TIER_NAMES = {1: _m("screening"), 2: _m("mediation"), 3: _m("senior review"), 4: _m("arbitration or the regulator")}


def _tenant(session: Session, case: Case) -> Tenant:
    return session.get(Tenant, case.tenant_id)  # type: ignore[return-value]


# Opening and closing ---------------------------------------------------------------------------


def open_deadline(
    session: Session, case: Case, kind: DeadlineKind, party: str, what: str | Message, due_at: datetime,
    now: datetime | None = None,
) -> Deadline:
    """Add a deadline with the tenant's reminder offsets; its first action time is set.

    :param what: what is expected, as a Message (``_m``) so each reader sees it in their language
    """
    tenant = _tenant(session, case)
    deadline = Deadline(
        tenant_id=case.tenant_id,
        case_id=case.id,
        kind=kind,
        tier=case.tier,
        party=party,
        what=str(what)[:300],
        what_message=what.to_json() if isinstance(what, Message) else None,
        due_at=due_at,
        reminder_days=sorted({int(d) for d in setting(tenant.policy, "reminder_days") if int(d) > 0}, reverse=True),
        created_at=now or utcnow(),
    )
    deadline.next_action_at = next_action_at(deadline, set(), tenant)
    session.add(deadline)
    session.flush()
    return deadline


def close_deadlines(
    session: Session, case: Case, *, kinds: Iterable[DeadlineKind] | None = None, party: str | None = None,
    status: DeadlineStatus = DeadlineStatus.MET,
) -> int:
    """Close the case's open (or paused) deadlines of ``kinds`` (and ``party``): met or cancelled."""
    query = select(Deadline).where(
        Deadline.case_id == case.id, Deadline.status.in_([DeadlineStatus.OPEN, DeadlineStatus.PAUSED])
    )
    if kinds is not None:
        query = query.where(Deadline.kind.in_(list(kinds)))
    if party is not None:
        query = query.where(Deadline.party == party)
    rows = session.scalars(query).all()
    for deadline in rows:
        deadline.status = status
        deadline.closed_at = utcnow()
        deadline.next_action_at = None
    session.flush()
    return len(rows)


def cancel_when_case_ends(session: Session, *, case: Case, active: bool, **_: object) -> None:
    """A case that leaves the active states (settled, withdrawn, rejected...) waits for nobody any more."""
    if not active:
        close_deadlines(session, case, status=DeadlineStatus.CANCELLED)


def start_tier(session: Session, case: Case, tier: int, now: datetime | None = None) -> Deadline:
    """Put ``case`` in ``tier`` with the days the tenant allows there."""
    now = now or utcnow()
    tenant = _tenant(session, case)
    close_deadlines(session, case, kinds=[DeadlineKind.TIER], status=DeadlineStatus.CANCELLED)
    case.tier = tier
    return open_deadline(
        session, case, DeadlineKind.TIER, TIER_OWNERS[tier],
        _m("finish %(tier)s", tier=TIER_NAMES[tier]),
        clock.due_after_days(now, tier_days(tenant.policy, tier), tenant.time_zone), now,
    )


def expect_response(session: Session, case: Case, party: str, what: str | Message,
                    now: datetime | None = None, *, due_at: datetime | None = None) -> Deadline:
    """It is ``party``'s turn: open a response deadline (the previous one of that party is cancelled).

    :param due_at: when it falls due, if not the tenant's response days from now (a turn handed on
        within a running period, such as a counter-offer's)
    """
    now = now or utcnow()
    tenant = _tenant(session, case)
    close_deadlines(session, case, kinds=[DeadlineKind.RESPONSE], party=party, status=DeadlineStatus.CANCELLED)
    return open_deadline(
        session, case, DeadlineKind.RESPONSE, party, what,
        due_at or clock.due_after_days(now, int(setting(tenant.policy, "response_days")), tenant.time_zone), now,
    )


def open_response(session: Session, case: Case, party: str) -> Deadline | None:
    """The response deadline ``party`` has open in ``case`` (its turn), if any."""
    return session.scalars(select(Deadline).where(
        Deadline.case_id == case.id, Deadline.kind == DeadlineKind.RESPONSE, Deadline.party == party,
        Deadline.status == DeadlineStatus.OPEN).order_by(Deadline.due_at.desc())).first()


def party_acted(session: Session, case: Case, party: str) -> None:
    """The party did what was expected: its response deadline is met, and nobody needs to phone them."""
    close_deadlines(session, case, kinds=[DeadlineKind.RESPONSE], party=party)
    tasks = session.scalars(select(CaseTask).where(
        CaseTask.case_id == case.id, CaseTask.kind == "phone_party", CaseTask.party == party,
        CaseTask.done_at.is_(None))).all()
    for task in tasks:
        task.done_at = utcnow()
        task.outcome_message = _m("Not needed any more: they answered.").to_json()
        task.outcome = str(Message.from_json(task.outcome_message))
        task.details = {**task.details, "result": "answered"}
        append_event(session, case, TASK_DONE, actor=None, channel=STAFF,
                     payload={"task": str(task.public_id), "kind": task.kind, "party": party, "result": "answered"})
    session.flush()


# The regulatory clock ----------------------------------------------------------------------------


def start_clock(session: Session, case: Case, now: datetime | None = None) -> Deadline:
    """The file is complete: the outcome must come within the tenant's limit (90 days by default)."""
    now = now or utcnow()
    tenant = _tenant(session, case)
    case.file_complete_at = now
    case.outcome_due_at = clock.due_after_days(now, int(setting(tenant.policy, "outcome_days")), tenant.time_zone)
    return open_deadline(session, case, DeadlineKind.OUTCOME, "provider", _m("reach an outcome"),
                         case.outcome_due_at, now)


def _outcome_deadline(session: Session, case: Case) -> Deadline | None:
    return session.scalar(
        select(Deadline).where(
            Deadline.case_id == case.id,
            Deadline.kind == DeadlineKind.OUTCOME,
            Deadline.status.in_([DeadlineStatus.OPEN, DeadlineStatus.PAUSED]),
        )
    )


def _clock_problem(session: Session, case: Case) -> str:
    """Why the clock cannot be changed: never started, or its limit has passed."""
    if case.outcome_due_at is None:
        return str(_l("The time limit has not started yet."))
    return str(_l("The time limit has passed or the case has ended, so it can no longer be changed."))


def pause_clock(session: Session, actor: User, case: Case, reason: str, now: datetime | None = None) -> None:
    """Stop the clock while a party owes information; both parties are told."""
    require(actor, "cases.manage_clock", case)
    reason = _reason(reason)
    now = now or utcnow()
    deadline = _outcome_deadline(session, case)
    if deadline is None:
        raise ValidationFailed(_clock_problem(session, case))
    if case.clock_paused_at is not None:
        raise ValidationFailed(str(_l("The time limit is already paused.")))
    case.clock_paused_at = now
    case.clock_pause_reason = reason
    deadline.status = DeadlineStatus.PAUSED
    deadline.paused_at = now
    deadline.next_action_at = None
    append_event(session, case, CLOCK_PAUSED, actor=actor, payload={"reason": reason})
    _tell_parties(session, case, CLOCK_PAUSED,
                  _m("The time limit of case %(ref)s is paused: %(reason)s", ref=case.reference, reason=reason),
                  _m("it is paused while information is awaited (%(reason)s)", reason=reason))


def resume_clock(session: Session, actor: User, case: Case, now: datetime | None = None) -> None:
    """Start the clock again; the outcome date moves by the whole days it stood still."""
    require(actor, "cases.manage_clock", case)
    now = now or utcnow()
    deadline = _outcome_deadline(session, case)
    if deadline is None:
        raise ValidationFailed(_clock_problem(session, case))
    if case.clock_paused_at is None:
        raise ValidationFailed(str(_l("The time limit is not paused.")))
    tenant = _tenant(session, case)
    paused_days = max(clock.days_left(now, case.clock_paused_at, tenant.time_zone), 0)
    case.outcome_due_at = clock.end_of_local_day(
        clock.local_date(deadline.due_at, tenant.time_zone) + timedelta(days=paused_days), tenant.time_zone
    )
    deadline.due_at = case.outcome_due_at
    deadline.status = DeadlineStatus.OPEN
    deadline.paused_at = None
    deadline.next_action_at = next_action_at(deadline, done_actions(session, deadline), tenant)
    case.clock_paused_at = None
    case.clock_pause_reason = None
    due_on = clock.local_date(case.outcome_due_at, tenant.time_zone)
    append_event(session, case, CLOCK_RESUMED, actor=actor,
                 payload={"paused_days": paused_days, "outcome_due_at": case.outcome_due_at.isoformat()})
    _tell_parties(session, case, CLOCK_RESUMED,
                  _m("The time limit of case %(ref)s runs again; the outcome is due by %(due)s.",
                         ref=case.reference, due=due_on),
                  _m("it runs again after %(days)s days' pause; the outcome is now due by %(due)s",
                         days=paused_days, due=due_on), due_on)


def extend_clock(session: Session, actor: User, case: Case, reason: str) -> None:
    """Extend the outcome limit once, for a complex dispute; both parties are told."""
    require(actor, "cases.manage_clock", case)
    reason = _reason(reason)
    deadline = _outcome_deadline(session, case)
    if deadline is None:
        raise ValidationFailed(_clock_problem(session, case))
    if case.clock_extended:
        raise ValidationFailed(str(_l("The time limit can be extended only once.")))
    tenant = _tenant(session, case)
    days = int(setting(tenant.policy, "extension_days"))
    case.outcome_due_at = clock.end_of_local_day(
        clock.local_date(deadline.due_at, tenant.time_zone) + timedelta(days=days), tenant.time_zone
    )
    deadline.due_at = case.outcome_due_at
    case.clock_extended = True
    if deadline.status is DeadlineStatus.OPEN:
        deadline.next_action_at = next_action_at(deadline, done_actions(session, deadline), tenant)
    due_on = clock.local_date(case.outcome_due_at, tenant.time_zone)
    append_event(session, case, CLOCK_EXTENDED, actor=actor,
                 payload={"reason": reason, "days": days, "outcome_due_at": case.outcome_due_at.isoformat()})
    _tell_parties(session, case, CLOCK_EXTENDED,
                  _m("The time limit of case %(ref)s is extended by %(days)s days: %(reason)s",
                         ref=case.reference, days=days, reason=reason),
                  _m("it is extended by %(days)s days for a complex dispute (%(reason)s); the outcome is now "
                         "due by %(due)s", days=days, reason=reason, due=due_on), due_on)


def _reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed.on_fields({"reason": [str(_l("This field is required."))]})
    if len(reason) > 2000:
        raise ValidationFailed.on_fields({"reason": [str(_l("Use at most %(n)s characters.", n=2000))]})
    return reason


# Escalation ---------------------------------------------------------------------------------------


def escalate(session: Session, case: Case, *, actor: User | None, reason: str | Message, trigger: str,
             now: datetime | None = None) -> None:
    """Raise ``case`` a tier (or flag it at the top tier), record why, and tell the right people."""
    now = now or utcnow()
    if case.state not in ACTIVE:
        return
    if case.tier < 4:
        start_tier(session, case, case.tier + 1, now)
    flag(session, case, reason, now)
    append_event(session, case, ESCALATED, actor=actor,
                 payload={"tier": case.tier, "reason": str(reason), "trigger": trigger})
    tenant = _tenant(session, case)
    values = {"case_reference": case.reference, "reason": reason,
              "tier": _m("%(num)s: %(tier)s", num=case.tier, tier=TIER_NAMES[case.tier]),
              "link": case_link(tenant, case)}
    title = _m("Case %(ref)s escalated to tier %(tier)s", ref=case.reference, tier=case.tier)
    _tell(session, tenant, case, staff_for(session, case), kind=ESCALATED, title=title, body=reason,
          email_key="escalation", email_values=values)


def flag(session: Session, case: Case, reason: str | Message, now: datetime | None = None) -> None:
    """Mark ``case`` as needing a case manager's attention."""
    case.attention_reason = str(reason)
    case.attention_message = reason.to_json() if isinstance(reason, Message) else None
    case.attention_since = now or utcnow()


def count_offer_answer(session: Session, *, case: Case, actor: User | None, accepted: bool, **_: object) -> None:
    """An answered offer (``signals.offer_answered``): N rejections in a row (the tenant's stalemate
    setting) escalate the case; an acceptance ends the run."""
    if accepted:
        case.rejections_in_a_row = 0
        return
    case.rejections_in_a_row += 1
    limit = int(setting(_tenant(session, case).policy, "stalemate_rejections"))
    if case.rejections_in_a_row >= limit:
        case.rejections_in_a_row = 0
        escalate(session, case, actor=actor, trigger="stalemate",
                 reason=_m("%(n)s offers in a row were rejected", n=limit))


def request_escalation(session: Session, actor: User, case: Case, reason: str) -> None:
    """A party (or the mediator) asks, with reasons, for the case to go up a tier."""
    require(actor, "cases.request_escalation", case)
    reason = _reason(reason)
    if case.state not in ACTIVE:
        raise ValidationFailed(str(_l("Only a case in progress can be escalated.")))
    escalate(session, case, actor=actor, trigger="request",
             reason=_m("%(name)s asked: %(reason)s", name=actor.full_name, reason=reason))


# Telling people ------------------------------------------------------------------------------------


def _tell(session: Session, tenant: Tenant, case: Case, others: list[User], *, kind: str, title: Message,
          email_key: str, email_values: dict[str, Any], body: str | Message = "") -> None:
    """Tell both parties (and ``others``) in the app and by e-mail.

    A customer of a case in mediation who has not joined yet gets the e-mail at the address
    the insurer gave, so both parties are told even before the customer signs in.
    """
    customers = party_users(session, case, "customer")
    notify(session, tenant, others + customers + party_users(session, case, "insurer"), kind=kind, title=title,
           body=body, link=case_path(tenant, case), email_key=email_key, email_values=email_values)
    if not customers and case.state is CaseState.OPEN:
        send_templated(session, tenant, case.customer_email, case.customer_name, case.customer_language,
                       email_key, email_values)


def _tell_parties(session: Session, case: Case, kind: str, title: Message, change: Message,
                  due: date | str = "") -> None:
    tenant = _tenant(session, case)
    _tell(session, tenant, case, [], kind=kind, title=title, email_key="clock_changed",
          email_values={"case_reference": case.reference, "change": change, "due": due,
                        "link": case_link(tenant, case)})
