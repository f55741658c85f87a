"""Fixtures of the mediation tests: the tenant's people in scope, another tenant with a case, and open
cases with everyone in them."""

from __future__ import annotations

from typing import Any

import pytest
import time_machine
from flask import Flask
from sqlalchemy.orm import Session

from odr.mediation.core.models import Case
from odr.platform.tenancy import set_tenant
from odr.tenants.models import Role, User
from tests import factories
from tests.mediation.case_helpers import NOW, open_case, refer
from tests.mediation.room_helpers import Participant, joined


@pytest.fixture
def scoped(session: Session, tenant: Any, people: dict[str, User]) -> dict[str, User]:
    """The tenant's people, with the session scoped to the tenant."""
    set_tenant(session, tenant.id)
    return people


@pytest.fixture
def elsewhere(app: Flask, session: Session) -> dict[str, Any]:
    """Another tenant with an agent, a case manager and a case of its own."""
    other = factories.tenant(session)
    set_tenant(session, other.id)
    agent = factories.user(session, other, Role.INSURER_AGENT)
    manager = factories.user(session, other, Role.CASE_MANAGER)
    session.commit()
    case = refer(app, session, agent)
    return {"tenant": other, "agent": agent, "manager": manager, "case": case}


@pytest.fixture
def case(app: Flask, session: Session, scoped: dict[str, User]) -> Case:
    """An open case: the insurer agent referred it, the customer is linked, the mediator assigned."""
    return open_case(app, session, scoped)


@pytest.fixture
def room(app: Flask, session: Session, tenant: Any, people: dict[str, User], case: Case) -> dict[str, Participant]:
    """The mediator, the insurer agent and the customer in the case's room."""
    roles = ("mediator", "insurer_agent", "customer")
    return {role: joined(app, session, tenant, people[role], case) for role in roles}


@pytest.fixture
def two_tenants(session: Session, tenant: Any, people: dict[str, User], case: Case,
                elsewhere: dict[str, Any]) -> dict[str, Any]:
    """The open case here with everyone in it, and another tenant's case; the session scoped to neither."""
    set_tenant(session, None)
    return {"people": people, "own": {"tenant": tenant, "case": case},
            "other": {"tenant": elsewhere["tenant"], "case": elsewhere["case"]}}


@pytest.fixture
def running(app: Flask, session: Session) -> tuple[Any, dict[str, User], Case]:
    """A case in mediation, opened on NOW, in a London tenant of its own: the tenant, its people, the case."""
    tenant, people = factories.tenant_with_people(session)
    with time_machine.travel(NOW, tick=False), app.app_context():
        case = open_case(app, session, people)
    return tenant, people, case
