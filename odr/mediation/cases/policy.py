"""Who may do what to a case, registered into the one ``can()``."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, exists, false, or_, select, true

from odr.mediation.cases.models import Case, Representative, Side
from odr.mediation.events import CAUCUS_CUSTOMER, CAUCUS_INSURER, CHANNELS, JOINT
from odr.platform.permissions import rule
from odr.tenants.models import Role

STAFF = {Role.ADMIN, Role.CASE_MANAGER}


def side_of(user: Any, case: Case) -> Side | None:
    """The party ``user`` acts for in ``case`` (as party or representative), if any."""
    role = Role(user.role)
    if role is Role.CUSTOMER and case.customer_id == user.id:
        return Side.CUSTOMER
    if role is Role.INSURER_AGENT and case.organisation_id == user.organisation_id:
        return Side.INSURER
    for rep in case.representatives:
        if rep.user_id == user.id:
            return rep.side
    return None


def is_party(user: Any, case: Case) -> bool:
    """The user acts for the customer or the insurer of ``case``."""
    return side_of(user, case) is not None


def visible_channels(user: Any, case: Case) -> frozenset[str]:
    """The channels of ``case``'s stream that ``user`` may see.

    Staff see everything, staff notes included; the assigned mediator sees the joint channel and
    both caucuses; a party (or their representative) sees the joint channel and their own caucus.
    """
    role = Role(user.role)
    if role in STAFF:
        return frozenset(CHANNELS)
    if role is Role.MEDIATOR and case.mediator_id == user.id:
        return frozenset({JOINT, CAUCUS_INSURER, CAUCUS_CUSTOMER})
    side = side_of(user, case)
    if side is Side.CUSTOMER:
        return frozenset({JOINT, CAUCUS_CUSTOMER})
    if side is Side.INSURER:
        return frozenset({JOINT, CAUCUS_INSURER})
    return frozenset()


def visible_cases(user: Any) -> ColumnElement[bool]:
    """A WHERE clause: the cases ``user`` may see (the tenant is scoped separately)."""
    role = Role(user.role)
    if role in STAFF:
        return true()
    represented = exists(
        select(Representative.id).where(
            Representative.case_id == Case.id,
            Representative.user_id == user.id,
            Representative.removed_at.is_(None),
        )
    )
    if role is Role.MEDIATOR:
        return Case.mediator_id == user.id
    if role is Role.INSURER_AGENT:
        return or_(Case.organisation_id == user.organisation_id, represented)
    if role is Role.CUSTOMER:
        return or_(Case.customer_id == user.id, represented)
    return false()


# Without a case, a rule answers whether the user may do it to some case of their tenant
# (menus and buttons ask that way); with one, whether they may do it to that case.


def _mediates(user: Any, case: Case | None) -> bool:
    return Role(user.role) is Role.MEDIATOR and (case is None or case.mediator_id == user.id)


def _acts_for_a_party(user: Any, case: Case | None) -> bool:
    if case is None:
        return Role(user.role) in {Role.INSURER_AGENT, Role.CUSTOMER}
    return is_party(user, case)


def _view(user: Any, case: Case | None) -> bool:
    role = Role(user.role)
    if role in STAFF:
        return True
    if role is Role.MEDIATOR:
        return _mediates(user, case)
    return _acts_for_a_party(user, case)


@rule("cases.list", description="See a list of cases (each filtered to what one may see)")
def _list(user: Any, target: Any) -> bool:
    return True


@rule("cases.view", target="case", description="See a case, its timeline and its clock")
def _view_rule(user: Any, case: Case) -> bool:
    return _view(user, case)


@rule("cases.refer", description="Refer a complaint to the ADR provider")
def _refer(user: Any, target: Any) -> bool:
    return Role(user.role) in {Role.INSURER_AGENT, Role.CASE_MANAGER, Role.ADMIN}


@rule("cases.screen", target="case", description="Screen a referral: accept, reject, override a rule")
def _screen(user: Any, case: Any) -> bool:
    return Role(user.role) in STAFF


@rule("cases.assign", target="case", description="Assign a case manager or a mediator")
def _assign(user: Any, case: Any) -> bool:
    return Role(user.role) in STAFF


@rule("cases.manage_clock", target="case", description="Pause, resume or extend the regulatory clock")
def _clock(user: Any, case: Any) -> bool:
    return Role(user.role) in STAFF


@rule("cases.record_contact", target="case", description="Log a call or record what a party said by phone or post")
def _contact(user: Any, case: Any) -> bool:
    return Role(user.role) in STAFF or _mediates(user, case)


@rule("cases.request_escalation", target="case", description="Ask, with reasons, for a case to be escalated")
def _request_escalation(user: Any, case: Case) -> bool:
    return _acts_for_a_party(user, case) or _mediates(user, case)


@rule("cases.escalate", target="case", description="Move a case up a tier")
def _escalate(user: Any, case: Any) -> bool:
    return Role(user.role) in STAFF


@rule("cases.withdraw", target="case", description="Withdraw a case")
def _withdraw(user: Any, case: Case) -> bool:
    return Role(user.role) in STAFF or _acts_for_a_party(user, case)


@rule("cases.close", target="case", description="Record the outcome of a mediation and close a case")
def _close(user: Any, case: Case) -> bool:
    return Role(user.role) in STAFF or _mediates(user, case)


@rule("cases.manage_representatives", target="case", description="Invite or remove a party's representative")
def _representatives(user: Any, case: Case) -> bool:
    return Role(user.role) in STAFF or (
        Role(user.role) is Role.CUSTOMER and (case is None or case.customer_id == user.id))

