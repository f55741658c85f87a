"""The case page: what it shows each viewer, and which actions it offers them."""

from __future__ import annotations

from typing import Any

from flask import g, request, url_for
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import select

from odr.mediation.cases import services
from odr.mediation.core import labels
from odr.mediation.core.access import visible_cases
from odr.mediation.core.kinds import in_timeline
from odr.mediation.core.models import Case
from odr.mediation.core.panels import case_panels
from odr.mediation.core.parties import is_staff
from odr.mediation.core.queries import timeline
from odr.mediation.core.states import ACTIVE, CaseState
from odr.mediation.core.timeline import timeline_entries
from odr.mediation.deadlines import display
from odr.mediation.deadlines.policy_defaults import setting
from odr.platform.db import utcnow
from odr.platform.errors import ServiceError
from odr.platform.extensions import db
from odr.platform.handlers import render_form
from odr.platform.permissions import can

ENDED = {CaseState.SETTLED, CaseState.NOT_SETTLED, CaseState.WITHDRAWN, CaseState.REJECTED}


def available_actions(case: Case, clock: display.Clock) -> dict[str, bool]:
    """The forms the case page offers the signed-in user, by permission and by the case's state."""
    user = current_user
    active = case.state in ACTIVE
    manage_clock = can(user, "cases.manage_clock", case) and case.state is CaseState.OPEN
    manage_representatives = can(user, "cases.manage_representatives", case)
    return {
        "screen": can(user, "cases.screen", case) and case.state in {CaseState.REFERRED, CaseState.SCREENING},
        "assign": can(user, "cases.assign", case) and active,
        "pause": manage_clock and clock.status == "running",
        "resume": manage_clock and clock.status == "paused",
        "extend": manage_clock and clock.status in {"running", "paused"} and not case.clock_extended,
        "escalate": can(user, "cases.request_escalation", case) and active,
        "withdraw": can(user, "cases.withdraw", case) and active,
        "not_settled": can(user, "cases.close", case) and case.state is CaseState.OPEN,
        "close": can(user, "cases.close", case) and case.state in ENDED,
        "add_representative": manage_representatives and active,
        "remove_representative": manage_representatives,
    }


def mediator_options(case: Case) -> list[tuple[str, str]]:
    """Every active mediator with their open cases, least loaded first and marked as suggested."""
    rows = services.mediator_load(db.session, case.tenant_id)
    options = []
    for index, (mediator, count) in enumerate(rows):
        label = ngettext("%(name)s: %(num)s open case", "%(name)s: %(num)s open cases", count,
                         name=mediator.full_name)
        if index == 0:
            label = ngettext("%(name)s: %(num)s open case (suggested, the least busy)",
                             "%(name)s: %(num)s open cases (suggested, the least busy)", count,
                             name=mediator.full_name)
        options.append((str(mediator.public_id), label))
    return options


def duplicate_reference(case: Case) -> str | None:
    """The reference of the case this one may repeat, when the viewer may see that case."""
    if case.possible_duplicate_of_id is None:
        return None
    return db.session.scalar(
        select(Case.reference).where(Case.id == case.possible_duplicate_of_id, visible_cases(current_user))
    )


def render_case(case: Case, *, action: str | None = None, error: ServiceError | None = None,
                form: dict[str, Any] | None = None) -> Any:
    """The case page; a refused action comes back with its messages next to its form."""
    tenant = g.tenant
    now = utcnow()
    clock = display.clock_of(case, tenant, now)
    actions = available_actions(case, clock)
    context: dict[str, Any] = {
        "case": case,
        "labels": labels,
        "clock": clock,
        "outcome_days": int(setting(tenant.policy, "outcome_days")),
        "explanation": labels.STATE_EXPLANATIONS[case.state],
        "steps": display.next_steps(case, display.open_deadlines(db.session, case), current_user, tenant, now),
        # The conversation lives in the room; the case page keeps the record of everything else.
        "timeline": timeline_entries(
            [e for e in timeline(db.session, current_user, case) if in_timeline(e.kind)], case, tenant),
        "actions": actions,
        "staff": is_staff(current_user),
        "duplicate_of": duplicate_reference(case),
        "mediators": mediator_options(case) if actions["assign"] else [],
        "action": action,
        "form": form or {},
        "page_url": url_for("cases.show", public_id=case.public_id),
    }
    context.update(case_panels(db.session, current_user, case, next_path=request.path))
    if error is None:
        return render_form("cases/case.html", **context)
    context["errors"] = {f"{action}-{field}": messages for field, messages in error.fields.items()}
    body, _status = render_form("cases/case.html", error=error, **context)
    return body, error.status
