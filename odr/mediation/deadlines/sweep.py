"""The sweep: take the due reminders, phone chases and escalations of open deadlines, each once."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from odr.mediation.core.events import STAFF, append_event
from odr.mediation.core.models import Case
from odr.mediation.core.parties import case_link, case_path, party_users, staff_for
from odr.mediation.core.states import ACTIVE, CaseState
from odr.mediation.deadlines import kinds
from odr.mediation.deadlines.models import CaseTask, Deadline, DeadlineAction, DeadlineKind, DeadlineStatus
from odr.mediation.deadlines.schedule import CHASE, ESCALATION, done_actions, next_action_at, planned_actions
from odr.mediation.deadlines.schedule import reminder_days as days_of_reminder
from odr.mediation.deadlines.services import _tenant, escalate, flag
from odr.platform import calendar as clock
from odr.platform.db import utcnow
from odr.platform.i18n import Message, _m
from odr.tenants.models import Tenant
from odr.tenants.notifications.services import notify, send_templated

log = logging.getLogger(__name__)


PARTY_WORDS = {"customer": _m("the customer"), "insurer": _m("the insurer"), "mediator": _m("the mediator"),
               "case_manager": _m("the case manager"), "provider": _m("the provider")}


@dataclass
class SweepResult:
    """What one sweep did."""

    reminders: int = 0
    chases: int = 0
    escalations: int = 0
    skipped: int = 0
    failed: int = 0
    deadlines: set[int] = field(default_factory=set)


def sweep(session: Session, now: datetime | None = None, batch: int = 200) -> SweepResult:
    """Take the due actions of open deadlines, each exactly once even with several sweepers.

    A sweeper claims whole cases (``FOR UPDATE SKIP LOCKED`` on PostgreSQL), then their due
    deadlines: two sweepers never work on one case at once, so they neither take an action twice
    nor deadlock on the case's event stream, and a case being changed by a request just waits for
    the next sweep. Each action is recorded under a unique key in the same transaction as its
    effects, and each batch commits. A deadline whose processing fails is logged and tried again
    later, and does not hold up the others.
    """
    now = now or utcnow()
    result = SweepResult()
    while True:
        due = select(Deadline.case_id).where(Deadline.status == DeadlineStatus.OPEN, Deadline.next_action_at <= now)
        case_ids = session.scalars(
            select(Case.id).where(Case.id.in_(due)).order_by(Case.id).limit(batch).with_for_update(skip_locked=True)
        ).all()
        rows = session.scalars(
            select(Deadline)
            .where(Deadline.case_id.in_(case_ids), Deadline.status == DeadlineStatus.OPEN,
                   Deadline.next_action_at <= now)
            .order_by(Deadline.next_action_at, Deadline.id)
            .with_for_update(skip_locked=True, of=Deadline)
        ).all() if case_ids else []
        if not rows:
            session.commit()
            break
        for deadline in rows:
            try:
                with session.begin_nested():
                    _process(session, deadline, now, result)
            except Exception:
                log.exception("deadline %s could not be processed; it is tried again later", deadline.id)
                result.failed += 1
                deadline.next_action_at = now + RETRY_AFTER
        session.commit()
    return result


RETRY_AFTER = timedelta(minutes=15)


def _process(session: Session, deadline: Deadline, now: datetime, result: SweepResult) -> None:
    tenant = _tenant(session, deadline.case)
    done = done_actions(session, deadline)
    plan = planned_actions(deadline, tenant)
    overdue = deadline.due_at <= now
    for when, action in plan:
        if action in done or when > now:
            continue
        if overdue and days_of_reminder(action) is not None:
            continue  # too late to remind; the escalation speaks for itself (a silent party is still chased)
        try:
            with session.begin_nested():
                session.add(DeadlineAction(tenant_id=deadline.tenant_id, deadline_id=deadline.id,
                                           action=action, done_at=now))
        except IntegrityError:
            result.skipped += 1  # another sweeper took it
            done.add(action)
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
    due_text = clock.local_date(deadline.due_at, tenant.time_zone)
    recipients = party_users(session, case, deadline.party)
    party = PARTY_WORDS.get(deadline.party, deadline.party)
    what = Message.from_json(deadline.what_message) if deadline.what_message else deadline.what
    days = days_of_reminder(action)
    if days is not None:
        last = days == min(deadline.reminder_days)
        title = _m("%(ref)s: %(what)s by %(due)s", ref=case.reference, what=what, due=due_text)
        values = {"case_reference": case.reference, "what": what, "due": due_text,
                  "link": case_link(tenant, case)}
        notify(session, tenant, recipients, kind=kinds.REMINDER, title=title, link=case_path(tenant, case),
               email_key="deadline_reminder" if last else None, email_values=values)
        if last and not recipients and deadline.party == "customer":
            send_templated(session, tenant, case.customer_email, case.customer_name, case.customer_language,
                           "deadline_reminder", values)
        append_event(session, case, kinds.REMINDER, actor=None, channel=STAFF,
                     payload={"deadline": str(deadline.public_id), "party": deadline.party, "days_before": days,
                              "by_email": last})
        result.reminders += 1
    elif action == CHASE:
        since = clock.local_date(deadline.created_at, tenant.time_zone)
        task = _m("Phone %(party)s: no answer since %(since)s to: %(what)s", party=party, since=since, what=what)
        session.add(CaseTask(tenant_id=case.tenant_id, case_id=case.id, kind="phone_party", party=deadline.party,
                             description=str(task), description_message=task.to_json(),
                             details={"deadline": str(deadline.public_id)}))
        notify(session, tenant, staff_for(session, case), kind=kinds.CHASE,
               title=_m("%(ref)s: please phone %(party)s", ref=case.reference, party=party),
               link=case_path(tenant, case))
        append_event(session, case, kinds.CHASE, actor=None, channel=STAFF,
                     payload={"deadline": str(deadline.public_id), "party": deadline.party})
        result.chases += 1
    elif action == ESCALATION:
        reason = _m("the deadline for %(party)s to %(what)s passed on %(due)s", what=what, party=party, due=due_text)
        append_event(session, case, kinds.PASSED, actor=None, channel=STAFF,
                     payload={"deadline": str(deadline.public_id), "kind": deadline.kind.value,
                              "party": deadline.party})
        if deadline.kind is DeadlineKind.TIER:
            escalate(session, case, actor=None, reason=reason, trigger="deadline", now=now)
        else:
            flag(session, case, reason, now)
            notify(session, tenant, staff_for(session, case), kind=kinds.PASSED,
                   title=_m("%(ref)s: %(reason)s", ref=case.reference, reason=reason),
                   link=case_path(tenant, case))
        result.escalations += 1
    log.info("deadline %s of case %s: %s", deadline.id, case.reference, action)
