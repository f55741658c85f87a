"""Referrals for the cases' page, list and API tests: as a form posts them, as the API takes them."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any
from uuid import uuid4

from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from odr.mediation.cases import services
from odr.mediation.core.events import CaseEvent
from odr.mediation.core.models import Case
from odr.platform.mail import OutboxEmail
from odr.platform.tenancy import set_tenant
from odr.tenants.models import Organisation, Role, User
from tests.conftest import csrf_token
from tests.mailbox import sign_in_as


def days_ago(n: int) -> str:
    """The ISO date ``n`` days before today (UTC)."""
    return (date.today() - timedelta(days=n)).isoformat()


def referral(**overrides: Any) -> dict[str, Any]:
    """A complete referral that passes every screening rule, as JSON."""
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


def open_case(app: Flask, session: Session, manager: User, case: Case, mediator: User | None = None) -> Case:
    """Accept ``case`` (overriding nothing) and assign ``mediator``; committed."""
    with app.test_request_context():
        services.accept(session, manager, case, base_url="http://localhost", invitation_days=7)
        if mediator is not None:
            services.assign_mediator(session, manager, case, mediator.public_id)
        session.commit()
    return case


def form_token(client: Any, tenant: Any) -> str:
    """The CSRF token of the client's session."""
    return csrf_token(client, f"/t/{tenant.slug}/sign-in-link")


def switch_to(client: Any, session: Session, tenant: Any, user: User) -> None:
    """Sign out whoever is signed in, then sign ``user`` in the way their role does."""
    client.post(f"/t/{tenant.slug}/sign-out", data={"csrf_token": form_token(client, tenant)})
    sign_in_as(client, session, tenant, user)
