"""The deadlines on the tenant's policy page, and what a change of them does to open cases.

Each deadline kind takes its days from one setting: a tier's deadline from that tier's days, a
party's turn from the response days, the regulatory clock from the outcome days. A change moves
an open deadline by the difference (so the days the clock was paused or extended are kept), and
only when the admin chooses to recompute; the silence before a phone call and the rejections
before a stalemate are read when they are needed, so they apply to open cases at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from odr.mediation.core.channels import JOINT, STAFF
from odr.mediation.core.events import append_event
from odr.mediation.core.parties import case_path, party_users
from odr.mediation.deadlines.kinds import MOVED
from odr.mediation.deadlines.models import Deadline, DeadlineKind, DeadlineStatus
from odr.mediation.deadlines.policy_defaults import DEFAULTS, setting, tier_days
from odr.mediation.deadlines.schedule import done_actions, next_action_at
from odr.platform import calendar as clock
from odr.platform.db import utcnow
from odr.platform.i18n import Message, _m
from odr.tenants.models import Tenant, User
from odr.tenants.notifications.services import notify
from odr.tenants.policy_settings import Effect, Kind, Section, Setting

TIER_WORDS = {"1": _l("Screening (tier 1)"), "2": _l("Mediation (tier 2)"), "3": _l("Senior review (tier 3)"),
              "4": _l("Arbitration or the regulator (tier 4)")}


def section() -> Section:
    """The deadlines' settings, with their effect on open deadlines."""
    tiers = tuple(
        Setting(f"deadlines.tier_days.{tier}", TIER_WORDS[tier],
                _l("Calendar days a case may stay in this tier before it is escalated."),
                Kind.DAYS, DEFAULTS["tier_days"][tier], 1, 365)
        for tier in ("1", "2", "3", "4"))
    return Section(
        key="deadlines", order=20, title=_l("Deadlines"),
        description=_l("How long each stage and each party's turn may take, and when people are reminded."),
        settings=tiers + (
            Setting("deadlines.response_days", _l("A party has to answer within"),
                    _l("When it is a party's turn (to reply, to send information), they have this many days."),
                    Kind.DAYS, DEFAULTS["response_days"], 1, 90),
            Setting("deadlines.outcome_days", _l("The outcome is due within"),
                    _l("Days from a complete file to the outcome. The EU ADR Directive (Art. 8(e)) sets 90, "
                       "extendable for complex disputes."),
                    Kind.DAYS, DEFAULTS["outcome_days"], 1, 365),
            Setting("deadlines.extension_days", _l("An extension of the time limit adds"),
                    _l("Days added when a case manager extends the time limit of a complex case."),
                    Kind.DAYS, DEFAULTS["extension_days"], 1, 180),
            Setting("deadlines.reminder_days", _l("Reminders are sent"),
                    _l("Days before a deadline when the person who owes it is reminded, separated by commas; "
                       "the last reminder also goes by e-mail. Leave empty for none."),
                    Kind.DAY_LIST, DEFAULTS["reminder_days"], 1, 60),
            Setting("deadlines.silence_days", _l("A silent party is phoned after"),
                    _l("Days without a word from a party whose turn it is, before a case manager is asked to "
                       "phone them. Applies to open cases at once."),
                    Kind.DAYS, DEFAULTS["silence_days"], 1, 60),
            Setting("deadlines.stalemate_rejections", _l("Rejected offers before a stalemate"),
                    _l("Offers rejected in a row before the case is flagged to the case manager as stuck. "
                       "Applies to open cases at once."),
                    Kind.COUNT, DEFAULTS["stalemate_rejections"], 1, 20),
        ),
        effects=effects, apply=apply,
        notes=(("deadlines.reminder_days",
                _l("Reminders of deadlines already set follow new reminder days only when you recompute.")),),
    )


@dataclass(frozen=True)
class _Move:
    deadline: Deadline
    due_then: Any


def _days(kind: DeadlineKind, tier: int, policy: dict[str, Any]) -> int:
    if kind is DeadlineKind.TIER:
        return tier_days(policy, tier)
    if kind is DeadlineKind.RESPONSE:
        return int(setting(policy, "response_days"))
    return int(setting(policy, "outcome_days"))


def _moves(session: Session, tenant: Tenant, old: dict[str, Any], new: dict[str, Any]) -> list[_Move]:
    rows = session.scalars(select(Deadline).where(
        Deadline.tenant_id == tenant.id,
        Deadline.status.in_([DeadlineStatus.OPEN, DeadlineStatus.PAUSED]))
        .order_by(Deadline.due_at)).all()
    moves = []
    for deadline in rows:
        delta = _days(deadline.kind, deadline.tier, new) - _days(deadline.kind, deadline.tier, old)
        if delta:
            day = clock.local_date(deadline.due_at, tenant.time_zone) + timedelta(days=delta)
            moves.append(_Move(deadline, clock.end_of_local_day(day, tenant.time_zone)))
    return moves


def effects(session: Session, tenant: Tenant, old: dict[str, Any], new: dict[str, Any]) -> list[Effect]:
    """The open deadlines a change from ``old`` to ``new`` would move, and to when."""
    now = utcnow()
    return [
        Effect(case_reference=m.deadline.case.reference, case_url=case_path(tenant, m.deadline.case),
               what=m.deadline.expected, due_now=m.deadline.due_at, due_then=m.due_then, at_once=m.due_then <= now)
        for m in _moves(session, tenant, old, new)
    ]


def _tell(session: Session, tenant: Tenant, deadline: Deadline, due_then: Any) -> None:
    """A party whose turn it is, or both parties for the outcome, hear of the new date on their bell."""
    if deadline.kind is DeadlineKind.TIER:
        return  # the staff's own stage: the record says it, nobody waits on it
    parties = ["customer", "insurer"] if deadline.kind is DeadlineKind.OUTCOME else [deadline.party]
    recipients = [user for party in parties for user in party_users(session, deadline.case, party)]
    what = Message.from_json(deadline.what_message) if deadline.what_message else deadline.what
    notify(session, tenant, recipients, kind=MOVED,
           title=_m("%(ref)s: %(what)s is now due by %(due)s", ref=deadline.case.reference, what=what,
                    due=clock.local_date(due_then, tenant.time_zone)),
           link=case_path(tenant, deadline.case))


def apply(session: Session, tenant: Tenant, actor: User | None, old: dict[str, Any], new: dict[str, Any]) -> int:
    """Move the open deadlines to ``new``'s days, give them ``new``'s reminders; each moved one is an event."""
    reminders = sorted({int(d) for d in setting(new, "reminder_days") if int(d) > 0}, reverse=True)
    reminders_changed = reminders != sorted(
        {int(d) for d in setting(old, "reminder_days") if int(d) > 0}, reverse=True)
    moves = {m.deadline.id: m for m in _moves(session, tenant, old, new)}
    rows = session.scalars(select(Deadline).where(
        Deadline.tenant_id == tenant.id,
        Deadline.status.in_([DeadlineStatus.OPEN, DeadlineStatus.PAUSED]))).all()
    for deadline in rows:
        move = moves.get(deadline.id)
        if move is None and not reminders_changed:
            continue
        if reminders_changed:
            deadline.reminder_days = reminders
        if move is not None:
            deadline.due_at = move.due_then
            if deadline.kind is DeadlineKind.OUTCOME:
                deadline.case.outcome_due_at = move.due_then
            _tell(session, tenant, deadline, move.due_then)
            append_event(session, deadline.case, MOVED, actor=actor,
                         channel=STAFF if deadline.kind is DeadlineKind.TIER else JOINT,
                         payload={"what": deadline.what, "what_message": deadline.what_message,
                                  "kind": deadline.kind.value, "due_at": move.due_then.isoformat()})
        if deadline.status is DeadlineStatus.OPEN:
            deadline.next_action_at = next_action_at(deadline, done_actions(session, deadline), tenant)
    session.flush()
    return len(moves)
