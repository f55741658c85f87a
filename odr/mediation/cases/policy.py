"""Who may do what to a case, registered into the one ``can()``."""

from __future__ import annotations

from typing import Any

from odr.mediation.core.access import STAFF, acts_for_a_party, mediates
from odr.mediation.core.models import Case
from odr.platform.permissions import Rules
from odr.tenants.models import Role

RULES = Rules()

@RULES.rule("cases.refer", description="Refer a complaint to the ADR provider")
def _refer(user: Any, target: Any) -> bool:
    return Role(user.role) in {Role.INSURER_AGENT, Role.CASE_MANAGER, Role.ADMIN}


@RULES.rule("cases.screen", target="case", description="Screen a referral: accept, reject, override a rule")
def _screen(user: Any, case: Any) -> bool:
    return Role(user.role) in STAFF


@RULES.rule("cases.assign", target="case", description="Assign a case manager or a mediator")
def _assign(user: Any, case: Any) -> bool:
    return Role(user.role) in STAFF


@RULES.rule("cases.manage_clock", target="case", description="Pause, resume or extend the regulatory clock")
def _clock(user: Any, case: Any) -> bool:
    return Role(user.role) in STAFF


@RULES.rule("cases.record_contact", target="case",
            description="Log a call or record what a party said by phone or post")
def _contact(user: Any, case: Any) -> bool:
    return Role(user.role) in STAFF or mediates(user, case)


@RULES.rule("cases.request_escalation", target="case", description="Ask, with reasons, for a case to be escalated")
def _request_escalation(user: Any, case: Case) -> bool:
    return acts_for_a_party(user, case) or mediates(user, case)


@RULES.rule("cases.escalate", target="case", description="Move a case up a tier")
def _escalate(user: Any, case: Any) -> bool:
    return Role(user.role) in STAFF


@RULES.rule("cases.withdraw", target="case", description="Withdraw a case")
def _withdraw(user: Any, case: Case) -> bool:
    return Role(user.role) in STAFF or acts_for_a_party(user, case)


@RULES.rule("cases.close", target="case", description="Record the outcome of a mediation and close a case")
def _close(user: Any, case: Case) -> bool:
    return Role(user.role) in STAFF or mediates(user, case)


@RULES.rule("cases.manage_representatives", target="case", description="Invite or remove a party's representative")
def _representatives(user: Any, case: Case) -> bool:
    return Role(user.role) in STAFF or (
        Role(user.role) is Role.CUSTOMER and (case is None or case.customer_id == user.id))

