"""The room's permission matrix: every action and every route, per role, in the user's tenant and another."""

from __future__ import annotations

from typing import Any

import pytest

from odr.platform.permissions import actions, can
from odr.platform.tenancy import set_tenant
from odr.tenants.models import Role
from tests.conftest import post_form
from tests.mailbox import sign_in_as
from tests.mediation.case_helpers import refer
from tests.mediation.room_helpers import open_room_case

ROLES = [Role.ADMIN, Role.CASE_MANAGER, Role.MEDIATOR, Role.INSURER_AGENT, Role.CUSTOMER]
Y, N = True, False

EXPECTED = {
    #                                    admin cm  med agent cust
    "rooms.join":                      {"own": (Y, Y, Y, Y, Y), "other": (N, N, N, N, N)},
    "rooms.post":                      {"own": (Y, Y, Y, Y, Y), "other": (N, N, N, N, N)},
    "rooms.moderate":                  {"own": (Y, Y, Y, N, N), "other": (N, N, N, N, N)},
    "rooms.use_templates":             {"own": (Y, Y, Y, N, N), "other": (N, N, N, N, N)},
    "rooms.manage_shared_templates":   {"own": (Y, Y, N, N, N), "other": (N, N, N, N, N)},
}


def room_actions() -> dict[str, Any]:
    """The actions whose rules the rooms package registers."""
    return {name: a for name, a in actions().items() if a.rule.__module__ == "odr.mediation.rooms.policy"}


@pytest.fixture
def world(app, session, tenant, people, elsewhere):
    """An open case here with everyone in it, and a case in another tenant."""
    set_tenant(session, tenant.id)
    case = open_room_case(app, session, people)
    set_tenant(session, None)
    return {"people": people, "own": {"tenant": tenant, "case": case},
            "other": {"tenant": elsewhere["tenant"], "case": elsewhere["case"]}}


def test_the_table_names_every_action_of_the_rooms(app):
    assert set(EXPECTED) == set(room_actions())


def test_every_role_in_its_own_tenant_and_another_matches_the_table(world):
    actual = {
        name: {where: tuple(can(world["people"][role.value], name, world[where][action.target]) for role in ROLES)
               for where in ("own", "other")}
        for name, action in room_actions().items()
    }
    assert actual == EXPECTED


def test_a_case_still_in_screening_has_no_room_yet(app, session, world):
    set_tenant(session, world["own"]["tenant"].id)
    waiting = refer(app, session, world["people"]["insurer_agent"])
    set_tenant(session, None)
    for role in ROLES:
        assert not can(world["people"][role.value], "rooms.join", waiting), role


# Every route of the rooms, with what each role gets on the open case of ``world``. Forms are sent
# empty: who may act gets the refusal of the input (400), who may not 403 (or 404 for a record
# they cannot see), and nothing changes.
ROUTES = {
    #                                      admin cm  med  agent cust
    ("GET", "rooms.room"):                 (200, 200, 200, 200, 200),
    ("POST", "rooms.send"):                (400, 400, 400, 400, 400),
    ("POST", "rooms.retract"):             (400, 400, 400, 400, 400),
    ("POST", "rooms.carry"):               (400, 400, 400, 403, 403),
    ("POST", "rooms.mode"):                (400, 400, 400, 403, 403),
    ("GET", "rooms.templates"):            (200, 200, 200, 403, 403),
    ("POST", "rooms.template_create"):     (400, 400, 400, 403, 403),
    ("GET", "rooms.template_edit"):        (404, 404, 404, 403, 403),
    ("POST", "rooms.template_update"):     (404, 404, 404, 403, 403),
    ("POST", "rooms.template_delete"):     (404, 404, 404, 403, 403),
}

PATHS = {
    "rooms.room": "/cases/{case}/room",
    "rooms.send": "/cases/{case}/room/messages",
    "rooms.retract": "/cases/{case}/room/retract",
    "rooms.carry": "/cases/{case}/room/carry",
    "rooms.mode": "/cases/{case}/room/mode",
    "rooms.templates": "/reply-templates",
    "rooms.template_create": "/reply-templates",
    "rooms.template_edit": "/reply-templates/00000000-0000-4000-8000-000000000000",
    "rooms.template_update": "/reply-templates/00000000-0000-4000-8000-000000000000",
    "rooms.template_delete": "/reply-templates/00000000-0000-4000-8000-000000000000/delete",
}


def test_the_route_table_covers_every_route_of_the_rooms(app):
    endpoints = {(method, rule.endpoint) for rule in app.url_map.iter_rules() if rule.endpoint.startswith("rooms.")
                 for method in rule.methods - {"HEAD", "OPTIONS"}}
    assert endpoints == set(ROUTES)


@pytest.mark.parametrize("role", ROLES, ids=lambda r: r.value)
def test_each_role_gets_what_the_route_table_says(app, session, world, role):
    tenant, case = world["own"]["tenant"], world["own"]["case"]
    client = app.test_client()
    sign_in_as(client, session, tenant, world["people"][role.value])
    base = f"/t/{tenant.slug}"
    room = f"{base}/cases/{case.public_id}/room"
    for (method, endpoint), statuses in ROUTES.items():
        path = base + PATHS[endpoint].format(case=case.public_id)
        if method == "GET":
            status = client.get(path).status_code
        else:
            status = post_form(client, path, {}, from_path=room).status_code
        assert status == statuses[ROLES.index(role)], (endpoint, method, role, status)


def test_another_tenants_room_is_not_found_for_every_role(app, session, world):
    tenant, other = world["own"]["tenant"], world["other"]["case"]
    for role in ROLES:
        client = app.test_client()
        sign_in_as(client, session, tenant, world["people"][role.value])
        assert client.get(f"/t/{tenant.slug}/cases/{other.public_id}/room").status_code == 404, role
