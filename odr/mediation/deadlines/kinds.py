"""The event kinds of deadlines and escalation: the clock, reminders, passed deadlines, tiers, calls."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _

from odr.mediation.core.channels import JOINT, STAFF
from odr.mediation.core.kinds import EventKinds
from odr.mediation.core.labels import date_text, party_text, tier_label
from odr.mediation.core.models import Case
from odr.platform.i18n import rendered

KINDS = EventKinds()


def _escalated(p: dict[str, Any], case: Case) -> tuple[str, str]:
    return _("Escalated to %(tier)s", tier=tier_label(int(p.get("tier") or case.tier))), p.get("reason") or ""


CLOCK_PAUSED = KINDS.declare(
    "clock.paused", lambda p, case: (_("The time limit is paused"), p.get("reason") or ""), channels=(JOINT,))
CLOCK_RESUMED = KINDS.declare(
    "clock.resumed",
    lambda p, case: (_("The time limit runs again; the outcome is due by %(date)s",
                       date=date_text(p.get("outcome_due_at"))), ""),
    channels=(JOINT,))
CLOCK_EXTENDED = KINDS.declare(
    "clock.extended",
    lambda p, case: (_("The time limit is extended by %(days)s days, to %(date)s", days=p.get("days", ""),
                       date=date_text(p.get("outcome_due_at"))), p.get("reason") or ""),
    channels=(JOINT,))
ESCALATED = KINDS.declare("case.escalated", _escalated, channels=(JOINT,))
REMINDER = KINDS.declare(
    "deadline.reminder",
    lambda p, case: (_("A reminder was sent to %(party)s", party=party_text(p.get("party"))), ""), channels=(STAFF,))
CHASE = KINDS.declare(
    "deadline.chase",
    lambda p, case: (_("A case manager is to phone %(party)s", party=party_text(p.get("party"))), ""),
    channels=(STAFF,))
PASSED = KINDS.declare(
    "deadline.passed",
    lambda p, case: (_("A deadline of %(party)s passed", party=party_text(p.get("party"))), ""), channels=(STAFF,))
TASK_DONE = KINDS.declare(
    "task.done",
    lambda p, case: (_("A call to %(party)s was logged", party=party_text(p.get("party"))), p.get("note") or ""),
    channels=(STAFF,))
MOVED = KINDS.declare(
    "deadline.moved",
    lambda p, case: (_("A deadline moved with the provider's policy: %(what)s is now due by %(date)s",
                       what=rendered(p["what_message"]) if p.get("what_message") else p.get("what", ""),
                       date=date_text(p.get("due_at"))), ""),
    channels=(JOINT, STAFF))
