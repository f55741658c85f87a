"""The cases' permission matrix: every action and every route, per role, in the user's tenant and another.

The tenants domain has its table in tests/platform/test_permissions.py; this is the cases' own.
"""

from __future__ import annotations

from typing import Any

import pytest

from odr.platform.permissions import actions, can
from odr.platform.tenancy import set_tenant
from odr.tenants.models import Role
from tests.mailbox import sign_in_as
from tests.mediation.case_helpers import form_token, open_case, refer

ROLES = [Role.ADMIN, Role.CASE_MANAGER, Role.MEDIATOR, Role.INSURER_AGENT, Role.CUSTOMER]
Y, N = True, False

# "own" is an open case of the user's tenant: referred by its insurer agent, with its customer
# linked and its mediator assigned; "other" is a case of another tenant.
EXPECTED = {
    #                                 admin cm  med agent cust
    "cases.list":                   {"own": (Y, Y, Y, Y, Y), "other": (N, N, N, N, N)},
    "cases.view":                   {"own": (Y, Y, Y, Y, Y), "other": (N, N, N, N, N)},
    "cases.refer":                  {"own": (Y, Y, N, Y, N), "other": (N, N, N, N, N)},
    "cases.screen":                 {"own": (Y, Y, N, N, N), "other": (N, N, N, N, N)},
    "cases.assign":                 {"own": (Y, Y, N, N, N), "other": (N, N, N, N, N)},
    "cases.manage_clock":           {"own": (Y, Y, N, N, N), "other": (N, N, N, N, N)},
    "cases.record_contact":         {"own": (Y, Y, Y, N, N), "other": (N, N, N, N, N)},
    "cases.request_escalation":     {"own": (N, N, Y, Y, Y), "other": (N, N, N, N, N)},
    "cases.escalate":               {"own": (Y, Y, N, N, N), "other": (N, N, N, N, N)},
    "cases.withdraw":               {"own": (Y, Y, N, Y, Y), "other": (N, N, N, N, N)},
    "cases.close":                  {"own": (Y, Y, Y, N, N), "other": (N, N, N, N, N)},
    "cases.manage_representatives": {"own": (Y, Y, N, N, Y), "other": (N, N, N, N, N)},
}


def case_actions() -> dict[str, Any]:
    """The actions of cases: the kernel's (seeing a case) and intake's."""
    modules = {"odr.mediation.cases.policy", "odr.mediation.core.access"}
    return {name: a for name, a in actions().items() if a.rule.__module__ in modules}


@pytest.fixture
def world(app, session, tenant, people, elsewhere):
    """An open case here with everyone involved, and a case in another tenant."""
    set_tenant(session, tenant.id)
    case = open_case(app, session, people["case_manager"],
                     refer(app, session, people["insurer_agent"], customer_email=people["customer"].email),
                     people["mediator"])
    set_tenant(session, None)
    return {
        "people": people,
        "own": {"tenant": tenant, "case": case},
        "other": {"tenant": elsewhere["tenant"], "case": elsewhere["case"]},
    }


def test_the_table_names_every_action_of_the_cases_domain(app):
    assert set(EXPECTED) == set(case_actions())


def test_every_role_in_its_own_tenant_and_another_matches_the_table(world):
    actual = {
        name: {
            where: tuple(can(world["people"][role.value], name, world[where][action.target]) for role in ROLES)
            for where in ("own", "other")
        }
        for name, action in case_actions().items()
    }
    assert actual == EXPECTED


def test_without_a_case_a_role_may_what_it_may_to_a_case_it_is_part_of(world):
    for name in case_actions():
        assert tuple(can(world["people"][role.value], name) for role in ROLES) == EXPECTED[name]["own"], name


def test_a_case_one_is_not_part_of_is_refused(app, session, world):
    people = world["people"]
    set_tenant(session, world["own"]["tenant"].id)
    stranger = refer(app, session, people["case_manager"], customer_email="someone.else@example.org")
    set_tenant(session, None)
    for name in ("cases.view", "cases.withdraw", "cases.request_escalation", "cases.close",
                 "cases.record_contact", "cases.manage_representatives"):
        assert not can(people["mediator"], name, stranger), name
        assert not can(people["customer"], name, stranger), name
    assert can(people["insurer_agent"], "cases.view", stranger)  # referred for their insurer


# Routes ---------------------------------------------------------------------------------------------

# Every route of the cases, with what each role gets on the open case of ``world``. Forms are
# sent empty or invalid: who may act gets the refusal of the input (400) or of the state (409),
# who may not gets 403, and nothing changes.
ROUTES = {
    #                                           admin cm  med  agent cust
    ("GET", "cases.index"):                     (200, 200, 200, 200, 200),
    ("GET", "cases.refer"):                     (200, 200, 403, 200, 403),
    ("POST", "cases.refer"):                    (400, 400, 403, 400, 403),
    ("GET", "cases.show"):                      (200, 200, 200, 200, 200),
    ("GET", "cases.screening"):                 (200, 200, 403, 403, 403),
    ("POST", "cases.screening_start"):          (409, 409, 403, 403, 403),
    ("POST", "cases.screening_override"):       (400, 400, 403, 403, 403),
    ("POST", "cases.screening_accept"):         (409, 409, 403, 403, 403),
    ("POST", "cases.screening_reject"):         (400, 400, 403, 403, 403),
    ("POST", "cases.assign_mediator"):          (400, 400, 403, 403, 403),
    ("POST", "cases.clock_pause"):              (400, 400, 403, 403, 403),
    ("POST", "cases.clock_resume"):             (400, 400, 403, 403, 403),
    ("POST", "cases.clock_extend"):             (400, 400, 403, 403, 403),
    ("POST", "cases.request_escalation"):       (403, 403, 400, 400, 400),
    ("POST", "cases.withdraw"):                 (400, 400, 403, 400, 400),
    ("POST", "cases.not_settled"):              (400, 400, 400, 403, 403),
    ("POST", "cases.close"):                    (409, 409, 409, 403, 403),
    ("POST", "cases.add_representative"):       (400, 400, 403, 403, 400),
    ("POST", "cases.remove_representative"):    (404, 404, 403, 403, 404),
    ("GET", "cases_api.Cases"):                 (200, 200, 200, 200, 200),
    ("POST", "cases_api.Cases"):                (400, 400, 403, 400, 403),
    ("GET", "cases_api.CaseItem"):              (200, 200, 200, 200, 200),
}


def _path(endpoint: str, slug: str, case: Any) -> str:
    paths = {
        "cases.index": "/cases",
        "cases.refer": "/cases/new",
        "cases.show": f"/cases/{case.public_id}",
        "cases.screening": f"/cases/{case.public_id}/screening",
        "cases.screening_start": f"/cases/{case.public_id}/screening/start",
        "cases.screening_override": f"/cases/{case.public_id}/screening/override",
        "cases.screening_accept": f"/cases/{case.public_id}/screening/accept",
        "cases.screening_reject": f"/cases/{case.public_id}/screening/reject",
        "cases.assign_mediator": f"/cases/{case.public_id}/mediator",
        "cases.clock_pause": f"/cases/{case.public_id}/clock/pause",
        "cases.clock_resume": f"/cases/{case.public_id}/clock/resume",
        "cases.clock_extend": f"/cases/{case.public_id}/clock/extend",
        "cases.request_escalation": f"/cases/{case.public_id}/escalation",
        "cases.withdraw": f"/cases/{case.public_id}/withdraw",
        "cases.not_settled": f"/cases/{case.public_id}/not-settled",
        "cases.close": f"/cases/{case.public_id}/close",
        "cases.add_representative": f"/cases/{case.public_id}/representatives",
        "cases.remove_representative": f"/cases/{case.public_id}/representatives/0/remove",
        "cases_api.Cases": "/cases",
        "cases_api.CaseItem": f"/cases/{case.public_id}",
    }
    prefix = "/api/v1/t/" if endpoint.startswith("cases_api.") else "/t/"
    return f"{prefix}{slug}{paths[endpoint]}"


def _send(client: Any, token: str, method: str, endpoint: str, slug: str, case: Any) -> Any:
    path = _path(endpoint, slug, case)
    if method == "GET":
        return client.get(path)
    if endpoint.startswith("cases_api."):
        return client.post(path, json={}, headers={"X-CSRFToken": token})
    return client.post(path, data={"csrf_token": token})


def test_the_route_table_covers_every_route_of_the_cases(app):
    routes = {
        (method, rule.endpoint)
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith(("cases.", "cases_api."))
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    assert routes == set(ROUTES)


@pytest.mark.parametrize("role", ROLES, ids=[r.value for r in ROLES])
def test_each_role_gets_what_the_route_table_says(client, session, world, role):
    tenant, case = world["own"]["tenant"], world["own"]["case"]
    sign_in_as(client, session, tenant, world["people"][role.value])
    token = form_token(client, tenant)
    column = ROLES.index(role)
    actual = {key: _send(client, token, *key, tenant.slug, case).status_code for key in ROUTES}
    assert actual == {key: statuses[column] for key, statuses in ROUTES.items()}
    session.expire_all()
    assert case.state.value == "open" and not case.clock_extended and case.tier == 2  # nothing changed


@pytest.mark.parametrize("role", ROLES, ids=[r.value for r in ROLES])
def test_another_tenants_case_does_not_exist_for_anyone_here(client, session, world, role):
    tenant, theirs = world["own"]["tenant"], world["other"]["case"]
    sign_in_as(client, session, tenant, world["people"][role.value])
    token = form_token(client, tenant)
    for method, endpoint in ROUTES:
        if "public_id" not in _path_template(endpoint):
            continue
        response = _send(client, token, method, endpoint, tenant.slug, theirs)
        assert response.status_code == 404, (method, endpoint)


def _path_template(endpoint: str) -> str:
    class Placeholder:
        public_id = "public_id"

    return _path(endpoint, "slug", Placeholder())


def test_anonymous_and_other_tenants_users_are_sent_to_sign_in(client, session, world, elsewhere):
    tenant, case = world["own"]["tenant"], world["own"]["case"]
    for signed_in_elsewhere in (False, True):
        if signed_in_elsewhere:
            sign_in_as(client, session, elsewhere["tenant"], elsewhere["agent"])
        token = form_token(client, tenant)
        for method, endpoint in ROUTES:
            response = _send(client, token, method, endpoint, tenant.slug, case)
            if endpoint.startswith("cases_api."):
                assert response.status_code == 401, (method, endpoint)
            else:
                assert response.status_code == 302, (method, endpoint)
                assert response.headers["Location"].startswith(f"/t/{tenant.slug}/sign-in")
