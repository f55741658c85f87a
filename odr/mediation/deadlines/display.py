"""The deadlines as a case page shows them: the regulatory clock, and who acts next by when."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from odr.mediation.core.labels import PARTIES
from odr.mediation.core.models import Case
from odr.mediation.core.parties import acting_party
from odr.mediation.core.states import CaseState
from odr.mediation.deadlines.models import Deadline, DeadlineStatus
from odr.platform.calendar import days_left, local_date
from odr.tenants.models import Tenant


@dataclass(frozen=True)
class Clock:
    """The regulatory clock as the case page shows it."""

    status: str  # not_started, running, paused, stopped
    due_on: date | None = None
    days_left: int | None = None
    extended: bool = False
    paused_on: date | None = None
    pause_reason: str | None = None


def clock_of(case: Case, tenant: Tenant, now: datetime) -> Clock:
    """Where the clock of ``case`` stands at ``now``, in the tenant's calendar."""
    zone = tenant.time_zone
    if case.outcome_due_at is None:
        return Clock("not_started")
    due_on = local_date(case.outcome_due_at, zone)
    if case.state is not CaseState.OPEN:
        return Clock("stopped", due_on, extended=case.clock_extended)
    if case.clock_paused_at is not None:
        return Clock("paused", due_on, days_left(case.outcome_due_at, case.clock_paused_at, zone),
                     case.clock_extended, local_date(case.clock_paused_at, zone), case.clock_pause_reason)
    return Clock("running", due_on, days_left(case.outcome_due_at, now, zone), case.clock_extended)


@dataclass(frozen=True)
class NextStep:
    """Someone is expected to do something by a date."""

    who: str
    what: str
    due_on: date
    days_left: int
    paused: bool
    yours: bool


def _who(party: str, case: Case, tenant: Tenant) -> str:
    if party == "insurer":
        return _("The insurer, %(name)s", name=case.organisation.name)
    if party == "customer":
        return _("The customer, %(name)s", name=case.customer_name)
    if party == "case_manager" and case.case_manager is not None:
        return _("The case manager, %(name)s", name=case.case_manager.full_name)
    if party == "mediator" and case.mediator is not None:
        return _("The mediator, %(name)s", name=case.mediator.full_name)
    if party == "case_manager":
        return _("A case manager")
    if party == "mediator":
        return _("A case manager, until a mediator is assigned")
    if party == "provider":
        return tenant.name
    return str(PARTIES.get(party, party))


def next_steps(case: Case, deadlines: list[Deadline], viewer: Any, tenant: Tenant, now: datetime) -> list[NextStep]:
    """Who is expected to act on ``case`` and by when, from its open deadlines; the viewer is "you"."""
    mine = acting_party(viewer, case)
    steps = []
    for deadline in deadlines:
        yours = deadline.party == mine
        steps.append(NextStep(
            who=_("You") if yours else _who(deadline.party, case, tenant),
            what=deadline.expected,
            due_on=local_date(deadline.due_at, tenant.time_zone),
            days_left=days_left(deadline.due_at, deadline.paused_at or now, tenant.time_zone),
            paused=deadline.status is DeadlineStatus.PAUSED,
            yours=yours,
        ))
    return steps


def open_deadlines(session: Session, case: Case) -> list[Deadline]:
    """The deadlines of ``case`` still running or paused, soonest first."""
    return list(session.scalars(
        select(Deadline)
        .where(Deadline.case_id == case.id, Deadline.status.in_([DeadlineStatus.OPEN, DeadlineStatus.PAUSED]))
        .order_by(Deadline.due_at)
    ))
