"""Fixtures of the tenants tests: the admin's browser, and a second browser for whoever they invite."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import sign_in


@pytest.fixture
def admin_client(client: FlaskClient, tenant: Any, people: dict[str, Any]) -> FlaskClient:
    """A browser signed in as the tenant's admin."""
    sign_in(client, tenant, people["admin"])
    return client


@pytest.fixture
def guest(app: Flask) -> FlaskClient:
    """Another browser: the person who receives the invitation."""
    return app.test_client()


@pytest.fixture
def mediator(people: dict[str, Any]) -> Any:
    """The tenant's mediator."""
    return people["mediator"]


@pytest.fixture
def browser(client: FlaskClient, tenant: Any, mediator: Any) -> FlaskClient:
    """The mediator's browser, signed in."""
    sign_in(client, tenant, mediator)
    return client
