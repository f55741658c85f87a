"""An admin changes a user's name, role and insurer, on the page and through the API; the rules hold."""

from __future__ import annotations

import logging

import pytest

from odr.platform.tenancy import set_tenant
from odr.tenants.models import Organisation, Role
from tests import factories
from tests.conftest import csrf_token, post_form
from tests.tenants.test_api import assert_error


def edit_path(tenant, user) -> str:
    return f"/t/{tenant.slug}/admin/users/{user.public_id}"


def submit(client, tenant, user, **data):
    """Send the edit form as the browser does."""
    return post_form(client, edit_path(tenant, user), data, from_path=edit_path(tenant, user))


def reloaded(session, user):
    session.expire_all()
    return user


def test_the_edit_page_shows_the_users_values(admin_client, tenant, people):
    agent = people["insurer_agent"]
    html = admin_client.get(edit_path(tenant, agent)).get_data(as_text=True)
    assert f'value="{agent.full_name}"' in html
    assert '<option value="insurer_agent" selected>' in html
    assert f'<option value="{agent.organisation.public_id}" selected>' in html
    # Nobody is made a customer here.
    assert '<option value="customer"' not in html


def test_an_admin_renames_a_mediator_and_makes_them_case_manager(admin_client, session, tenant, people, caplog):
    mediator = people["mediator"]
    with caplog.at_level(logging.INFO, logger="odr.audit"):
        response = submit(admin_client, tenant, mediator, full_name="  Maya Mediator ", role="case_manager")
    assert response.status_code == 303
    assert "changes to Maya Mediator are saved" in admin_client.get(response.headers["Location"]).get_data(as_text=True)
    mediator = reloaded(session, mediator)
    assert (mediator.full_name, mediator.role) == ("Maya Mediator", Role.CASE_MANAGER)
    [entry] = [r for r in caplog.records if r.name == "odr.audit"]
    assert entry.audit["action"] == "user.updated"
    assert entry.audit["actor"] == str(people["admin"].public_id)
    assert entry.audit["user"] == str(mediator.public_id)
    assert entry.audit["role"] == "case_manager"


def test_an_agent_moves_to_another_insurer_and_a_staff_member_becomes_an_agent(admin_client, session, tenant, people):
    set_tenant(session, tenant.id)
    fjord = Organisation(tenant_id=tenant.id, name="Fjord Mutual")
    session.add(fjord)
    session.commit()
    agent, mediator = people["insurer_agent"], people["mediator"]
    assert submit(admin_client, tenant, agent, full_name=agent.full_name, role="insurer_agent",
                  organisation_id=str(fjord.public_id)).status_code == 303
    assert submit(admin_client, tenant, mediator, full_name=mediator.full_name, role="insurer_agent",
                  organisation_id=str(fjord.public_id)).status_code == 303
    assert reloaded(session, agent).organisation.name == "Fjord Mutual"
    assert (mediator.role, mediator.organisation.name) == (Role.INSURER_AGENT, "Fjord Mutual")
    # An agent who becomes staff leaves their insurer.
    assert submit(admin_client, tenant, agent, full_name=agent.full_name, role="mediator",
                  organisation_id=str(fjord.public_id)).status_code == 303
    assert (reloaded(session, agent).role, agent.organisation) == (Role.MEDIATOR, None)


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"full_name": "Mo", "role": "insurer_agent"}, "organisation_id"),
        ({"full_name": "Mo", "role": "insurer_agent", "organisation_id": "not-a-uuid"}, "organisation_id"),
        ({"full_name": "Mo", "role": "insurer_agent", "organisation_id": "00000000-0000-4000-8000-000000000000"},
         "organisation_id"),
        ({"full_name": "Mo", "role": "customer"}, "role"),
        ({"full_name": "Mo", "role": "superuser"}, "role"),
        ({"full_name": "   ", "role": "mediator"}, "full_name"),
        ({"full_name": "M" * 201, "role": "mediator"}, "full_name"),
    ],
)
def test_bad_input_is_refused_field_by_field_and_changes_nothing(admin_client, session, tenant, people, data, field):
    mediator = people["mediator"]
    before = (mediator.full_name, mediator.role, mediator.organisation_id)
    response = submit(admin_client, tenant, mediator, **data)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert f'href="#{field}"' in html  # the error summary points at the field
    assert f'id="{field}-error"' in html
    mediator = reloaded(session, mediator)
    assert (mediator.full_name, mediator.role, mediator.organisation_id) == before


def test_an_insurer_of_another_tenant_is_not_offered_nor_taken(admin_client, session, tenant, people):
    other = factories.tenant(session)
    set_tenant(session, other.id)
    theirs = session.query(Organisation).filter_by(tenant_id=other.id).one()
    session.commit()
    response = submit(admin_client, tenant, people["mediator"], full_name="Mo", role="insurer_agent",
                      organisation_id=str(theirs.public_id))
    assert response.status_code == 400
    assert reloaded(session, people["mediator"]).role is Role.MEDIATOR


def test_the_only_admin_cannot_stop_being_one(admin_client, session, tenant, people):
    admin = people["admin"]
    response = submit(admin_client, tenant, admin, full_name=admin.full_name, role="mediator")
    assert response.status_code == 400
    assert "only administrator" in response.get_data(as_text=True)
    assert reloaded(session, admin).role is Role.ADMIN


def test_a_disabled_admin_does_not_count_as_the_other_admin(admin_client, session, tenant, people):
    set_tenant(session, tenant.id)
    factories.user(session, tenant, Role.ADMIN).is_active = False
    session.commit()
    admin = people["admin"]
    assert submit(admin_client, tenant, admin, full_name=admin.full_name, role="mediator").status_code == 400
    set_tenant(session, tenant.id)
    factories.user(session, tenant, Role.ADMIN)
    session.commit()
    assert submit(admin_client, tenant, admin, full_name=admin.full_name, role="mediator").status_code == 303
    assert reloaded(session, admin).role is Role.MEDIATOR
    # No longer an admin: the users' pages are closed to them at once.
    assert admin_client.get(f"/t/{tenant.slug}/admin/users").status_code == 403


def test_a_customers_name_can_change_but_not_their_role(admin_client, session, tenant, people):
    customer = people["customer"]
    html = admin_client.get(edit_path(tenant, customer)).get_data(as_text=True)
    assert '<option value="mediator"' not in html
    assert submit(admin_client, tenant, customer, full_name="Cleo Customer", role="customer").status_code == 303
    assert reloaded(session, customer).full_name == "Cleo Customer"
    assert submit(admin_client, tenant, customer, full_name="Cleo", role="mediator").status_code == 400
    assert reloaded(session, customer).role is Role.CUSTOMER


def test_disabling_is_recorded_too(admin_client, tenant, people, caplog):
    path = f"/t/{tenant.slug}/admin/users/{people['mediator'].public_id}/active"
    with caplog.at_level(logging.INFO, logger="odr.audit"):
        post_form(admin_client, path, {"active": "0"}, from_path=f"/t/{tenant.slug}/admin/users")
    assert [r.audit["action"] for r in caplog.records if r.name == "odr.audit"] == ["user.disabled"]


# The API -----------------------------------------------------------------------------------------


def put(client, tenant, user, body):
    token = csrf_token(client, f"/t/{tenant.slug}/sign-in-link")
    return client.put(f"/api/v1/t/{tenant.slug}/users/{user.public_id}", json=body, headers={"X-CSRFToken": token})


def test_the_api_changes_a_user(admin_client, session, tenant, people):
    agent = people["insurer_agent"]
    response = put(admin_client, tenant, agent, {"full_name": "Alex Agent", "role": "case_manager"})
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert (body["full_name"], body["role"], body["organisation"]) == ("Alex Agent", "case_manager", None)
    assert body["two_step"] is False
    assert admin_client.get(f"/api/v1/t/{tenant.slug}/users/{agent.public_id}").get_json()["role"] == "case_manager"


def test_the_api_refuses_bad_input_in_the_one_error_format(admin_client, session, tenant, people):
    mediator, admin = people["mediator"], people["admin"]
    assert_error(put(admin_client, tenant, mediator, {"role": "insurer_agent", "full_name": "Mo"}),
                 400, "validation_failed", ["organisation_id"])
    assert_error(put(admin_client, tenant, mediator, {"role": "pope"}), 400, "validation_failed",
                 ["role", "full_name"])
    assert_error(put(admin_client, tenant, admin, {"role": "mediator", "full_name": "Ann"}),
                 400, "validation_failed", ["role"])
    assert reloaded(session, mediator).role is Role.MEDIATOR
    assert (admin.role, admin.full_name) == (Role.ADMIN, people["admin"].full_name)


def test_the_api_does_not_find_another_tenants_user(admin_client, session, tenant):
    other = factories.tenant(session)
    set_tenant(session, other.id)
    theirs = factories.user(session, other, Role.MEDIATOR)
    session.commit()
    response = put(admin_client, tenant, theirs, {"full_name": "X", "role": "admin"})
    assert_error(response, 404, "not_found")
    assert reloaded(session, theirs).role is Role.MEDIATOR


def test_the_openapi_document_describes_changing_a_user(client):
    paths = client.get("/api/openapi.json").get_json()["paths"]
    item = paths["/api/v1/t/{slug}/users/{user_id}"]
    assert {"get", "put"} <= set(item)
    body = item["put"]["requestBody"]["content"]["application/json"]["schema"]
    assert "$ref" in body or "properties" in body
