"""When each action of a deadline falls: reminders, the phone chase of a silent party, the escalation.

Each action has a key, recorded once in ``deadline_actions`` when it is taken. A reminder's key
names the local due date it reminds of, so a deadline moved later (a resumed or extended clock)
gets its reminders again before the new date; the chase and the escalation happen once.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from odr.mediation.deadlines.models import Deadline, DeadlineAction, DeadlineKind
from odr.mediation.deadlines.policy_defaults import setting
from odr.platform import calendar as clock
from odr.tenants.models import Tenant

ESCALATION = "escalation"
CHASE = "chase:phone"


def reminder_key(days: int, due_on: str) -> str:
    """The key of the reminder ``days`` before the local due date ``due_on`` (ISO)."""
    return f"reminder:{days}:{due_on}"


def reminder_days(action: str) -> int | None:
    """How many days before the due date the reminder ``action`` falls (None: not a reminder)."""
    if not action.startswith("reminder:"):
        return None
    return int(action.split(":")[1])


def done_actions(session: Session, deadline: Deadline) -> set[str]:
    """The keys of the actions already taken for ``deadline``."""
    return set(session.scalars(select(DeadlineAction.action).where(DeadlineAction.deadline_id == deadline.id)))


def planned_actions(deadline: Deadline, tenant: Tenant) -> list[tuple[datetime, str]]:
    """Every action of ``deadline`` with its time, in order.

    Reminders fall the tenant's offsets before the due time, on the same local wall-clock time;
    the first ones are in the app, the last also by e-mail. A party whose turn it is and who stays
    silent is then chased by phone: once they have been silent for the tenant's silence days, but
    never before the e-mail reminder had time to work (half-way from it to the due time). A reminder
    that would fall before the deadline was opened is left out. The escalation falls on the due time.
    """
    zone = tenant.time_zone
    due_on = clock.local_date(deadline.due_at, zone).isoformat()
    reminders = [
        (clock.days_before(deadline.due_at, days, zone), reminder_key(days, due_on))
        for days in deadline.reminder_days
    ]
    reminders = [(when, key) for when, key in reminders if when > deadline.created_at]
    plan = list(reminders)
    if deadline.kind is DeadlineKind.RESPONSE and deadline.party in {"customer", "insurer"}:
        silence = int(setting(tenant.policy, "silence_days"))
        chase_at = clock.due_after_days(deadline.created_at, silence, zone)
        if reminders:
            last_reminder = max(when for when, _key in reminders)
            chase_at = max(chase_at, last_reminder + (deadline.due_at - last_reminder) / 2)
        if chase_at < deadline.due_at:
            plan.append((chase_at, CHASE))
    plan.append((deadline.due_at, ESCALATION))
    return sorted(plan)


def next_action_at(deadline: Deadline, done: set[str], tenant: Tenant) -> datetime | None:
    """When the deadline next needs the sweep (None when nothing is left)."""
    pending = [when for when, action in planned_actions(deadline, tenant) if action not in done]
    return min(pending) if pending else None
