"""Helpers of the documents tests: an open case with everyone in it, documents shared in it, uploads and
downloads as browsers send them."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import quote
from uuid import UUID, uuid4

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from odr.mediation.core.events import CaseEvent
from odr.mediation.documents.models import Document
from odr.platform.tenancy import set_tenant
from odr.storage.local import LocalStorage
from tests.mailbox import sign_in_as
from tests.mediation.case_helpers import form_token, open_case
from tests.storage import samples


def use_local_store(app: Flask, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An empty local store for the app's documents, for the test's duration."""
    monkeypatch.setitem(app.extensions, "odr.storage", LocalStorage(tmp_path / "store", secret=app.secret_key))


@pytest.fixture
def world(app, session, tenant, people, elsewhere, tmp_path, monkeypatch) -> dict[str, Any]:
    """An open case here (insurer agent, customer, mediator), another tenant's case, an empty local store."""
    use_local_store(app, tmp_path, monkeypatch)
    set_tenant(session, tenant.id)
    case = open_case(app, session, people)
    set_tenant(session, None)
    return {"tenant": tenant, "case": case, "people": people, "elsewhere": elsewhere}


def share_documents(app: Flask, session: Session, world: dict[str, Any]) -> dict[str, Any]:
    """The insurer agent's documents in the world's case, one in the joint channel and one in the insurer's
    caucus, and a document of the other tenant's case (a bare row: its bytes are never asked for)."""
    insurer = Browser(app.test_client(), session, world["tenant"], world["people"]["insurer_agent"])
    ids = {
        "joint": insurer.upload(world["case"], samples.pdf(), "joint.pdf").get_json()["id"],
        "caucus": insurer.upload(world["case"], samples.pdf(), "caucus.pdf", channel="caucus:insurer").get_json()["id"],
    }
    set_tenant(session, world["tenant"].id)
    documents = {where: session.scalar(select(Document).where(Document.public_id == UUID(public_id)))
                 for where, public_id in ids.items()}
    other = Document(tenant_id=world["elsewhere"]["tenant"].id, case_id=world["elsewhere"]["case"].id,
                     channel="joint", uploader_label="x", file_name="x.pdf", content_type="application/pdf", size=1,
                     sha256="0" * 64, chain_id=uuid4(), storage_key="tenants/x/y")
    set_tenant(session, None)
    session.add(other)
    session.commit()
    return {"documents": documents, "other_document": other}


class Browser:
    """A signed-in person's client, with the API calls the documents panel makes."""

    def __init__(self, client: FlaskClient, session: Session, tenant: Any, user: Any) -> None:
        self.client, self.tenant, self.user = client, tenant, user
        sign_in_as(client, session, tenant, user)
        self.token = form_token(client, tenant)

    def api(self, path: str) -> str:
        return f"/api/v1/t/{self.tenant.slug}{path}"

    def upload(self, case: Any, data: bytes, name: str, *, channel: str = "joint", key: str | None = None,
               replaces: Any = None) -> Any:
        """POST the bytes as the raw body, the name in a header, as the panel does."""
        query = f"?channel={channel}" + (f"&replaces={replaces}" if replaces else "")
        return self.client.post(
            self.api(f"/cases/{case.public_id}/documents{query}"), data=data,
            headers={"X-CSRFToken": self.token, "X-File-Name": quote(name), "Content-Type": "application/octet-stream",
                     "Idempotency-Key": key or uuid4().hex})

    def post_json(self, path: str, body: dict[str, Any]) -> Any:
        return self.client.post(self.api(path), json=body, headers={"X-CSRFToken": self.token})

    def documents(self, case: Any) -> list[dict[str, Any]]:
        response = self.client.get(self.api(f"/cases/{case.public_id}/documents"))
        assert response.status_code == 200, response.get_data(as_text=True)
        return response.get_json()

    def download(self, document_id: str, *, preview: bool = False) -> Any:
        """Follow the download (or preview) link as a browser does: the redirect, then the bytes."""
        kind = "preview" if preview else "download"
        response = self.client.get(f"/t/{self.tenant.slug}/documents/{document_id}/{kind}")
        if response.status_code != 303:
            return response
        return self.client.get(response.headers["Location"])


def counts(session: Session) -> tuple[int, int]:
    """How many documents and document events exist (all tenants)."""
    session.expire_all()
    documents = session.scalar(select(func.count()).select_from(Document).execution_options(all_tenants=True))
    events = session.scalar(select(func.count()).select_from(CaseEvent).where(CaseEvent.kind.like("document.%"))
                            .execution_options(all_tenants=True))
    return documents, events
