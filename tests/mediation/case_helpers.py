"""Cases for the tests: referrals as the API takes them and as the form posts them, cases referred and
opened through the services, the case pages' forms, and what a case's deadlines did."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import uuid4

from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from odr.mediation.cases import services
from odr.mediation.core.events import CaseEvent
from odr.mediation.core.models import Case
from odr.mediation.deadlines.models import Deadline, DeadlineAction
from odr.platform.mail import OutboxEmail
from odr.platform.tenancy import set_tenant
from odr.tenants.models import Organisation, Role, User
from odr.tenants.notifications.models import Notification
from tests.conftest import csrf_token
from tests.mailbox import sign_in_as

NOW = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)  # the frozen clock of the tests that run a case's deadlines


def days_ago(n: int) -> str:
    """The ISO date ``n`` days before today (UTC)."""
    return (date.today() - timedelta(days=n)).isoformat()


def referral(**overrides: Any) -> dict[str, Any]:
    """A complete referral that passes every screening rule today, as JSON (a policy number of its own)."""
    data: dict[str, Any] = {
        "customer_name": "Chris Customer",
        "customer_email": "chris@example.com",
        "customer_phone": "+44 20 7946 0000",
        "customer_language": "en",
        "policy_number": f"NW-HOME-{uuid4().hex[:6]}",
        "product_line": "home",
        "complaint_category": "claim_declined",
        "complaint_summary": "Water damage claim declined as wear and tear.",
        "complaint_date": days_ago(120),
        "amount": "4250.00",
        "currency": "GBP",
        "desired_outcome": "Pay the claim in full.",
        "service": "mediation",
        "escalation_steps": [
            {"level": "frontline", "step_date": days_ago(118), "outcome": "Declined"},
            {"level": "internal_review", "step_date": days_ago(80), "outcome": "Upheld the decline"},
        ],
        "final_response_date": days_ago(60),
        "final_response_summary": "Final response: decline upheld.",
    }
    data.update(overrides)
    return data


def late() -> dict[str, Any]:
    """What makes a referral fail one rule: it came more than six months after the final response."""
    return {"complaint_date": days_ago(400), "final_response_date": days_ago(250), "escalation_steps": []}


def as_form(data: dict[str, Any], **extra: Any) -> dict[str, Any]:
    """A JSON referral as the referral form posts it (steps in numbered rows; row 1 left blank)."""
    form = {key: value for key, value in data.items() if key != "escalation_steps" and value is not None}
    rows = [0, 2, 1]  # a blank row between two given ones is ignored
    for step, row in zip(data.get("escalation_steps", []), rows, strict=False):
        for field, value in step.items():
            form[f"escalation_steps.{row}.{field}"] = value
    form.setdefault("idempotency_key", uuid4().hex)
    form.update(extra)
    return form


def counts(session: Session) -> tuple[int, int, int]:
    """How many cases, events and e-mails exist (all tenants)."""
    session.expire_all()
    return tuple(  # type: ignore[return-value]
        session.scalar(select(func.count()).select_from(model).execution_options(all_tenants=True))
        for model in (Case, CaseEvent, OutboxEmail)
    )


def refer(app: Flask, session: Session, user: User, **overrides: Any) -> Case:
    """A case referred by ``user`` through the service, committed."""
    set_tenant(session, user.tenant_id)
    data = referral(**overrides)
    if Role(user.role) is not Role.INSURER_AGENT and "organisation_id" not in data:
        data["organisation_id"] = str(session.scalars(select(Organisation.public_id).where(
            Organisation.tenant_id == user.tenant_id).order_by(Organisation.id)).first())
    with app.test_request_context():
        case, _created = services.refer(session, user, data)
        session.commit()  # in the context: the e-mail's job is queued after the commit
    return case


def accept(app: Flask, session: Session, manager: User, case: Case, mediator: User | None = None) -> Case:
    """Accept the referred ``case`` (overriding nothing) and assign ``mediator``; committed."""
    with app.test_request_context():
        services.accept(session, manager, case, base_url="http://localhost", invitation_days=7)
        if mediator is not None:
            services.assign_mediator(session, manager, case, mediator.public_id)
        session.commit()
    return case


def open_case(app: Flask, session: Session, people: dict[str, User], *, mediator: bool = True,
              **overrides: Any) -> Case:
    """An open case of ``people``: referred by the insurer agent with the customer linked, accepted by the
    case manager and, unless told otherwise, given the mediator; committed."""
    customer = people["customer"]
    overrides = {"customer_email": customer.email, "customer_name": customer.full_name, **overrides}
    case = refer(app, session, people["insurer_agent"], **overrides)
    return accept(app, session, people["case_manager"], case, people["mediator"] if mediator else None)


def form_token(client: Any, tenant: Any) -> str:
    """The CSRF token of the client's session."""
    return csrf_token(client, f"/t/{tenant.slug}/sign-in-link")


def post_page(client: Any, tenant: Any, path: str, data: dict[str, Any] | None = None) -> Any:
    """POST a form to ``path`` of the tenant's pages, with the session's CSRF token."""
    return client.post(f"/t/{tenant.slug}{path}", data={"csrf_token": form_token(client, tenant), **(data or {})})


def html_of(response: Any) -> str:
    """The response's body as text."""
    return response.get_data(as_text=True)


def field_error(html: str, field: str) -> str | None:
    """The message shown next to ``field`` (its ``<id>-error`` paragraph), or None."""
    match = re.search(rf'id="{re.escape(field)}-error">(.*?)</p>', html, re.S)
    return re.sub(r"<[^>]+>", "", match.group(1)).strip() if match else None


def switch_to(client: Any, session: Session, tenant: Any, user: User) -> None:
    """Sign out whoever is signed in, then sign ``user`` in the way their role does."""
    client.post(f"/t/{tenant.slug}/sign-out", data={"csrf_token": form_token(client, tenant)})
    sign_in_as(client, session, tenant, user)


def events_of(session: Session, case: Case, kind: str) -> list[CaseEvent]:
    """The case's events of ``kind``, in order."""
    return list(session.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id, CaseEvent.kind == kind)
                                .order_by(CaseEvent.seq)))


def notifications_of(session: Session, user: User, kind: str) -> list[Notification]:
    """The in-app notifications of ``kind`` for ``user``."""
    return list(session.scalars(select(Notification).where(Notification.user_id == user.id,
                                                           Notification.kind == kind)))


def actions_of(session: Session, deadline: Deadline) -> list[str]:
    """The actions the sweep took on ``deadline`` (reminders, chases, escalation), sorted."""
    return sorted(session.scalars(select(DeadlineAction.action).where(DeadlineAction.deadline_id == deadline.id)))
