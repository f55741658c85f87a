"""Who is told about a case, and where its page is."""

from __future__ import annotations

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from odr.mediation.cases.models import Case
from odr.tenants.models import Role, Tenant, User


def case_path(tenant: Tenant, case: Case) -> str:
    """The case page's path."""
    return f"/t/{tenant.slug}/cases/{case.public_id}"


def case_link(tenant: Tenant, case: Case) -> str:
    """The case page's full address."""
    return current_app.config["ODR"].base_url.rstrip("/") + case_path(tenant, case)


def staff_for(session: Session, case: Case) -> list[User]:
    """The case manager of ``case``, or every case manager when none is assigned."""
    if case.case_manager is not None:
        return [case.case_manager]
    return list(session.scalars(select(User).where(
        User.tenant_id == case.tenant_id, User.role == Role.CASE_MANAGER, User.is_active.is_(True))))


def party_users(session: Session, case: Case, party: str) -> list[User]:
    """Everyone who acts for ``party`` (customer, insurer, mediator, case_manager, provider)."""
    reps = [r.user for r in case.representatives if r.side.value == party and r.user is not None]
    if party == "customer":
        return ([case.customer] if case.customer else []) + reps
    if party == "insurer":
        agents = session.scalars(select(User).where(
            User.tenant_id == case.tenant_id, User.organisation_id == case.organisation_id,
            User.role == Role.INSURER_AGENT, User.is_active.is_(True))).all()
        return list(agents) + reps
    if party == "mediator":
        return [case.mediator] if case.mediator else staff_for(session, case)
    if party == "case_manager":
        return staff_for(session, case)
    admins = session.scalars(select(User).where(
        User.tenant_id == case.tenant_id, User.role == Role.ADMIN, User.is_active.is_(True))).all()
    return staff_for(session, case) + list(admins)
