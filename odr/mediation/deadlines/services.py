"""Deadlines: open and close them, run the regulatory clock, escalate, and sweep what is due."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from odr.mediation.cases.models import Case
from odr.mediation.cases.states import ACTIVE, CaseState
from odr.mediation.deadlines import clock
from odr.mediation.deadlines.models import CaseTask, Deadline, DeadlineAction, DeadlineKind, DeadlineStatus
from odr.mediation.deadlines.policy_defaults import TIER_OWNERS, setting, tier_days
from odr.mediation.events import STAFF, append_event
from odr.platform.db import utcnow
from odr.platform.errors import ValidationFailed
from odr.tenants.models import Role, Tenant, User
from odr.tenants.notifications.services import notify, send_templated

log = logging.getLogger(__name__)

TIER_NAMES = {1: _l("screening"), 2: _l("mediation"), 3: _l("senior review"), 4: _l("arbitration or the regulator")}


def _tenant(session: Session, case: Case) -> Tenant:
    return session.get(Tenant, case.tenant_id)  # type: ignore[return-value]


# Opening and closing ---------------------------------------------------------------------------


def open_deadline(
    session: Session, case: Case, kind: DeadlineKind, party: str, what: str, due_at: datetime
) -> Deadline:
    """Add a deadline with the tenant's reminder offsets; its first action time is set."""
    tenant = _tenant(session, case)
    deadline = Deadline(
        tenant_id=case.tenant_id,
        case_id=case.id,
        kind=kind,
        tier=case.tier,
        party=party,
        what=what,
        due_at=due_at,
        reminder_days=sorted({int(d) for d in setting(tenant.policy, "reminder_days") if int(d) > 0}, reverse=True),
        created_at=utcnow(),
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


def start_tier(session: Session, case: Case, tier: int, now: datetime | None = None) -> Deadline:
    """Put ``case`` in ``tier`` with the days the tenant allows there."""
    now = now or utcnow()
    tenant = _tenant(session, case)
    close_deadlines(session, case, kinds=[DeadlineKind.TIER], status=DeadlineStatus.CANCELLED)
    case.tier = tier
    return open_deadline(
        session, case, DeadlineKind.TIER, TIER_OWNERS[tier],
        str(_l("finish %(tier)s", tier=TIER_NAMES[tier])),
        clock.due_after_days(now, tier_days(tenant.policy, tier), tenant.time_zone),
    )


def expect_response(session: Session, case: Case, party: str, what: str, now: datetime | None = None) -> Deadline:
    """It is ``party``'s turn: open a response deadline (the previous one of that party is met)."""
    now = now or utcnow()
    tenant = _tenant(session, case)
    close_deadlines(session, case, kinds=[DeadlineKind.RESPONSE], party=party, status=DeadlineStatus.CANCELLED)
    return open_deadline(
        session, case, DeadlineKind.RESPONSE, party, what,
        clock.due_after_days(now, int(setting(tenant.policy, "response_days")), tenant.time_zone),
    )


def party_acted(session: Session, case: Case, party: str) -> None:
    """The party did what was expected: its response deadline is met."""
    close_deadlines(session, case, kinds=[DeadlineKind.RESPONSE], party=party)


# The regulatory clock ----------------------------------------------------------------------------


def start_clock(session: Session, case: Case, now: datetime | None = None) -> Deadline:
    """The file is complete: the outcome must come within the tenant's limit (90 days by default)."""
    now = now or utcnow()
    tenant = _tenant(session, case)
    case.file_complete_at = now
    case.outcome_due_at = clock.due_after_days(now, int(setting(tenant.policy, "outcome_days")), tenant.time_zone)
    return open_deadline(session, case, DeadlineKind.OUTCOME, "provider", str(_l("reach an outcome")),
                         case.outcome_due_at)


def _outcome_deadline(session: Session, case: Case) -> Deadline | None:
    return session.scalar(
        select(Deadline).where(
            Deadline.case_id == case.id,
            Deadline.kind == DeadlineKind.OUTCOME,
            Deadline.status.in_([DeadlineStatus.OPEN, DeadlineStatus.PAUSED]),
        )
    )


def pause_clock(session: Session, actor: User, case: Case, reason: str, now: datetime | None = None) -> None:
    """Stop the clock while a party owes information; both parties are told."""
    now = now or utcnow()
    deadline = _outcome_deadline(session, case)
    if deadline is None or case.clock_paused_at is not None:
        raise ValidationFailed(str(_l("The clock is not running, so it cannot be paused.")))
    case.clock_paused_at = now
    case.clock_pause_reason = reason
    deadline.status = DeadlineStatus.PAUSED
    deadline.paused_at = now
    deadline.next_action_at = None
    append_event(session, case, "clock.paused", actor=actor, payload={"reason": reason})
    _tell_parties(session, case, str(_l("The time limit of case %(ref)s is paused: %(reason)s",
                                         ref=case.reference, reason=reason)), "clock.paused")


def resume_clock(session: Session, actor: User, case: Case, now: datetime | None = None) -> None:
    """Start the clock again; the outcome date moves by the whole days it stood still."""
    now = now or utcnow()
    deadline = _outcome_deadline(session, case)
    if deadline is None or case.clock_paused_at is None:
        raise ValidationFailed(str(_l("The clock is not paused.")))
    tenant = _tenant(session, case)
    paused_days = clock.days_left(now, case.clock_paused_at, tenant.time_zone)
    case.outcome_due_at = clock.end_of_local_day(
        clock.local_date(deadline.due_at, tenant.time_zone) + timedelta(days=max(paused_days, 0)), tenant.time_zone
    )
    deadline.due_at = case.outcome_due_at
    deadline.status = DeadlineStatus.OPEN
    deadline.paused_at = None
    deadline.next_action_at = next_action_at(deadline, _done(session, deadline), tenant)
    case.clock_paused_at = None
    case.clock_pause_reason = None
    append_event(session, case, "clock.resumed", actor=actor,
                 payload={"paused_days": paused_days, "outcome_due_at": case.outcome_due_at.isoformat()})
    _tell_parties(session, case, str(_l("The time limit of case %(ref)s runs again.", ref=case.reference)),
                  "clock.resumed")


def extend_clock(session: Session, actor: User, case: Case, reason: str) -> None:
    """Extend the outcome limit once, for a complex dispute; both parties are told."""
    deadline = _outcome_deadline(session, case)
    if deadline is None:
        raise ValidationFailed(str(_l("The clock is not running.")))
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
        deadline.next_action_at = next_action_at(deadline, _done(session, deadline), tenant)
    append_event(session, case, "clock.extended", actor=actor,
                 payload={"reason": reason, "days": days, "outcome_due_at": case.outcome_due_at.isoformat()})
    _tell_parties(session, case, str(_l("The time limit of case %(ref)s is extended by %(days)s days: %(reason)s",
                                        ref=case.reference, days=days, reason=reason)), "clock.extended")


# Escalation ---------------------------------------------------------------------------------------


def escalate(session: Session, case: Case, *, actor: User | None, reason: str, trigger: str,
             now: datetime | None = None) -> None:
    """Raise ``case`` a tier (or flag it at the top tier), record why, and tell the right people."""
    now = now or utcnow()
    if case.state not in ACTIVE:
        return
    if case.tier < 4:
        start_tier(session, case, case.tier + 1, now)
    flag(session, case, reason, now)
    append_event(session, case, "case.escalated", actor=actor,
                 payload={"tier": case.tier, "reason": reason, "trigger": trigger})
    tenant = _tenant(session, case)
    values = {"case_reference": case.reference, "reason": reason, "tier": f"{case.tier}: {TIER_NAMES[case.tier]}",
              "link": case_link(tenant, case)}
    title = str(_l("Case %(ref)s escalated to tier %(tier)s", ref=case.reference, tier=case.tier))
    notify(session, tenant, staff_for(session, case) + party_users(session, case, "customer")
           + party_users(session, case, "insurer"), kind="case.escalated", title=title, body=reason,
           link=case_path(tenant, case), email_key="escalation", email_values=values)


def flag(session: Session, case: Case, reason: str, now: datetime | None = None) -> None:
    """Mark ``case`` as needing a case manager's attention."""
    case.attention_reason = reason
    case.attention_since = now or utcnow()


def offer_rejected(session: Session, case: Case, *, actor: User | None) -> None:
    """Count a rejected offer; N in a row (the tenant's stalemate setting) escalate the case."""
    case.rejections_in_a_row += 1
    limit = int(setting(_tenant(session, case).policy, "stalemate_rejections"))
    if case.rejections_in_a_row >= limit:
        case.rejections_in_a_row = 0
        escalate(session, case, actor=actor, trigger="stalemate",
                 reason=str(_l("%(n)s offers in a row were rejected", n=limit)))


def offer_accepted(session: Session, case: Case) -> None:
    """An accepted offer ends a run of rejections."""
    case.rejections_in_a_row = 0


def request_escalation(session: Session, actor: User, case: Case, reason: str) -> None:
    """A party (or the mediator) asks, with reasons, for the case to go up a tier."""
    if case.state not in ACTIVE:
        raise ValidationFailed(str(_l("Only a case in progress can be escalated.")))
    escalate(session, case, actor=actor, trigger="request",
             reason=str(_l("%(name)s asked: %(reason)s", name=actor.full_name, reason=reason)))


# People --------------------------------------------------------------------------------------------


def case_path(tenant: Tenant, case: Case) -> str:
    """The case page's path."""
    return f"/t/{tenant.slug}/cases/{case.public_id}"


def case_link(tenant: Tenant, case: Case) -> str:
    """The case page's full address."""
    from flask import current_app

    return current_app.config["ODR"].base_url.rstrip("/") + case_path(tenant, case)


def staff_for(session: Session, case: Case) -> list[User]:
    """The case manager of ``case``, or every case manager when none is assigned."""
    if case.case_manager is not None:
        return [case.case_manager]
    return list(session.scalars(select(User).where(
        User.tenant_id == case.tenant_id, User.role == Role.CASE_MANAGER, User.is_active.is_(True))))


def party_users(session: Session, case: Case, party: str) -> list[User]:
    """Everyone who acts for ``party`` (customer, insurer, mediator, case_manager, provider)."""
    reps = [r.user for r in case.representatives if r.side.value == party]
    if party == "customer":
        return ([case.customer] if case.customer else []) + reps
    if party == "insurer":
        agents = session.scalars(select(User).where(
            User.tenant_id == case.tenant_id, User.organisation_id == case.organisation_id,
            User.role == Role.INSURER_AGENT, User.is_active.is_(True))).all()
        return list(agents) + reps
    if party == "mediator":
        return [case.mediator] if case.mediator else staff_for(session, case)
    if party == "case_manager":
        return staff_for(session, case)
    admins = session.scalars(select(User).where(
        User.tenant_id == case.tenant_id, User.role == Role.ADMIN, User.is_active.is_(True))).all()
    return staff_for(session, case) + list(admins)


def _tell_parties(session: Session, case: Case, title: str, kind: str) -> None:
    tenant = _tenant(session, case)
    notify(session, tenant, party_users(session, case, "customer") + party_users(session, case, "insurer"),
           kind=kind, title=title, link=case_path(tenant, case))


# The sweep -----------------------------------------------------------------------------------------


def _done(session: Session, deadline: Deadline) -> set[str]:
    return set(session.scalars(select(DeadlineAction.action).where(DeadlineAction.deadline_id == deadline.id)))


def planned_actions(deadline: Deadline, tenant: Tenant) -> list[tuple[datetime, str]]:
    """Every action of ``deadline`` with its time: reminders, a phone chase, the escalation."""
    zone = tenant.time_zone
    plan = [(clock.days_before(deadline.due_at, d, zone), f"reminder:{d}") for d in deadline.reminder_days]
    if deadline.kind is DeadlineKind.RESPONSE and deadline.party in {"customer", "insurer"}:
        silence = int(setting(tenant.policy, "silence_days"))
        chase_at = clock.due_after_days(deadline.created_at, silence, zone) - timedelta(seconds=1)
        if chase_at < deadline.due_at:
            plan.append((chase_at, "chase:phone"))
    plan.append((deadline.due_at, "escalation"))
    return sorted(plan)


def next_action_at(deadline: Deadline, done: set[str], tenant: Tenant) -> datetime | None:
    """When the deadline next needs the sweep (None when nothing is left)."""
    pending = [when for when, action in planned_actions(deadline, tenant) if action not in done]
    return min(pending) if pending else None


@dataclass
class SweepResult:
    """What one sweep did."""

    reminders: int = 0
    chases: int = 0
    escalations: int = 0
    skipped: int = 0
    deadlines: set[int] = field(default_factory=set)


def sweep(session: Session, now: datetime | None = None, batch: int = 200) -> SweepResult:
    """Take the due actions of open deadlines, each exactly once even with several sweepers.

    Deadlines are claimed with ``FOR UPDATE SKIP LOCKED`` (PostgreSQL), each action is recorded
    under a unique key in the same transaction as its effects, and each batch commits.
    """
    now = now or utcnow()
    result = SweepResult()
    while True:
        rows = session.scalars(
            select(Deadline)
            .where(Deadline.status == DeadlineStatus.OPEN, Deadline.next_action_at <= now)
            .order_by(Deadline.next_action_at)
            .limit(batch)
            .with_for_update(skip_locked=True, of=Deadline)
        ).all()
        if not rows:
            break
        for deadline in rows:
            _process(session, deadline, now, result)
        session.commit()
    return result


def _process(session: Session, deadline: Deadline, now: datetime, result: SweepResult) -> None:
    tenant = _tenant(session, deadline.case)
    done = _done(session, deadline)
    plan = planned_actions(deadline, tenant)
    overdue = deadline.due_at <= now
    for when, action in plan:
        if action in done or when > now:
            continue
        if overdue and action != "escalation":
            continue  # too late to remind; the escalation speaks for itself
        try:
            with session.begin_nested():
                session.add(DeadlineAction(tenant_id=deadline.tenant_id, deadline_id=deadline.id,
                                           action=action, done_at=now))
        except IntegrityError:
            result.skipped += 1  # another sweeper took it
            continue
        done.add(action)
        result.deadlines.add(deadline.id)
        _perform(session, tenant, deadline, action, now, result)
    if overdue:
        deadline.status = DeadlineStatus.PASSED
        deadline.closed_at = now
        deadline.next_action_at = None
    else:
        deadline.next_action_at = next_action_at(deadline, done, tenant)


def _perform(session: Session, tenant: Tenant, deadline: Deadline, action: str, now: datetime,
             result: SweepResult) -> None:
    case = deadline.case
    if case.state not in ACTIVE and case.state is not CaseState.SETTLED:
        return
    due_text = clock.local_date(deadline.due_at, tenant.time_zone).isoformat()
    recipients = party_users(session, case, deadline.party)
    if action.startswith("reminder:"):
        days = int(action.split(":")[1])
        last = days == min(deadline.reminder_days)
        title = str(_l("%(ref)s: %(what)s by %(due)s", ref=case.reference, what=deadline.what, due=due_text))
        notify(session, tenant, recipients, kind="deadline.reminder", title=title, link=case_path(tenant, case),
               email_key="deadline_reminder" if last else None,
               email_values={"case_reference": case.reference, "what": deadline.what, "due": due_text,
                             "link": case_link(tenant, case)})
        if last and not recipients and deadline.party == "customer":
            send_templated(session, tenant, case.customer_email, case.customer_name, case.customer_language,
                           "deadline_reminder", {"case_reference": case.reference, "what": deadline.what,
                                                 "due": due_text, "link": case_link(tenant, case)})
        append_event(session, case, "deadline.reminder", actor=None, channel=STAFF,
                     payload={"deadline": str(deadline.public_id), "party": deadline.party, "days_before": days})
        result.reminders += 1
    elif action == "chase:phone":
        session.add(CaseTask(tenant_id=case.tenant_id, case_id=case.id, kind="phone_party", party=deadline.party,
                             description=str(_l("Phone the %(party)s: no answer for %(what)s since %(since)s",
                                                party=deadline.party, what=deadline.what,
                                                since=clock.local_date(deadline.created_at, tenant.time_zone)))))
        notify(session, tenant, staff_for(session, case), kind="deadline.chase",
               title=str(_l("%(ref)s: please phone the %(party)s", ref=case.reference, party=deadline.party)),
               link=case_path(tenant, case))
        append_event(session, case, "deadline.chase", actor=None, channel=STAFF,
                     payload={"deadline": str(deadline.public_id), "party": deadline.party})
        result.chases += 1
    elif action == "escalation":
        reason = str(_l("the deadline to %(what)s (%(party)s) passed on %(due)s",
                        what=deadline.what, party=deadline.party, due=due_text))
        append_event(session, case, "deadline.passed", actor=None, channel=STAFF,
                     payload={"deadline": str(deadline.public_id), "kind": deadline.kind.value,
                              "party": deadline.party})
        if deadline.kind is DeadlineKind.TIER:
            escalate(session, case, actor=None, reason=reason, trigger="deadline", now=now)
        else:
            flag(session, case, reason, now)
            notify(session, tenant, staff_for(session, case), kind="deadline.passed",
                   title=str(_l("%(ref)s: %(reason)s", ref=case.reference, reason=reason)),
                   link=case_path(tenant, case))
        result.escalations += 1
    log.info("deadline %s of case %s: %s", deadline.id, case.reference, action)
