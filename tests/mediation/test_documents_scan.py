"""The malware scan with a real clamd: EICAR is refused and logged, clean files are shared, a dead scanner holds."""
# ruff: noqa: F811 - the fixtures imported from documents_support come back as test arguments

from __future__ import annotations

import logging
from uuid import UUID

import pytest
from sqlalchemy import select

from odr.mediation.core.events import CaseEvent
from odr.mediation.documents.models import Document
from odr.platform.tenancy import set_tenant
from odr.storage.scan import Scanner
from tests.mediation.documents_support import Browser, world  # noqa: F401 - the fixture
from tests.storage import samples
from tests.storage.conftest import clamd_url  # noqa: F401 - the fixture
from tests.storage.servers import free_port


def browser(app, session, world, role):  # noqa: F811
    return Browser(app.test_client(), session, world["tenant"], world["people"][role])


def document(session, world, public_id):  # noqa: F811
    set_tenant(session, world["tenant"].id)
    session.expire_all()
    return session.scalar(select(Document).where(Document.public_id == UUID(public_id)))


@pytest.fixture
def scanning(app, clamd_url, monkeypatch):  # noqa: F811
    monkeypatch.setitem(app.extensions, "odr.scanner", Scanner(clamd_url))


def test_eicar_is_refused_logged_and_its_bytes_deleted(app, session, world, scanning, caplog):
    insurer = browser(app, session, world, "insurer_agent")
    with caplog.at_level(logging.WARNING):
        response = insurer.upload(world["case"], samples.EICAR_FILE, "notes.txt")
    assert response.status_code == 201 and response.get_json()["status"] == "pending"
    refused = document(session, world, response.get_json()["id"])
    assert refused.status.value == "refused" and refused.storage_key is None and "EICAR" in refused.refusal
    assert "infected" in caplog.text
    assert list(app.extensions["odr.storage"].list("tenants/")) == []
    kinds = list(session.scalars(select(CaseEvent.kind).where(CaseEvent.kind.like("document.%"))))
    assert kinds == ["document.refused"]
    customer = browser(app, session, world, "customer")
    assert customer.documents(world["case"]) == []
    assert insurer.download(response.get_json()["id"]).status_code == 409


def test_a_clean_file_is_shared_after_its_scan(app, session, world, scanning):
    insurer = browser(app, session, world, "insurer_agent")
    response = insurer.upload(world["case"], samples.pdf(), "clean.pdf")
    assert document(session, world, response.get_json()["id"]).status.value == "available"
    event = session.scalar(select(CaseEvent).where(CaseEvent.kind == "document.shared"))
    assert event.actor_id == world["people"]["insurer_agent"].id
    assert [d["name"] for d in browser(app, session, world, "customer").documents(world["case"])] == ["clean.pdf"]


def test_a_scanner_that_is_down_leaves_documents_pending(app, session, world, monkeypatch):
    monkeypatch.setitem(app.extensions, "odr.scanner", Scanner(f"tcp://127.0.0.1:{free_port()}", timeout=2))
    insurer = browser(app, session, world, "insurer_agent")
    response = insurer.upload(world["case"], samples.pdf(), "waiting.pdf")
    assert response.status_code == 201
    pending = document(session, world, response.get_json()["id"])
    assert pending.status.value == "pending" and pending.storage_key
    assert browser(app, session, world, "customer").documents(world["case"]) == []
    assert [d["status"] for d in insurer.documents(world["case"])] == ["pending"]
