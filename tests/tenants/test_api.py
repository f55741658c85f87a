"""The REST API under /api/v1/t/<slug>/: cookie session plus CSRF header, one error format."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from odr.platform.mail import OutboxEmail
from odr.tenants.models import Invitation, Organisation
from tests import factories
from tests.conftest import csrf_token, sign_in
from tests.mailbox import emails_to, last_link, token_of


class Api:
    """A signed-in script: the browser's session cookie and its CSRF token in a header."""

    def __init__(self, client, tenant):
        self.client = client
        self.base = f"/api/v1/t/{tenant.slug}"
        self.token = csrf_token(client, f"/t/{tenant.slug}/sign-in-link")

    def get(self, path):
        return self.client.get(self.base + path)

    def post(self, path, body=None, **kwargs):
        kwargs.setdefault("json", body)
        return self.client.post(self.base + path, headers={"X-CSRFToken": self.token}, **kwargs)


@pytest.fixture
def admin_api(client, tenant, people):
    """The API as the tenant's admin."""
    sign_in(client, tenant, people["admin"])
    return Api(client, tenant)


def assert_error(response, status, code, fields=None):
    """``response`` is ``status`` in the one error format, with messages for ``fields``."""
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "fields"}
    assert body["error"]["code"] == code
    assert body["error"]["message"]
    if fields is not None:
        assert set(body["error"]["fields"]) == set(fields), body
        for messages in body["error"]["fields"].values():
            assert isinstance(messages, list), body
            assert messages, body
            assert all(isinstance(text, str) and text for text in messages), body
    return body["error"]


def test_me_is_the_signed_in_user(admin_api, people):
    response = admin_api.get("/me")
    assert response.status_code == 200
    me = response.get_json()
    assert me["id"] == str(people["admin"].public_id)
    assert me["email"] == people["admin"].email
    assert me["role"] == "admin"
    assert "password_hash" not in me
    assert "tenant_id" not in me


def test_the_admin_lists_users_and_organisations(admin_api, people):
    users = admin_api.get("/users").get_json()
    assert {u["email"] for u in users} == {p.email for p in people.values()}
    agent = next(u for u in users if u["role"] == "insurer_agent")
    assert agent["organisation"]["name"] == "Northwind Insurance"
    organisations = admin_api.get("/organisations").get_json()
    assert [o["name"] for o in organisations] == ["Northwind Insurance"]


def test_the_admin_registers_an_organisation(admin_api, session):
    response = admin_api.post(
        "/organisations",
        {"name": "Fjord Mutual", "contact_email": "Claims@Fjord.example", "reference_prefix": "FJ"},
    )
    assert response.status_code == 201
    created = response.get_json()
    assert created["name"] == "Fjord Mutual"
    assert created["contact_email"] == "claims@fjord.example"
    assert created["reference_prefix"] == "FJ"
    organisation = session.scalar(select(Organisation).where(Organisation.name == "Fjord Mutual"))
    assert str(organisation.public_id) == created["id"]


def test_the_admin_invites_and_the_response_holds_no_token(admin_api, session):
    response = admin_api.post(
        "/invitations",
        {"full_name": "Mia Mediator", "email": "mia@example.org", "role": "mediator"},
    )
    assert response.status_code == 201
    created = response.get_json()
    assert created["email"] == "mia@example.org"
    assert created["state"] == "pending"
    assert set(created) == {
        "id",
        "email",
        "full_name",
        "role",
        "organisation",
        "state",
        "expires_at",
        "created_at",
    }
    token = token_of(last_link(session, "mia@example.org"))
    assert token not in response.get_data(as_text=True)
    assert len(emails_to(session, "mia@example.org")) == 1
    listed = admin_api.get("/invitations")
    assert [i["email"] for i in listed.get_json()] == ["mia@example.org"]
    assert token not in listed.get_data(as_text=True)


def test_an_agent_invitation_names_its_organisation(admin_api, people):
    organisation = people["insurer_agent"].organisation
    response = admin_api.post(
        "/invitations",
        {
            "full_name": "Ada Agent",
            "email": "ada@northwind.example",
            "role": "insurer_agent",
            "organisation_id": str(organisation.public_id),
        },
    )
    assert response.status_code == 201
    assert response.get_json()["organisation"]["id"] == str(organisation.public_id)


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ('{"name": ', "bad_request"),
        ("not json at all", "bad_request"),
        ("[1, 2, 3]", "validation_failed"),
        ('"a string"', "validation_failed"),
    ],
    ids=["truncated", "garbage", "array", "string"],
)
def test_a_body_that_is_not_a_json_object_is_a_400(admin_api, session, body, code):
    before = session.scalar(select(func.count(Organisation.id)))
    response = admin_api.post(
        "/organisations", json=None, data=body, content_type="application/json"
    )
    assert_error(response, 400, code)
    session.expire_all()
    assert session.scalar(select(func.count(Organisation.id))) == before


@pytest.mark.parametrize(
    ("path", "body", "fields"),
    [
        ("/organisations", {"name": 123}, ["name"]),
        ("/organisations", {}, ["name"]),
        ("/organisations", {"name": "  "}, ["name"]),
        ("/organisations", {"name": "Ok", "reference_prefix": "lower"}, ["reference_prefix"]),
        ("/organisations", {"name": "Ok", "contact_email": "nope"}, ["contact_email"]),
        ("/invitations", {"full_name": "K", "email": "k@example.org", "role": "king"}, ["role"]),
        (
            "/invitations",
            {"full_name": ["K"], "email": 5, "role": "mediator"},
            ["full_name", "email"],
        ),
        (
            "/invitations",
            {"full_name": "A", "email": "a@example.org", "role": "insurer_agent"},
            ["organisation_id"],
        ),
        (
            "/invitations",
            {
                "full_name": "A",
                "email": "a@example.org",
                "role": "insurer_agent",
                "organisation_id": "not-a-uuid",
            },
            ["organisation_id"],
        ),
    ],
    ids=[
        "name-number",
        "name-missing",
        "name-blank",
        "bad-prefix",
        "bad-contact",
        "unknown-role",
        "wrong-types",
        "agent-without-organisation",
        "malformed-organisation",
    ],
)
def test_invalid_fields_are_a_400_naming_each_field(admin_api, session, path, body, fields):
    response = admin_api.post(path, body)
    assert_error(response, 400, "validation_failed", fields)
    session.expire_all()
    assert session.scalar(select(func.count(Invitation.id))) == 0
    assert (
        session.scalar(select(func.count(OutboxEmail.id)).execution_options(all_tenants=True)) == 0
    )


def test_a_duplicate_organisation_name_is_a_field_error(admin_api, session):
    response = admin_api.post("/organisations", {"name": "northwind INSURANCE"})
    error = assert_error(response, 400, "validation_failed", ["name"])
    assert error["fields"]["name"] == ["An organisation with this name is already registered."]
    assert session.scalar(select(func.count(Organisation.id))) == 1


def test_inviting_an_existing_users_address_is_a_field_error(admin_api, people):
    response = admin_api.post(
        "/invitations",
        {"full_name": "Again", "email": people["mediator"].email, "role": "mediator"},
    )
    assert_error(response, 400, "validation_failed", ["email"])


def test_an_organisation_of_another_tenant_cannot_be_named(admin_api, session):
    other = factories.tenant(session)
    session.commit()
    theirs = session.scalar(
        select(Organisation.public_id)
        .where(Organisation.tenant_id == other.id)
        .execution_options(all_tenants=True)
    )
    response = admin_api.post(
        "/invitations",
        {
            "full_name": "A",
            "email": "a@example.org",
            "role": "insurer_agent",
            "organisation_id": str(theirs),
        },
    )
    assert_error(response, 400, "validation_failed", ["organisation_id"])


@pytest.mark.parametrize("role", ["mediator", "insurer_agent"])
def test_a_non_admin_is_refused_with_403_json(client, tenant, people, role):
    sign_in(client, tenant, people[role])
    api = Api(client, tenant)
    assert_error(api.get("/users"), 403, "forbidden")
    assert_error(api.get("/invitations"), 403, "forbidden")
    assert_error(api.post("/organisations", {"name": "Sneaky Insurance"}), 403, "forbidden")
    assert_error(
        api.post("/invitations", {"full_name": "A", "email": "a@example.org", "role": "customer"}),
        403,
        "forbidden",
    )
    assert api.get("/me").status_code == 200


def test_a_case_manager_may_invite_a_customer_but_nobody_else(client, tenant, people):
    sign_in(client, tenant, people["case_manager"])
    api = Api(client, tenant)
    assert (
        api.post(
            "/invitations", {"full_name": "C", "email": "c@example.org", "role": "customer"}
        ).status_code
        == 201
    )
    assert_error(
        api.post("/invitations", {"full_name": "M", "email": "m@example.org", "role": "mediator"}),
        403,
        "forbidden",
    )


def test_anonymous_gets_401_json(client, tenant):
    for path in ("/me", "/users", "/organisations", "/invitations"):
        assert_error(client.get(f"/api/v1/t/{tenant.slug}{path}"), 401, "unauthenticated")
    token = csrf_token(client, f"/t/{tenant.slug}/sign-in")
    response = client.post(
        f"/api/v1/t/{tenant.slug}/organisations", json={"name": "X"}, headers={"X-CSRFToken": token}
    )
    assert_error(response, 401, "unauthenticated")


def test_another_tenants_api_does_not_know_the_session(admin_api, client, session):
    other = factories.tenant(session)
    session.commit()
    for path in ("/me", "/users", "/organisations", "/invitations"):
        response = client.get(f"/api/v1/t/{other.slug}{path}")
        assert_error(response, 401, "unauthenticated")
        assert "Northwind" not in response.get_data(as_text=True)
    assert_error(client.get("/api/v1/t/no-such-tenant/users"), 404, "not_found")


def test_the_openapi_document_lists_the_paths(client):
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    spec = response.get_json()
    assert spec["openapi"].startswith("3.")
    paths = spec["paths"]
    for path in ("me", "users", "organisations", "invitations"):
        assert f"/api/v1/t/{{slug}}/{path}" in paths
    assert {"get", "post"} <= set(paths["/api/v1/t/{slug}/organisations"])
    assert {"get", "post"} <= set(paths["/api/v1/t/{slug}/invitations"])


def test_an_address_in_use_is_named_with_every_other_field_at_once(admin_api, session, people):
    # An insurer agent without an organisation, at the address of someone in the tenant: both said at once.
    response = admin_api.post("/invitations", {"full_name": "Mo", "email": people["mediator"].email.upper(),
                                               "role": "insurer_agent"})
    assert_error(response, 400, "validation_failed", ["email", "organisation_id"])
    assert response.get_json()["error"]["fields"]["email"] == [
        "Someone in this tenant already uses this e-mail address."]
    session.expire_all()
    assert session.scalar(select(func.count(Invitation.id))) == 0
