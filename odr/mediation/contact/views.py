"""Pages for contact off the platform: the task list, logging a call, recording what a party said.

The case page includes ``contact/_contact_forms.html`` with ``contact`` set to
``contact_panel(...)``; the forms post here, and a refused form comes back on these pages with
its field messages.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from flask import Blueprint, flash, g, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import Session

from odr.mediation.contact import services
from odr.mediation.contact.schemas import MEDIA, PARTIES, RESULTS, VISIBILITY
from odr.mediation.core.models import Case
from odr.mediation.deadlines.models import CaseTask
from odr.mediation.deadlines.services import case_path
from odr.platform import calendar as clock
from odr.platform.db import utcnow
from odr.platform.errors import Conflict, NotFound, ServiceError, ValidationFailed
from odr.platform.extensions import db
from odr.platform.handlers import FormErrors, render_form, service_call
from odr.platform.permissions import can, require
from odr.platform.schemas import clean_form
from odr.tenants.auth import safe_next
from odr.tenants.models import Tenant, User
from odr.tenants.web import add_slug, enter_tenant

# The case managers' tasks and the contact form live in the tenant's URL space, entered the same way.
bp = Blueprint("contact", __name__, url_prefix="/t/<slug>", template_folder="templates")
bp.url_value_preprocessor(enter_tenant)
bp.url_defaults(add_slug)


@dataclass
class ContactPanel:
    """What the contact partials need: the case's open tasks and the assisted-digital form."""

    case: Case
    can_record: bool
    tasks: list[CaseTask]
    next: str
    today: str
    form: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, list[str]] = field(default_factory=dict)
    message: str | None = None
    parties: list[tuple[str, str]] = field(default_factory=list)
    media: list[tuple[str, str]] = field(default_factory=list)
    visibility: list[tuple[str, str]] = field(default_factory=list)
    results: list[tuple[str, str]] = field(default_factory=list)


def contact_panel(session: Session, user: User, case: Case, *, next_path: str | None = None,
                  form: dict[str, Any] | None = None, error: ServiceError | None = None) -> ContactPanel:
    """The context of ``contact/_contact_forms.html`` for ``case`` as ``user`` sees it.

    :param next_path: where to come back to after a form is sent (the case page by default)
    :param form: values to show again, with ``error``'s messages, after a refused submission
    """
    tenant = session.get(Tenant, case.tenant_id)
    assert tenant is not None
    allowed = can(user, "cases.record_contact", case)
    return ContactPanel(
        case=case,
        can_record=allowed,
        tasks=services.case_tasks(session, case) if allowed else [],
        next=safe_next(next_path, case_path(tenant, case)),
        today=clock.local_date(utcnow(), tenant.time_zone).isoformat(),
        form={"visibility": "caucus", "medium": "phone", **(form or {})},
        errors=FormErrors(error.fields if error else {}),
        message=error.message if error else None,
        parties=[(value, f"{label} ({services.party_name(case, value)})") for value, label in PARTIES.items()],
        media=[(value, str(label)) for value, label in MEDIA.items()],
        visibility=[(value, str(label)) for value, label in VISIBILITY.items()],
        results=[(value, str(label)) for value, label in RESULTS.items()],
    )


def _uuid(public_id: str) -> UUID:
    try:
        return UUID(public_id)
    except ValueError:
        raise NotFound(_("We could not find that.")) from None


def _case(public_id: str) -> Case:
    """The case, if the signed-in user may see it; else not found (its existence is not disclosed)."""
    case = db.session.scalar(select(Case).where(Case.public_id == _uuid(public_id)))
    if case is None or not can(current_user, "cases.view", case):
        raise NotFound(_("We could not find that."))
    return case


def _task(public_id: str) -> CaseTask:
    """A task, for those who may act on its case; to anyone else it does not exist."""
    task = db.session.scalar(select(CaseTask).where(CaseTask.public_id == _uuid(public_id)))
    if task is None or not can(current_user, "cases.record_contact", task.case):
        raise NotFound(_("We could not find that."))
    return task


def _back(default: str) -> str:
    return safe_next(request.values.get("next"), default)


@bp.get("/tasks")
@login_required
def my_tasks() -> Any:
    """The open tasks of the signed-in case manager's cases (and of cases nobody manages yet)."""
    require(current_user, "tasks.list")
    everyone = request.args.get("all") == "1"
    rows = services.open_tasks(db.session, current_user, everyone=everyone)
    return render_form("contact/tasks.html", tasks=rows, everyone=everyone,
                       case_path=lambda case: case_path(g.tenant, case))


def _task_page(task: CaseTask, **context: Any) -> Any:
    context.setdefault("form", {})
    return render_form("contact/task.html", task=task, case=task.case, next=_back(url_for("contact.my_tasks")),
                       results=[(value, str(label)) for value, label in RESULTS.items()],
                       case_link=case_path(g.tenant, task.case), **context)


@bp.route("/tasks/<public_id>", methods=["GET", "POST"])
@login_required
def task(public_id: str) -> Any:
    """One task with the party's contact details; log how the call went."""
    item = _task(public_id)
    if request.method == "GET":
        return _task_page(item)
    form = clean_form(request.form.to_dict())
    try:
        service_call(services.complete_task, db.session, current_user, item, form)
    except ValidationFailed as error:
        return _task_page(item, error=error, form=form)
    except Conflict as error:
        flash(error.message, "error")
        return redirect(_back(url_for("contact.my_tasks")), code=303)
    flash(_("The call is logged on case %(ref)s.", ref=item.case.reference), "success")
    return redirect(_back(url_for("contact.my_tasks")), code=303)


@bp.route("/cases/<public_id>/contact", methods=["GET", "POST"])
@login_required
def case_contact(public_id: str) -> Any:
    """Record what a party said by phone or post (assisted digital)."""
    case = _case(public_id)
    require(current_user, "cases.record_contact", case)
    next_path = request.values.get("next")
    if request.method == "GET":
        return render_form("contact/contact.html", case=case,
                           contact=contact_panel(db.session, current_user, case, next_path=next_path))
    form = clean_form(request.form.to_dict())
    try:
        service_call(services.record_contact, db.session, current_user, case, form)
    except (ValidationFailed, Conflict) as error:
        return render_form("contact/contact.html", case=case, error=error,
                           contact=contact_panel(db.session, current_user, case, next_path=next_path, form=form,
                                                 error=error))
    flash(_("What %(name)s said is recorded on case %(ref)s.",
            name=services.party_name(case, form["party"]), ref=case.reference), "success")
    return redirect(_back(case_path(g.tenant, case)), code=303)
