"""Use cases of contact off the platform. They flush, never commit.

A case manager phones a silent party (the sweep's phone task) and logs how the call went; and
records, attributed as such, what a party who cannot use the platform said by phone or post
(assisted digital), which counts as that party acting.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from odr.mediation.contact import kinds
from odr.mediation.contact.schemas import ContactSchema, TaskOutcomeSchema
from odr.mediation.core.events import JOINT, STAFF, CaseEvent, append_event
from odr.mediation.core.models import Case
from odr.mediation.core.states import ACTIVE, CaseState
from odr.mediation.deadlines import services as deadlines
from odr.mediation.deadlines.kinds import TASK_DONE
from odr.mediation.deadlines.models import CaseTask
from odr.platform import calendar as clock
from odr.platform.db import utcnow
from odr.platform.errors import Conflict, ValidationFailed
from odr.platform.i18n import Message, _m
from odr.platform.permissions import require
from odr.platform.schemas import load
from odr.tenants.models import Role, Tenant, User
from odr.tenants.notifications.services import notify

# A party can still speak after settlement (the follow-ups), not once the case has ended otherwise.
RECORDABLE = ACTIVE | {CaseState.SETTLED}


def party_name(case: Case, party: str) -> str:
    """The name of the customer or the insurer of ``case``."""
    return case.customer_name if party == "customer" else case.organisation.name


def open_tasks(session: Session, actor: User, *, everyone: bool = False) -> list[CaseTask]:
    """The open tasks for ``actor``, oldest first: those of their cases and of cases without a case manager.

    :param everyone: every open task in the tenant (an administrator always sees every one)
    """
    require(actor, "tasks.list")
    query = (
        select(CaseTask)
        .join(Case, Case.id == CaseTask.case_id)
        .where(CaseTask.done_at.is_(None), CaseTask.tenant_id == actor.tenant_id)
        .order_by(CaseTask.created_at, CaseTask.id)
        .limit(500)
    )
    if not everyone and actor.role is Role.CASE_MANAGER:
        query = query.where(or_(Case.case_manager_id == actor.id, Case.case_manager_id.is_(None)))
    return list(session.scalars(query))


def case_tasks(session: Session, case: Case) -> list[CaseTask]:
    """The open tasks of ``case``, oldest first."""
    return list(session.scalars(
        select(CaseTask).where(CaseTask.case_id == case.id, CaseTask.done_at.is_(None))
        .order_by(CaseTask.created_at, CaseTask.id)
    ))


def complete_task(session: Session, actor: User, task: CaseTask, data: dict[str, Any]) -> None:
    """Log how a phone call went; the task is done and the call is on the case's record.

    :param data: result (reached, left_message, no_answer, unreachable) and note
    """
    require(actor, "cases.record_contact", task.case)
    values = load(TaskOutcomeSchema(), data)
    if task.done_at is not None:
        raise Conflict(str(_l("This task is already done.")))
    _close_task(session, actor, task, values["result"], values["note"])


def _close_task(session: Session, actor: User, task: CaseTask, result: str, note: str | Message) -> None:
    task.done_at = utcnow()
    task.done_by_id = actor.id
    task.outcome = str(note)
    task.outcome_message = note.to_json() if isinstance(note, Message) else None
    task.details = {**task.details, "result": result}
    append_event(session, task.case, TASK_DONE, actor=actor, channel=STAFF, payload={
        "task": str(task.public_id), "kind": task.kind, "party": task.party, "result": result, "note": str(note)})


def record_contact(session: Session, actor: User, case: Case, data: dict[str, Any],
                   now: datetime | None = None) -> CaseEvent:
    """Record what a party said by phone or post, attributed to the case manager who took it down.

    It counts as that party acting: their response deadline is met and the tasks to phone them
    are done.

    :param data: party (customer or insurer), medium (phone or post), received_on (a date, not in
        the future), summary, speaker (who spoke, when not the party themselves), and visibility
        (``caucus``: the mediator and that party only; ``joint``: everyone in the case)
    """
    require(actor, "cases.record_contact", case)
    tenant = session.get(Tenant, case.tenant_id)
    assert tenant is not None
    today = clock.local_date(now or utcnow(), tenant.time_zone)
    values = _load_contact(data, today)
    if case.state not in RECORDABLE:
        raise Conflict(str(_l("This case has ended, so nothing more can be recorded on it.")))
    party = values["party"]
    name = party_name(case, party)
    channel = JOINT if values["visibility"] == "joint" else f"caucus:{party}"
    event = append_event(
        session, case, kinds.RECORDED, actor=actor, channel=channel,
        label=f"recorded by {actor.full_name} ({actor.role.value}) for {name} ({party})",
        payload={"party": party, "party_name": name, "medium": values["medium"],
                 "received_on": values["received_on"].isoformat(), "speaker": values.get("speaker"),
                 "summary": values["summary"], "recorded_by": actor.full_name},
    )
    medium = _m("phone") if values["medium"] == "phone" else _m("post")
    for task in case_tasks(session, case):
        if task.kind == "phone_party" and task.party == party:
            _close_task(session, actor, task, "answered", _m(
                "They answered by %(medium)s on %(date)s; what they said is recorded on the case.",
                medium=medium, date=values["received_on"]))
    deadlines.party_acted(session, case, party)
    colleagues = [u for u in [case.mediator, *deadlines.staff_for(session, case)] if u is not None and u.id != actor.id]
    notify(session, tenant, colleagues, kind=kinds.RECORDED,
           title=_m("%(ref)s: what %(name)s said by %(medium)s is on the case",
                    ref=case.reference, name=name, medium=medium),
           link=deadlines.case_path(tenant, case))
    return event


def _load_contact(data: dict[str, Any], today: date) -> dict[str, Any]:
    """The contact's values; a date out of range is said together with every other field's message."""
    try:
        values = load(ContactSchema(), data)
    except ValidationFailed as error:
        try:
            day = date.fromisoformat(str(data.get("received_on", "")))
        except ValueError:
            raise error from None
        if "received_on" not in error.fields and (problem := _received_on_problem(day, today)):
            error.fields["received_on"] = [problem]
        raise
    if problem := _received_on_problem(values["received_on"], today):
        raise ValidationFailed.on_fields({"received_on": [problem]})
    return values


def _received_on_problem(day: date, today: date) -> str | None:
    if day > today:
        return str(_l("This date is in the future."))
    if (today - day).days > 366:
        return str(_l("This date is more than a year ago."))
    return None
