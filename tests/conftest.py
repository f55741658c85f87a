"""Fixtures: one migrated database per test worker, each test rolled back to a savepoint."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_migrate import upgrade
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from odr.app import create_app
from odr.mediation.core.kinds import EventKinds, register_kinds
from odr.platform.config import Settings
from odr.platform.extensions import db, limiter
from odr.platform.tenancy import set_tenant
from tests import factories

PG_URL = os.environ.get("ODR_TEST_DATABASE_URL", "")


def worker_id() -> str:
    """The pytest-xdist worker (``gw0``...), or ``main`` without xdist."""
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


def fresh_postgres_database(base_url: str, suffix: str) -> str:
    """Create (or re-create) ``<db>_<suffix>`` beside the database of ``base_url``."""
    url = make_url(base_url)
    if url.drivername == "postgresql":
        url = url.set(drivername="postgresql+psycopg")
    name = f"{url.database}_{suffix}"
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return url.set(database=name).render_as_string(hide_password=False)


def database_url(tmp: Path, suffix: str) -> str:
    """A fresh database for this worker: PostgreSQL when configured, else a SQLite file."""
    if PG_URL:
        return fresh_postgres_database(PG_URL, suffix)
    return f"sqlite:///{tmp / f'{suffix}.sqlite3'}"


def test_settings(tmp: Path, url: str, **overrides: Any) -> Settings:
    """Settings for a test app: inline jobs, in-memory rate limits, a fixed secret."""
    values: dict[str, Any] = {
        "env": "test",
        "secret_key": "test-secret-key-that-is-long-enough-0123456789",
        "instance_path": str(tmp / "instance"),
        "database_url": url,
        "base_url": "http://localhost",
        "jobs_url": "memory://",
        "jobs_immediate": True,
        "ratelimit_storage_url": "memory://",
        "log_level": "WARNING",
    }
    values.update(overrides)
    return Settings.from_env(environ={}, **values)


test_settings.__test__ = False  # type: ignore[attr-defined]  # a helper, not a test


@pytest.fixture(scope="session", autouse=True)
def _cheap_password_hashing() -> Iterator[None]:
    """Argon2 at its lowest cost: the tests make hundreds of users, and the cost is not under test."""
    from argon2 import PasswordHasher

    from odr.tenants import passwords

    production = passwords._hasher
    passwords._hasher = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    yield
    passwords._hasher = production


# A kind of the tests' own, for entries whose content does not matter (a chain to tamper with).
TEST_KINDS = EventKinds()
NOTE = TEST_KINDS.declare("note.added", lambda payload, case: ("A note", ""))


@pytest.fixture(scope="session")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """The platform on a freshly migrated database."""
    tmp = tmp_path_factory.mktemp("app")
    app = create_app(test_settings(tmp, database_url(tmp, f"t_{worker_id()}")))
    register_kinds(TEST_KINDS)
    with app.app_context():
        upgrade()
    yield app
    db.state(app).engine.dispose()


@pytest.fixture(autouse=True)
def _rollback(request: pytest.FixtureRequest) -> Iterator[None]:
    """Each test that uses the app runs in a transaction rolled back at its end."""
    if "app" not in request.fixturenames:
        yield
        return
    state = db.state(request.getfixturevalue("app"))
    engine = state.engine
    connection = engine.connect()
    transaction = connection.begin()
    state.factory.configure(bind=connection, join_transaction_mode="create_savepoint")
    limiter.reset()
    try:
        yield
    finally:
        transaction.rollback()
        connection.close()
        state.factory.configure(bind=engine, join_transaction_mode="conservative_savepoint")


@pytest.fixture
def session(app: Flask) -> Iterator[Session]:
    """A session for calling services directly, inside the test's transaction.

    No application context is held open around it: requests must push their own, or
    flask-login and Flask-WTF would keep the previous request's user and token on ``g``.
    """
    s = db.state(app).factory()
    try:
        yield s
    finally:
        s.close()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """A browser-like client (cookies kept)."""
    return app.test_client()


@pytest.fixture
def tenant(session: Session) -> Any:
    """A tenant with an insurer organisation, committed to the test's transaction."""
    t = factories.tenant(session)
    session.commit()
    return t


@pytest.fixture
def people(session: Session, tenant: Any) -> dict[str, Any]:
    """One user of each role in ``tenant`` (password: factories.PASSWORD)."""
    set_tenant(session, tenant.id)
    users = factories.one_of_each_role(session, tenant)
    session.commit()
    return users


def csrf_token(client: FlaskClient, path: str = "/") -> str:
    """The CSRF token of the client's session, read from a page's meta tag."""
    html = client.get(path).get_data(as_text=True)
    match = re.search(r'<meta name="csrf-token" content="([^"]+)"', html)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def post_form(client: FlaskClient, path: str, data: dict[str, Any], *, from_path: str = "/") -> Any:
    """POST a form as a browser does, with the session's CSRF token."""
    return client.post(path, data={"csrf_token": csrf_token(client, from_path), **data})


def sign_in(client: FlaskClient, tenant: Any, user: Any, password: str = factories.PASSWORD) -> Any:
    """Sign ``user`` in through the sign-in page."""
    path = f"/t/{tenant.slug}/sign-in"
    response = post_form(client, path, {"email": user.email, "password": password}, from_path=path)
    assert response.status_code == 303, response.get_data(as_text=True)[:500]
    return response


def host_of(url: str) -> str:
    """The host of ``url`` (for assertions on links)."""
    return urlparse(url).netloc
