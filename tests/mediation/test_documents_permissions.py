"""The documents' permission matrix: every action, per role, in the user's tenant and another.

Every route of the documents, per role, is in the route matrix of tests/platform/routes.py.
"""
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
