"""A busy or unreachable database: every socket event is answered (``busy``, with ``retry_after``), and
pages and API writes are a 503 with Retry-After that says to try again shortly, never a long wait and a 500.

SQLite is locked by another process holding its write lock; PostgreSQL has the connection killed under the
request (``pg_terminate_backend``). Each test runs on a committed database of its own.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import event, text
from sqlalchemy.engine import make_url

from odr.platform.db import SQLITE_BUSY_SECONDS, make_engine
from odr.platform.extensions import db, socketio
from odr.platform.gateway import ROOMS_NAMESPACE
from odr.platform.tenancy import set_tenant
from odr.tenants.models import Role
from tests import factories
from tests.conftest import PG_URL, csrf_token, sign_in
from tests.databases import LockedByAnotherProcess, committed_app


def _world(app: Flask) -> dict[str, Any]:
    with app.app_context():
        session = db.session
        tenant = factories.tenant(session)
        set_tenant(session, tenant.id)
        people = {"admin": factories.user(session, tenant, Role.ADMIN),
                  "mediator": factories.user(session, tenant, Role.MEDIATOR)}
        session.commit()
        return {"tenant": tenant, **people}


@pytest.fixture
def sqlite_app(tmp_path: Path) -> Iterator[Flask]:
    with committed_app(tmp_path, "locked", postgres=False) as app:
        yield app


def _admin_browser(app: Flask, world: dict[str, Any]) -> tuple[Any, str]:
    """The admin signed in; their browser and its CSRF token."""
    browser = app.test_client()
    sign_in(browser, world["tenant"], world["admin"])
    return browser, csrf_token(browser, f"/t/{world['tenant'].slug}/")


def _socket(app: Flask, world: dict[str, Any]) -> Any:
    browser = app.test_client()
    sign_in(browser, world["tenant"], world["mediator"])
    return browser, socketio.test_client(app, namespace=ROOMS_NAMESPACE, flask_test_client=browser)


def _assert_busy(ack: dict[str, Any]) -> None:
    assert ack["error"]["code"] == "busy", ack
    assert ack["error"]["retry_after"] > 0
    assert "try again" in ack["error"]["message"]


def test_a_socket_event_under_another_process_lock_is_answered_busy_and_the_socket_lives_on(sqlite_app):
    world = _world(sqlite_app)
    _browser, socket = _socket(sqlite_app, world)
    path = make_url(db.state(sqlite_app).engine.url).database
    message = {"case": "00000000-0000-0000-0000-000000000000", "channel": "joint", "client_id": "c" * 32,
               "text": "Are you there?"}
    with LockedByAnotherProcess(path):
        started = time.monotonic()
        ack = socket.emit("send", message, namespace=ROOMS_NAMESPACE, callback=True)
        waited = time.monotonic() - started
        _assert_busy(ack)
        assert waited < SQLITE_BUSY_SECONDS  # a person is told soon, not after a job's patience
        _assert_busy(socket.emit("read", {"case": message["case"], "seq": 1}, namespace=ROOMS_NAMESPACE,
                                 callback=True))
    # The lock is gone: the same socket is served again (this case was never joined).
    ack = socket.emit("send", message, namespace=ROOMS_NAMESPACE, callback=True)
    assert ack["error"]["code"] == "conflict", ack
    assert socket.is_connected(ROOMS_NAMESPACE)


def test_pages_and_api_writes_under_another_process_lock_are_503_with_retry_after(sqlite_app):
    world = _world(sqlite_app)
    tenant = world["tenant"]
    browser, token = _admin_browser(sqlite_app, world)
    path = make_url(db.state(sqlite_app).engine.url).database
    with LockedByAnotherProcess(path):
        api = browser.post(f"/api/v1/t/{tenant.slug}/organisations", json={"name": "Blocked Mutual"},
                           headers={"X-CSRFToken": token})
        page = browser.post(f"/t/{tenant.slug}/sign-out", data={"csrf_token": token})
    assert api.status_code == 503, api.get_data(as_text=True)
    assert api.headers["Retry-After"].isdigit()
    body = api.get_json()
    assert body["error"]["code"] == "busy" and body["error"]["retry_after"] == int(api.headers["Retry-After"])
    assert page.status_code == 503
    assert page.headers["Retry-After"].isdigit()
    html = page.get_data(as_text=True)
    assert "Please try again shortly" in html and "Nothing was changed" in html
    # Nothing was changed: still signed in, and no organisation was added.
    assert browser.get(f"/api/v1/t/{tenant.slug}/me").status_code == 200
    names = [o["name"] for o in browser.get(f"/api/v1/t/{tenant.slug}/organisations").get_json()]
    assert "Blocked Mutual" not in names


@pytest.fixture
def postgres_app(tmp_path: Path) -> Iterator[Flask]:
    if not PG_URL:
        pytest.skip("needs ODR_TEST_DATABASE_URL (PostgreSQL)")
    with committed_app(tmp_path, "killed", postgres=True) as app:
        yield app


class KillOnce:
    """Terminates the backend of the next transaction the app's engine begins, from another connection."""

    def __init__(self, app: Flask) -> None:
        self.engine = db.state(app).engine
        self.admin = make_engine(self.engine.url.render_as_string(hide_password=False))
        self.armed = False

    def __call__(self, connection: Any) -> None:
        if not self.armed:
            return
        self.armed = False
        pid = connection.connection.dbapi_connection.info.backend_pid
        with self.admin.connect() as admin:
            admin.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})

    def __enter__(self) -> KillOnce:
        event.listen(self.engine, "begin", self)
        return self

    def __exit__(self, *exc: object) -> None:
        event.remove(self.engine, "begin", self)
        self.admin.dispose()


def test_a_socket_event_whose_postgresql_connection_is_killed_is_answered_busy(postgres_app):
    world = _world(postgres_app)
    _browser, socket = _socket(postgres_app, world)
    message = {"case": "00000000-0000-0000-0000-000000000000", "seq": 1}
    with KillOnce(postgres_app) as kill:
        kill.armed = True
        _assert_busy(socket.emit("read", message, namespace=ROOMS_NAMESPACE, callback=True))
    assert socket.emit("read", message, namespace=ROOMS_NAMESPACE, callback=True)["error"]["code"] == "conflict"


def test_an_api_write_whose_postgresql_connection_is_killed_is_503(postgres_app):
    world = _world(postgres_app)
    tenant = world["tenant"]
    browser, token = _admin_browser(postgres_app, world)
    with KillOnce(postgres_app) as kill:
        kill.armed = True
        api = browser.post(f"/api/v1/t/{tenant.slug}/organisations", json={"name": "Cut Off Mutual"},
                           headers={"X-CSRFToken": token})
    assert api.status_code == 503, api.get_data(as_text=True)
    assert api.get_json()["error"]["code"] == "busy"
    assert api.headers["Retry-After"].isdigit()
