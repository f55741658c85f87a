"""The tenants domain's action rules: what each role may do in its own tenant and another, and how a refusal
looks. What each route answers each role is the route matrix's, in tests/platform/routes.py."""

from __future__ import annotations

from typing import Any

import pytest
from flask_login import AnonymousUserMixin
from sqlalchemy import select

from odr.platform.errors import Forbidden, NotFound
from odr.platform.permissions import actions, can, require
from odr.platform.tenancy import set_tenant
from odr.tenants.models import Organisation, Role
from tests import factories
from tests.conftest import sign_in
from tests.mediation.case_helpers import form_token

ROLES = [Role.ADMIN, Role.CASE_MANAGER, Role.MEDIATOR, Role.INSURER_AGENT, Role.CUSTOMER]

# Who may do what. Columns follow ROLES: admin, case manager, mediator, insurer agent, customer.
# "own" is a target in the user's tenant, "other" the same kind of target in another tenant.
Y, N = True, False
# fmt: off
EXPECTED = {
    #                                      admin cm med agent cust
    "dashboard.view":              {"own": (Y, Y, Y, Y, Y), "other": (N, N, N, N, N)},
    "users.list":                  {"own": (Y, N, N, N, N), "other": (N, N, N, N, N)},
    "users.manage":                {"own": (Y, N, N, N, N), "other": (N, N, N, N, N)},
    "profile.edit":                {"own": (Y, Y, Y, Y, Y), "other": (N, N, N, N, N)},
    "profile.password":            {"own": (Y, Y, Y, Y, N), "other": (N, N, N, N, N)},
    "invitations.manage":          {"own": (Y, N, N, N, N), "other": (N, N, N, N, N)},
    "invitations.invite_customer": {"own": (Y, Y, N, N, N), "other": (N, N, N, N, N)},
    "organisations.list":          {"own": (Y, Y, N, N, N), "other": (N, N, N, N, N)},
    "organisations.manage":        {"own": (Y, N, N, N, N), "other": (N, N, N, N, N)},
    "templates.manage":            {"own": (Y, N, N, N, N), "other": (N, N, N, N, N)},
    "notifications.view":          {"own": (Y, Y, Y, Y, Y), "other": (N, N, N, N, N)},
    "policy.view":                 {"own": (Y, Y, N, N, N), "other": (N, N, N, N, N)},
    "policy.manage":               {"own": (Y, N, N, N, N), "other": (N, N, N, N, N)},
}
# fmt: on


def _organisation_of(session: Any, tenant: Any) -> Organisation:
    """The tenant's insurer organisation (the factory registers one)."""
    return session.scalars(select(Organisation).where(Organisation.tenant_id == tenant.id)).one()


@pytest.fixture
def world(app, session, tenant, people):
    """Our tenant with one user of each role; a target of every kind here and in another tenant."""
    other = factories.tenant(session)
    set_tenant(session, other.id)
    their_admin = factories.user(session, other, Role.ADMIN)
    with app.app_context():
        their_invitation, _token = factories.invitation(session, their_admin)
        set_tenant(session, tenant.id)
        our_invitation, _token = factories.invitation(session, people["admin"])
        session.commit()
    set_tenant(session, None)
    return {
        "people": people,
        "own": {
            "tenant": tenant,
            "user": people["customer"],
            "invitation": our_invitation,
            "organisation": people["insurer_agent"].organisation,
        },
        "other": {
            "tenant": other,
            "user": their_admin,
            "invitation": their_invitation,
            "organisation": _organisation_of(session, other),
        },
    }


def tenant_actions() -> dict[str, Any]:
    """The actions whose rules the tenants domain registers (other domains test their own)."""
    return {
        name: action
        for name, action in actions().items()
        if action.rule.__module__ == "odr.tenants.policy"
    }


def test_the_table_names_every_action_of_the_tenants_domain(app):
    assert set(EXPECTED) == set(tenant_actions())


def test_every_role_in_its_own_tenant_and_another_matches_the_table(world):
    actual = {}
    for name, action in tenant_actions().items():
        actual[name] = {
            where: tuple(
                can(world["people"][role.value], name, world[where][action.target])
                for role in ROLES
            )
            for where in ("own", "other")
        }
    assert actual == EXPECTED


def test_without_a_target_a_role_may_what_it_may_in_its_own_tenant(world):
    for name in tenant_actions():
        allowed = tuple(can(world["people"][role.value], name) for role in ROLES)
        assert allowed == EXPECTED[name]["own"], name


def test_a_disabled_user_can_do_nothing(world):
    for role in ROLES:
        user = world["people"][role.value]
        user.is_active = False
        for name, action in actions().items():
            assert not can(user, name), (role, name)
            for where in ("own", "other"):
                assert not can(user, name, world[where].get(action.target)), (role, name, where)


@pytest.mark.parametrize("anonymous", [None, AnonymousUserMixin()], ids=["none", "anonymous"])
def test_an_anonymous_visitor_can_do_nothing(world, anonymous):
    for name, action in actions().items():
        assert not can(anonymous, name)
        assert not can(anonymous, name, world["own"].get(action.target))


def test_an_unknown_action_is_an_error_not_a_refusal(world):
    with pytest.raises(KeyError, match="no.such.action"):
        can(world["people"]["admin"], "no.such.action")
    with pytest.raises(KeyError):
        can(None, "no.such.action")


def test_require_hides_another_tenants_record_and_forbids_a_visible_one(world):
    admin, mediator = world["people"]["admin"], world["people"]["mediator"]
    require(admin, "organisations.manage", world["own"]["organisation"])
    with pytest.raises(NotFound):
        require(admin, "organisations.manage", world["other"]["organisation"])
    with pytest.raises(NotFound):
        require(mediator, "organisations.manage", world["other"]["organisation"])
    with pytest.raises(Forbidden):
        require(mediator, "organisations.manage", world["own"]["organisation"])
    with pytest.raises(Forbidden):
        require(None, "users.list")


# How a refusal looks ------------------------------------------------------------------------------


@pytest.fixture
def site(app, session, tenant, people):
    """Our tenant's slug and people, with two pending invitations that a refused page must not show."""
    set_tenant(session, tenant.id)
    with app.app_context():
        factories.invitation(session, people["admin"])
        factories.invitation(session, people["admin"])
        session.commit()
    return {"slug": tenant.slug, "tenant": tenant, "people": people}


def test_a_refused_page_is_a_403_page_in_the_layout(client, site):
    sign_in(client, site["tenant"], site["people"]["mediator"])
    response = client.get(f"/t/{site['slug']}/admin/users")
    assert response.status_code == 403
    html = response.get_data(as_text=True)
    assert 'id="main"' in html
    assert "You are not allowed to do this." in html


def test_a_refused_api_call_is_a_403_in_the_error_format(client, site):
    sign_in(client, site["tenant"], site["people"]["mediator"])
    response = client.get(f"/api/v1/t/{site['slug']}/users")
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "forbidden"


@pytest.mark.parametrize("role", [Role.CASE_MANAGER, Role.MEDIATOR, Role.INSURER_AGENT])
def test_a_refused_invitation_form_does_not_show_the_invitations(client, site, role):
    sign_in(client, site["tenant"], site["people"][role.value])
    token = form_token(client, site["tenant"])
    response = client.post(
        f"/t/{site['slug']}/admin/invitations", data={"csrf_token": token, "role": "customer"}
    )
    assert response.status_code == 403
    assert "invitee-" not in response.get_data(as_text=True)
