"""The documents' permission matrix: every action and every route, per role, in the user's tenant and another."""
# ruff: noqa: F811 - the fixtures imported from documents_support come back as test arguments

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from odr.mediation.documents.models import Document
from odr.platform.permissions import actions, can
from odr.platform.tenancy import set_tenant
from odr.tenants.models import Role
from tests.mediation.documents_support import Browser, world  # noqa: F401 - the fixture
from tests.storage import samples

ROLES = [Role.ADMIN, Role.CASE_MANAGER, Role.MEDIATOR, Role.INSURER_AGENT, Role.CUSTOMER]
Y, N = True, False

# "joint" and "caucus" are documents the insurer agent shared in the open case, in the joint channel
# and in the insurer's caucus; "case" is that case; "other" is the same in another tenant.
EXPECTED = {
    #                          admin cm  med agent cust
    "documents.view":   {"joint": (Y, Y, Y, Y, Y), "caucus": (Y, Y, Y, Y, N), "other": (N, N, N, N, N)},
    "documents.upload": {"case": (Y, Y, Y, Y, Y), "other": (N, N, N, N, N)},
    "documents.carry":  {"joint": (N, N, N, N, N), "caucus": (N, N, Y, N, N), "other": (N, N, N, N, N)},
}


def document_actions() -> dict[str, Any]:
    """The actions whose rules the documents package registers."""
    return {name: a for name, a in actions().items() if a.rule.__module__ == "odr.mediation.documents.policy"}


@pytest.fixture
def shared(app, session, world):  # noqa: F811
    """The world with a joint and a caucus document of the insurer agent, and another tenant's document."""
    insurer = Browser(app.test_client(), session, world["tenant"], world["people"]["insurer_agent"])
    ids = {
        "joint": insurer.upload(world["case"], samples.pdf(), "joint.pdf").get_json()["id"],
        "caucus": insurer.upload(world["case"], samples.pdf(), "caucus.pdf", channel="caucus:insurer").get_json()["id"],
    }
    set_tenant(session, world["tenant"].id)
    documents = {where: session.scalar(select(Document).where(Document.public_id == __import__("uuid").UUID(i)))
                 for where, i in ids.items()}
    other = Document(tenant_id=world["elsewhere"]["tenant"].id, case_id=world["elsewhere"]["case"].id,
                     channel="joint", uploader_label="x", file_name="x.pdf", content_type="application/pdf", size=1,
                     sha256="0" * 64, chain_id=__import__("uuid").uuid4(), storage_key="tenants/x/y")
    set_tenant(session, None)
    session.add(other)
    session.commit()
    return {**world, "documents": documents, "other_document": other}


def test_the_table_names_every_action_of_the_documents_domain(app):
    assert set(EXPECTED) == set(document_actions())


def test_every_role_matches_the_table(shared):
    people = shared["people"]
    targets = {"joint": shared["documents"]["joint"], "caucus": shared["documents"]["caucus"], "case": shared["case"]}
    for name, expected in EXPECTED.items():
        for where, row in expected.items():
            if where == "other":
                target = shared["other_document"] if name != "documents.upload" else shared["elsewhere"]["case"]
            else:
                target = targets[where]
            actual = tuple(can(people[role.value], name, target) for role in ROLES)
            assert actual == row, (name, where)


# Every route, on the insurer's caucus document: who may see it gets the link or the record, the customer
# (who may not) gets 404, never 403. Empty or invalid input is refused with 400 and changes nothing.
ROUTES = {
    #                                                 admin cm  med  agent cust
    ("GET", "documents.download"):                     (303, 303, 303, 303, 404),
    ("GET", "documents.preview"):                      (303, 303, 303, 303, 404),
    ("GET", "documents.file"):                         (404, 404, 404, 404, 404),
    ("GET", "documents.panel"):                        (200, 200, 200, 200, 200),
    ("GET", "documents_api.CaseDocuments"):            (200, 200, 200, 200, 200),
    ("POST", "documents_api.CaseDocuments"):           (400, 400, 400, 400, 400),
    ("POST", "documents_api.DirectUploads"):           (400, 400, 400, 400, 400),
    ("POST", "documents_api.DirectUploadCompletion"):  (400, 400, 400, 400, 400),
    ("PUT", "documents_api.SignedUpload"):             (404, 404, 404, 404, 404),
    ("GET", "documents_api.DocumentItem"):             (200, 200, 200, 200, 404),
    ("POST", "documents_api.Carry"):                   (400, 400, 400, 400, 400),
    ("GET", "documents_api.Link"):                     (200, 200, 200, 200, 404),
}


def _path(endpoint: str, slug: str, case: Any, doc: Any) -> str:
    paths = {
        "documents.download": f"/documents/{doc}/download",
        "documents.preview": f"/documents/{doc}/preview",
        "documents.file": f"/documents/{doc}/file/not-a-token",
        "documents.panel": f"/cases/{case}/documents",
        "documents_api.CaseDocuments": f"/cases/{case}/documents",
        "documents_api.DirectUploads": f"/cases/{case}/documents/direct",
        "documents_api.DirectUploadCompletion": f"/cases/{case}/documents/direct/complete",
        "documents_api.SignedUpload": "/documents/uploads/not-a-token",
        "documents_api.DocumentItem": f"/documents/{doc}",
        "documents_api.Carry": f"/documents/{doc}/carry",
        "documents_api.Link": f"/documents/{doc}/link",
    }
    prefix = "/api/v1/t/" if endpoint.startswith("documents_api.") else "/t/"
    return f"{prefix}{slug}{paths[endpoint]}"


def test_the_route_table_covers_every_route_of_the_documents(app):
    routes = {
        (method, rule.endpoint)
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith(("documents.", "documents_api."))
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    assert routes == set(ROUTES)


@pytest.mark.parametrize("role", ROLES, ids=[r.value for r in ROLES])
def test_each_role_gets_what_the_route_table_says(app, session, shared, role):
    person = Browser(app.test_client(), session, shared["tenant"], shared["people"][role.value])
    column = ROLES.index(role)
    case, doc = shared["case"].public_id, shared["documents"]["caucus"].public_id
    actual = {}
    for method, endpoint in ROUTES:
        path = _path(endpoint, shared["tenant"].slug, case, doc)
        headers = {"X-CSRFToken": person.token}
        response = person.client.open(path, method=method, json={} if method != "GET" else None, headers=headers)
        actual[(method, endpoint)] = response.status_code
    assert actual == {key: statuses[column] for key, statuses in ROUTES.items()}
    session.expire_all()
    set_tenant(session, shared["tenant"].id)
    assert len(session.scalars(select(Document)).all()) == 2  # nothing was added


def test_another_tenants_case_and_documents_do_not_exist_here(app, session, shared):
    person = Browser(app.test_client(), session, shared["tenant"], shared["people"]["admin"])
    case, doc = shared["elsewhere"]["case"].public_id, shared["other_document"].public_id
    for method, endpoint in ROUTES:
        if endpoint == "documents_api.SignedUpload":
            continue
        path = _path(endpoint, shared["tenant"].slug, case, doc)
        response = person.client.open(path, method=method, json={} if method != "GET" else None,
                                      headers={"X-CSRFToken": person.token})
        assert response.status_code in (404, 400), (method, endpoint, response.status_code)
        if method == "GET":
            assert response.status_code == 404, (method, endpoint)
