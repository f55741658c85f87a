"""Fixtures of the mediation tests: the tenant's people in scope, and another tenant with a case."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from odr.platform.tenancy import set_tenant
from odr.tenants.models import Role, User
from tests import factories
from tests.mediation.case_helpers import refer


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
