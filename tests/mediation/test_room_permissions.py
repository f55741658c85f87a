"""The room's action rules: what each role may do in a room of its own tenant and of another. What each
route answers each role is the route matrix's, in tests/platform/routes.py."""

from __future__ import annotations

from typing import Any

from odr.platform.permissions import actions, can
from odr.platform.tenancy import set_tenant
from odr.tenants.models import Role
from tests.mediation.case_helpers import refer

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


def test_the_table_names_every_action_of_the_rooms(app):
    assert set(EXPECTED) == set(room_actions())


def test_every_role_in_its_own_tenant_and_another_matches_the_table(two_tenants):
    actual = {
        name: {where: tuple(can(two_tenants["people"][role.value], name, two_tenants[where][action.target])
                            for role in ROLES)
               for where in ("own", "other")}
        for name, action in room_actions().items()
    }
    assert actual == EXPECTED


def test_a_case_still_in_screening_has_no_room_yet(app, session, two_tenants):
    set_tenant(session, two_tenants["own"]["tenant"].id)
    waiting = refer(app, session, two_tenants["people"]["insurer_agent"])
    set_tenant(session, None)
    for role in ROLES:
        assert not can(two_tenants["people"][role.value], "rooms.join", waiting), role
