"""A case in plain words: its clock, what happens next and who acts by when, and its timeline."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from flask_babel import format_date
from flask_babel import gettext as _

from odr.mediation.cases.labels import (
    CHANNELS,
    PARTIES,
    PARTIES_IN_TEXT,
    REPRESENTATIVE_OF,
    state_label,
    tier_label,
)
from odr.mediation.cases.models import Case, Side
from odr.mediation.cases.policy import side_of
from odr.mediation.cases.rules import RULE_TITLES
from odr.mediation.cases.states import CaseState
from odr.mediation.deadlines.clock import days_left, local_date
from odr.mediation.deadlines.models import Deadline, DeadlineStatus
from odr.mediation.events import JOINT, CaseEvent
from odr.tenants.models import Role, Tenant
from odr.tenants.web import role_label

# Parties of a deadline that a viewer acts for, by the side they are on.
_SIDE_PARTY = {Side.CUSTOMER: "customer", Side.INSURER: "insurer"}


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


def acting_party(user: Any, case: Case) -> str | None:
    """The deadline party ``user`` acts as in ``case`` (customer, insurer, mediator, case_manager), if any."""
    side = side_of(user, case)
    if side is not None:
        return _SIDE_PARTY[side]
    if case.mediator_id == user.id:
        return "mediator"
    if case.case_manager_id == user.id:
        return "case_manager"
    return None


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
            what=deadline.what,
            due_on=local_date(deadline.due_at, tenant.time_zone),
            days_left=days_left(deadline.due_at, deadline.paused_at or now, tenant.time_zone),
            paused=deadline.status is DeadlineStatus.PAUSED,
            yours=yours,
        ))
    return steps


@dataclass(frozen=True)
class TimelineEntry:
    """One event of the case, in words."""

    seq: int
    at: datetime
    actor: str
    title: str
    detail: str
    channel: str
    private: bool


def actor_name(event: CaseEvent, case: Case, tenant: Tenant) -> str:
    """Who did it: a name with the role, a representative named as such, or the service itself."""
    user = event.actor
    if user is None:
        return _("%(tenant)s (automatic)", tenant=tenant.name) if event.actor_label == "system" else event.actor_label
    for rep in case.representatives:
        if rep.user_id == user.id:
            return _("%(name)s, %(role)s", name=user.full_name, role=REPRESENTATIVE_OF[rep.side])
    return _("%(name)s (%(role)s)", name=user.full_name, role=role_label(user.role))


def _date_text(value: Any) -> str:
    try:
        return format_date(datetime.fromisoformat(str(value)), "long")
    except ValueError:
        return str(value)


def _party_text(party: Any) -> str:
    return str(PARTIES_IN_TEXT.get(party, party))


def describe(event: CaseEvent, case: Case) -> tuple[str, str]:
    """The title and the detail of an event, in the reader's language."""
    p = event.payload or {}
    kind = event.kind
    reason = p.get("reason") or ""
    if kind == "case.referred":
        detail = _("It may repeat an earlier case (same policy and complaint date).") if p.get(
            "possible_duplicate") else ""
        return _("Referred by %(insurer)s", insurer=p.get("organisation", case.organisation.name)), detail
    if kind == "case.state_changed":
        return _("The case is now: %(state)s", state=state_label(p["to"])), reason
    if kind == "screening.rule_overridden":
        rule = RULE_TITLES.get(p.get("rule", ""), p.get("rule", ""))
        return _("A screening rule was overridden: %(rule)s", rule=rule), reason
    if kind == "customer.invited":
        return _("The customer was invited to the case by e-mail"), ""
    if kind == "customer.linked":
        return _("The customer's account was linked to the case"), ""
    if kind == "case.mediator_assigned":
        if p.get("previous"):
            return _("%(name)s is the mediator now, instead of %(previous)s",
                     name=p.get("mediator", ""), previous=p["previous"]), ""
        return _("%(name)s is the mediator", name=p.get("mediator", "")), ""
    if kind == "case.case_manager_assigned":
        return _("%(name)s is the case manager", name=p.get("case_manager", "")), ""
    if kind == "representative.added":
        return _("%(name)s represents %(side)s", name=p.get("name", ""), side=_party_text(p.get("side"))), ""
    if kind == "representative.removed":
        return _("%(name)s no longer represents %(side)s", name=p.get("name", ""),
                 side=_party_text(p.get("side"))), ""
    if kind == "clock.paused":
        return _("The time limit is paused"), reason
    if kind == "clock.resumed":
        return _("The time limit runs again; the outcome is due by %(date)s",
                 date=_date_text(p.get("outcome_due_at"))), ""
    if kind == "clock.extended":
        return _("The time limit is extended by %(days)s days, to %(date)s", days=p.get("days", ""),
                 date=_date_text(p.get("outcome_due_at"))), reason
    if kind == "case.escalated":
        return _("Escalated to %(tier)s", tier=tier_label(int(p.get("tier", case.tier)))), reason
    if kind == "deadline.reminder":
        return _("A reminder was sent to %(party)s", party=_party_text(p.get("party"))), ""
    if kind == "deadline.chase":
        return _("A case manager is to phone %(party)s", party=_party_text(p.get("party"))), ""
    if kind == "deadline.passed":
        return _("A deadline of %(party)s passed", party=_party_text(p.get("party"))), ""
    if kind == "contact.recorded":
        medium = _("by post") if p.get("medium") == "post" else _("by phone")
        title = _("What %(name)s said %(medium)s on %(date)s, recorded by %(by)s",
                  name=p.get("party_name", ""), medium=medium, date=_date_text(p.get("received_on")),
                  by=p.get("recorded_by", ""))
        speaker = _("Said by %(speaker)s.", speaker=p["speaker"]) + "\n" if p.get("speaker") else ""
        return title, speaker + (p.get("summary") or "")
    if kind == "room.mode_changed":
        if p.get("shuttle_only"):
            return _("The mediator now speaks with each side separately. You can write only in your private "
                     "channel with the mediator; the other side cannot read it."), reason
        return _("Everyone can write in the shared conversation again."), reason
    if kind in ("message.posted", "message.carried"):
        return _("A message in the room"), ""
    if kind == "message.retracted":
        return _("A message was taken back by its author"), ""
    if kind == "document.shared":
        if p.get("carried_from"):
            return _("The mediator carried a document across: %(name)s", name=p.get("name", "")), ""
        if int(p.get("version") or 1) > 1:
            return _("A new version of a document was shared: %(name)s (version %(version)s)",
                     name=p.get("name", ""), version=p.get("version")), ""
        return _("A document was shared: %(name)s", name=p.get("name", "")), ""
    if kind == "document.refused":
        return _("A document was refused: %(name)s", name=p.get("name", "")), str(p.get("reason") or "")
    if kind == "task.done":
        return _("A call to %(party)s was logged", party=_party_text(p.get("party"))), p.get("note") or ""
    return kind, reason


def timeline_entries(events: list[CaseEvent], case: Case, tenant: Tenant) -> list[TimelineEntry]:
    """The events as the case page lists them."""
    entries = []
    for event in events:
        title, detail = describe(event, case)
        entries.append(TimelineEntry(
            seq=event.seq, at=event.created_at, actor=actor_name(event, case, tenant), title=title,
            detail=detail, channel=str(CHANNELS.get(event.channel, event.channel)),
            private=event.channel != JOINT,
        ))
    return entries


def is_staff(user: Any) -> bool:
    """The provider's own people who run cases (administrators and case managers)."""
    return Role(user.role) in {Role.ADMIN, Role.CASE_MANAGER}
