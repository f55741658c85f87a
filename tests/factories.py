"""Test data built through the services, so every row is one the platform could make."""

from __future__ import annotations

import itertools
from datetime import timedelta
from typing import Any

from sqlalchemy.orm import Session

from odr.platform.tenancy import set_tenant
from odr.tenants import services
from odr.tenants.models import Invitation, Organisation, Role, Tenant, User

PASSWORD = "correct horse battery staple"  # noqa: S105
_seq = itertools.count(1)


def tenant(session: Session, **overrides: Any) -> Tenant:
    """A tenant with one insurer organisation named 'Northwind Insurance'."""
    n = next(_seq)
    data = {"slug": f"provider-{n}", "name": f"Provider {n}", "time_zone": "Europe/London"}
    data.update(overrides)
    t = services.create_tenant(session, data)
    set_tenant(session, t.id)
    session.add(Organisation(tenant_id=t.id, name="Northwind Insurance", reference_prefix="NW"))
    session.flush()
    set_tenant(session, None)
    return t


def user(session: Session, t: Tenant, role: Role, **overrides: Any) -> User:
    """A user of ``role`` in ``t``; insurer agents join Northwind Insurance."""
    n = next(_seq)
    data = {
        "email": f"{role.value.replace('_', '-')}-{n}@example.org",
        "full_name": f"{role.value.replace('_', ' ').title()} {n}",
        "role": role.value,
        "password": PASSWORD if role.needs_password else None,
        "organisation": "Northwind Insurance" if role is Role.INSURER_AGENT else None,
    }
    data.update(overrides)
    return services.create_user(session, t, data)


def one_of_each_role(session: Session, t: Tenant) -> dict[str, User]:
    """A user of every role, keyed by the role's value."""
    return {role.value: user(session, t, role) for role in Role}


def tenant_with_people(
    session: Session, *, deadlines: dict[str, Any] | None = None, **overrides: Any
) -> tuple[Tenant, dict[str, User]]:
    """A tenant (``deadlines`` over its deadline policy) with a user of every role, committed."""
    t = tenant(session, **overrides)
    if deadlines:
        t.policy = {**t.policy, "deadlines": deadlines}
    set_tenant(session, t.id)
    people = one_of_each_role(session, t)
    session.commit()
    return t, people


def invitation(
    session: Session, admin: User, role: Role = Role.MEDIATOR, **overrides: Any
) -> tuple[Invitation, str]:
    """An invitation from ``admin``, valid for 7 days; returns it and its token.

    It renders and queues the e-mail, so call it inside an application context.
    """
    n = next(_seq)
    data = {"email": f"invitee-{n}@example.org", "full_name": f"Invitee {n}", "role": role.value}
    data.update(overrides)
    return services.invite(
        session, admin, data, base_url="http://localhost", lifetime=timedelta(days=7)
    )
