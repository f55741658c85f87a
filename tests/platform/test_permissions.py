"""The tenants domain's permission matrix: every action and route, for each role, in two tenants."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import pytest
from flask_login import AnonymousUserMixin
from sqlalchemy import select

from odr.platform.errors import Forbidden, NotFound
from odr.platform.permissions import actions, can, require
from odr.platform.tenancy import set_tenant
from odr.tenants.models import Organisation, Role
from tests import factories
from tests.conftest import csrf_token, sign_in
from tests.mailbox import sign_in_as

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
    "invitations.manage":          {"own": (Y, N, N, N, N), "other": (N, N, N, N, N)},
    "invitations.invite_customer": {"own": (Y, Y, N, N, N), "other": (N, N, N, N, N)},
    "organisations.list":          {"own": (Y, Y, N, N, N), "other": (N, N, N, N, N)},
    "organisations.manage":        {"own": (Y, N, N, N, N), "other": (N, N, N, N, N)},
    "templates.manage":            {"own": (Y, N, N, N, N), "other": (N, N, N, N, N)},
    "notifications.view":          {"own": (Y, Y, Y, Y, Y), "other": (N, N, N, N, N)},
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


# Routes ----------------------------------------------------------------------------------------

# Every route of the tenants domain that needs a signed-in user, with what each role gets.
# Columns follow ROLES: admin, case manager, mediator, insurer agent, customer.
# fmt: off
ROUTES = {
    ("GET", "tenants.dashboard"):               (200, 200, 200, 200, 200),
    ("GET", "tenants.users"):                   (200, 403, 403, 403, 403),
    ("POST", "tenants.user_active"):            (303, 403, 403, 403, 403),
    ("GET", "tenants.invitations"):             (200, 403, 403, 403, 403),
    ("POST", "tenants.invitation_create"):      (303, 403, 403, 403, 403),
    ("POST", "tenants.invitation_resend"):      (303, 403, 403, 403, 403),
    ("POST", "tenants.invitation_revoke"):      (303, 403, 403, 403, 403),
    ("GET", "tenants.organisations"):           (200, 200, 403, 403, 403),
    ("POST", "tenants.organisation_create"):    (303, 403, 403, 403, 403),
    ("GET", "tenants.organisation_edit"):       (200, 403, 403, 403, 403),
    ("POST", "tenants.organisation_edit"):      (303, 403, 403, 403, 403),
    ("GET", "tenants_api.Me"):                  (200, 200, 200, 200, 200),
    ("GET", "tenants_api.Users"):               (200, 403, 403, 403, 403),
    ("GET", "tenants_api.Organisations"):       (200, 200, 403, 403, 403),
    ("POST", "tenants_api.Organisations"):      (201, 403, 403, 403, 403),
    ("GET", "tenants_api.Invitations"):         (200, 403, 403, 403, 403),
    ("POST", "tenants_api.Invitations"):        (201, 201, 403, 403, 403),
}
# fmt: on
# Routes anyone may use: signing in and out, and the links from e-mails.
PUBLIC = {
    ("GET", "tenants.sign_in"),
    ("POST", "tenants.sign_in"),
    ("POST", "tenants.sign_out"),
    ("GET", "tenants.sign_in_link"),
    ("POST", "tenants.sign_in_link"),
    ("GET", "tenants.link"),
    ("POST", "tenants.redeem"),
}


def _request(endpoint: str, site: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """The path of ``endpoint`` in the site's tenant and a request body that the admin may send."""
    t = f"/t/{site['slug']}"
    api = f"/api/v1/t/{site['slug']}"
    requests = {
        "tenants.dashboard": (f"{t}/", {}),
        "tenants.users": (f"{t}/admin/users", {}),
        "tenants.user_active": (f"{t}/admin/users/{site['user']}/active", {"active": "1"}),
        "tenants.invitations": (f"{t}/admin/invitations", {}),
        "tenants.invitation_create": (
            f"{t}/admin/invitations",
            {"full_name": "Nora New", "email": "nora.new@example.org", "role": "mediator"},
        ),
        "tenants.invitation_resend": (f"{t}/admin/invitations/{site['resend']}/resend", {}),
        "tenants.invitation_revoke": (f"{t}/admin/invitations/{site['revoke']}/revoke", {}),
        "tenants.organisations": (f"{t}/admin/organisations", {}),
        "tenants.organisation_create": (f"{t}/admin/organisations", {"name": "Fjord Mutual"}),
        "tenants.organisation_edit": (
            f"{t}/admin/organisations/{site['organisation']}",
            {"name": "Northwind Insurance", "reference_prefix": "NWI"},
        ),
        "tenants_api.Me": (f"{api}/me", {}),
        "tenants_api.Users": (f"{api}/users", {}),
        "tenants_api.Organisations": (f"{api}/organisations", {"name": "Api Assurance"}),
        "tenants_api.Invitations": (
            f"{api}/invitations",
            {"full_name": "Cara Customer", "email": "cara@example.org", "role": "customer"},
        ),
    }
    return requests[endpoint]


def _send(client: Any, token: str, method: str, endpoint: str, site: dict[str, Any]) -> Any:
    """Send the request of ``endpoint`` as a browser (forms) or a script (API) would."""
    path, body = _request(endpoint, site)
    if endpoint.startswith("tenants_api."):
        if method == "GET":
            return client.get(path)
        return client.post(path, json=body, headers={"X-CSRFToken": token})
    if method == "GET":
        return client.get(path)
    return client.post(path, data={"csrf_token": token, **body})


def _token(client: Any, site: dict[str, Any]) -> str:
    """The CSRF token of the client's session, from a page everyone may see."""
    return csrf_token(client, f"/t/{site['slug']}/sign-in-link")


@pytest.fixture
def site(app, session, tenant, people):
    """Our tenant's slug, people and the public ids the routes act on."""
    set_tenant(session, tenant.id)
    with app.app_context():
        resend, _token = factories.invitation(session, people["admin"])
        revoke, _token = factories.invitation(session, people["admin"])
        session.commit()
    return {
        "slug": tenant.slug,
        "tenant": tenant,
        "people": people,
        "user": people["mediator"].public_id,
        "resend": resend.public_id,
        "revoke": revoke.public_id,
        "organisation": people["insurer_agent"].organisation.public_id,
    }


# The modules whose routes this matrix covers; later capabilities of the domain (notifications,
# tasks, e-mail templates) keep their own route matrices beside their code.
ROUTE_MODULES = {
    "odr.tenants.views",
    "odr.tenants.admin_views",
    "odr.tenants.auth_views",
    "odr.tenants.api",
}


def test_the_route_table_covers_every_route_of_the_tenants_pages_and_api(app):
    routes = {
        (method, rule.endpoint)
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith(("tenants.", "tenants_api."))
        and app.view_functions[rule.endpoint].__module__ in ROUTE_MODULES
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    assert routes == set(ROUTES) | PUBLIC


def _assert_treated_as_anonymous(client: Any, site: dict[str, Any]) -> None:
    token = _token(client, site)
    for method, endpoint in ROUTES:
        response = _send(client, token, method, endpoint, site)
        if endpoint.startswith("tenants_api."):
            assert response.status_code == 401, (method, endpoint)
            assert response.get_json()["error"]["code"] == "unauthenticated"
        else:
            assert response.status_code == 302, (method, endpoint)
            path, _body = _request(endpoint, site)
            # Back to the page after signing in; a form cannot be re-sent, so its page is not named.
            expected = f"/t/{site['slug']}/sign-in" + (
                f"?next={quote(path, safe='/')}" if method == "GET" else ""
            )
            assert response.headers["Location"] == expected, (method, endpoint)


def test_anonymous_is_sent_to_sign_in_on_pages_and_gets_401_from_the_api(client, site):
    _assert_treated_as_anonymous(client, site)


def test_a_user_signed_in_to_another_tenant_is_anonymous_here(app, client, session, site):
    elsewhere = factories.tenant(session)
    set_tenant(session, elsewhere.id)
    their_admin = factories.user(session, elsewhere, Role.ADMIN)
    session.commit()
    sign_in(client, elsewhere, their_admin)
    assert client.get(f"/t/{elsewhere.slug}/admin/users").status_code == 200
    _assert_treated_as_anonymous(client, site)


@pytest.mark.parametrize("role", ROLES, ids=[r.value for r in ROLES])
def test_each_role_gets_what_the_route_table_says(client, session, site, role):
    sign_in_as(client, session, site["tenant"], site["people"][role.value])
    column = ROLES.index(role)
    token = _token(client, site)
    actual = {key: _send(client, token, *key, site).status_code for key in ROUTES}
    expected = {key: statuses[column] for key, statuses in ROUTES.items()}
    assert actual == expected


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
    token = _token(client, site)
    response = client.post(
        f"/t/{site['slug']}/admin/invitations", data={"csrf_token": token, "role": "customer"}
    )
    assert response.status_code == 403
    assert "invitee-" not in response.get_data(as_text=True)
