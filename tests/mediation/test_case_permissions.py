"""The cases' action rules: what each role may do to a case of its own tenant and of another.

The tenants domain has its table in tests/platform/test_permissions.py; what each route answers each role
is the route matrix's, in tests/platform/routes.py.
"""

from __future__ import annotations

from typing import Any

from odr.platform.permissions import actions, can
from odr.platform.tenancy import set_tenant
from odr.tenants.models import Role
from tests.mediation.case_helpers import refer

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


def test_the_table_names_every_action_of_the_cases_domain(app):
    assert set(EXPECTED) == set(case_actions())


def test_every_role_in_its_own_tenant_and_another_matches_the_table(two_tenants):
    actual = {
        name: {
            where: tuple(can(two_tenants["people"][role.value], name, two_tenants[where][action.target])
                         for role in ROLES)
            for where in ("own", "other")
        }
        for name, action in case_actions().items()
    }
    assert actual == EXPECTED


def test_without_a_case_a_role_may_what_it_may_to_a_case_it_is_part_of(two_tenants):
    for name in case_actions():
        assert tuple(can(two_tenants["people"][role.value], name) for role in ROLES) == EXPECTED[name]["own"], name


def test_a_case_one_is_not_part_of_is_refused(app, session, two_tenants):
    people = two_tenants["people"]
    set_tenant(session, two_tenants["own"]["tenant"].id)
    stranger = refer(app, session, people["case_manager"], customer_email="someone.else@example.org")
    set_tenant(session, None)
    for name in ("cases.view", "cases.withdraw", "cases.request_escalation", "cases.close",
                 "cases.record_contact", "cases.manage_representatives"):
        assert not can(people["mediator"], name, stranger), name
        assert not can(people["customer"], name, stranger), name
    assert can(people["insurer_agent"], "cases.view", stranger)  # referred for their insurer
