"""The people of a case: who acts for which party, who is told, and where its page is."""

from __future__ import annotations

from typing import Any

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from odr.mediation.core.access import side_of
from odr.mediation.core.models import Case, Side
from odr.tenants.models import Role, Tenant, User

# Parties of a deadline that a viewer acts for, by the side they are on.
_SIDE_PARTY = {Side.CUSTOMER: "customer", Side.INSURER: "insurer"}


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


def is_staff(user: Any) -> bool:
    """The provider's own people who run cases (administrators and case managers)."""
    return Role(user.role) in {Role.ADMIN, Role.CASE_MANAGER}
