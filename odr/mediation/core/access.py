"""Who may see a case and what of it: the access rules every capability builds on.

The rules of each action live with their capability; these are the facts they are decided from:
which side a user acts for, which channels of the stream they see, which cases they see at all,
and whether they may write in a channel now (shuttle-only mode).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, exists, false, or_, select, true

from odr.mediation.core.events import CAUCUS_CUSTOMER, CAUCUS_INSURER, CHANNELS, JOINT
from odr.mediation.core.models import Case, Representative, Side
from odr.platform.permissions import Rules
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


def mediates(user: Any, case: Case | None) -> bool:
    """``user`` is the mediator of ``case`` (of some case, without one)."""
    return Role(user.role) is Role.MEDIATOR and (case is None or case.mediator_id == user.id)


def acts_for_a_party(user: Any, case: Case | None) -> bool:
    """``user`` acts for a party of ``case`` (is an agent or a customer, without one)."""
    if case is None:
        return Role(user.role) in {Role.INSURER_AGENT, Role.CUSTOMER}
    return is_party(user, case)


def may_view(user: Any, case: Case | None) -> bool:
    """``user`` may see ``case`` (some case, without one): staff, its mediator, its parties."""
    role = Role(user.role)
    if role in STAFF:
        return True
    if role is Role.MEDIATOR:
        return mediates(user, case)
    return acts_for_a_party(user, case)




def may_post_in(user: Any, case: Case, channel: str) -> bool:
    """Whether ``user`` may write in ``channel`` now: a channel they see, and not the joint one while
    the room is shuttle-only, unless they run the room."""
    if channel not in visible_channels(user, case):
        return False
    return not (channel == JOINT and case.shuttle_only and is_party(user, case))


RULES = Rules()


@RULES.rule("cases.list", description="See a list of cases (each filtered to what one may see)")
def _list(user: Any, target: Any) -> bool:
    return True


@RULES.rule("cases.view", target="case", description="See a case, its timeline and its clock")
def _view_rule(user: Any, case: Case) -> bool:
    return may_view(user, case)
