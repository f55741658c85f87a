"""The kernel's access facts: which side a user acts for, which channels they see, where they may
write while the room is shuttle-only, and which cases they see at all."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy import select

from odr.mediation.core.access import (
    acts_for_a_party,
    is_party,
    may_post_in,
    may_view,
    mediates,
    side_of,
    visible_cases,
    visible_channels,
)
from odr.mediation.core.channels import CAUCUS_CUSTOMER, CAUCUS_INSURER, CHANNELS, JOINT, STAFF
from odr.mediation.core.models import Case, Representative, Side
from odr.tenants.models import Organisation, Role
from tests import factories
from tests.mediation.case_helpers import refer

_ids = itertools.count(100)

CUSTOMER_ID, ORGANISATION_ID, MEDIATOR_ID = 1, 2, 3


def person(role: Role | str, *, id: int | None = None, organisation_id: int | None = None) -> Any:
    """What the rules read of a user."""
    return SimpleNamespace(id=next(_ids) if id is None else id, role=role, organisation_id=organisation_id)


def a_case(*, representatives: tuple[Any, ...] = (), shuttle_only: bool = False) -> Any:
    """What the rules read of a case: its customer, insurer, mediator, representatives and mode."""
    return SimpleNamespace(customer_id=CUSTOMER_ID, organisation_id=ORGANISATION_ID, mediator_id=MEDIATOR_ID,
                           representatives=list(representatives), shuttle_only=shuttle_only)


def representing(user: Any, side: Side) -> Any:
    return SimpleNamespace(user_id=user.id, side=side)


# The people of one case, as the rules see them.
ADMIN = person(Role.ADMIN, organisation_id=ORGANISATION_ID)
MANAGER = person(Role.CASE_MANAGER)
MEDIATOR = person(Role.MEDIATOR, id=MEDIATOR_ID)
OTHER_MEDIATOR = person(Role.MEDIATOR, organisation_id=ORGANISATION_ID)
CUSTOMER = person(Role.CUSTOMER, id=CUSTOMER_ID)
STRANGER = person(Role.CUSTOMER)
AGENT = person(Role.INSURER_AGENT, organisation_id=ORGANISATION_ID)
OTHER_AGENT = person(Role.INSURER_AGENT, organisation_id=ORGANISATION_ID + 10)
MEDIATOR_AS_CUSTOMER = person(Role.MEDIATOR, id=CUSTOMER_ID)  # the customer's id, not the customer's role


# Sides ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("user", "side"), [
    (CUSTOMER, Side.CUSTOMER),
    (person("customer", id=CUSTOMER_ID), Side.CUSTOMER),  # a role given by its value
    (AGENT, Side.INSURER),
    (STRANGER, None),
    (OTHER_AGENT, None),
    (MEDIATOR, None),
    (MEDIATOR_AS_CUSTOMER, None),
    (ADMIN, None),  # of the insurer's organisation by its id, yet no insurer agent
    (MANAGER, None),
], ids=["customer", "role-as-text", "agent", "stranger", "other-insurer", "mediator", "mediator-with-customer-id",
        "admin-with-organisation", "case-manager"])
def test_the_side_a_user_acts_for_without_representatives(user, side):
    assert side_of(user, a_case()) is side
    assert is_party(user, a_case()) is (side is not None)


def test_a_representative_acts_for_the_side_they_represent():
    adviser, broker = person(Role.CUSTOMER), person(Role.CUSTOMER)
    agent_elsewhere = person(Role.INSURER_AGENT, organisation_id=ORGANISATION_ID + 10)
    case = a_case(representatives=(representing(adviser, Side.CUSTOMER), representing(broker, Side.INSURER),
                                   representing(agent_elsewhere, Side.CUSTOMER)))
    assert side_of(adviser, case) is Side.CUSTOMER
    assert side_of(broker, case) is Side.INSURER
    assert side_of(agent_elsewhere, case) is Side.CUSTOMER
    assert side_of(STRANGER, case) is None
    assert side_of(CUSTOMER, case) is Side.CUSTOMER and side_of(AGENT, case) is Side.INSURER


# Channels -------------------------------------------------------------------------------------------

CUSTOMER_CHANNELS = {JOINT, CAUCUS_CUSTOMER}
INSURER_CHANNELS = {JOINT, CAUCUS_INSURER}


@pytest.mark.parametrize(("user", "channels"), [
    (ADMIN, set(CHANNELS)),
    (MANAGER, set(CHANNELS)),
    (MEDIATOR, {JOINT, CAUCUS_INSURER, CAUCUS_CUSTOMER}),
    (OTHER_MEDIATOR, set()),
    (CUSTOMER, CUSTOMER_CHANNELS),
    (AGENT, INSURER_CHANNELS),
    (STRANGER, set()),
    (OTHER_AGENT, set()),
    (MEDIATOR_AS_CUSTOMER, set()),
], ids=["admin", "case-manager", "mediator", "other-mediator", "customer", "agent", "stranger", "other-insurer",
        "mediator-with-customer-id"])
def test_the_channels_each_role_sees(user, channels):
    assert visible_channels(user, a_case()) == frozenset(channels)


def test_staff_see_the_staff_notes_and_nobody_else_does():
    seeing = [user for user in (ADMIN, MANAGER, MEDIATOR, CUSTOMER, AGENT) if STAFF in visible_channels(user, a_case())]
    assert seeing == [ADMIN, MANAGER]


def test_a_representative_sees_the_joint_channel_and_their_sides_caucus():
    adviser, broker, mediator_rep = person(Role.CUSTOMER), person(Role.CUSTOMER), person(Role.MEDIATOR)
    case = a_case(representatives=(representing(adviser, Side.CUSTOMER), representing(broker, Side.INSURER),
                                   representing(mediator_rep, Side.CUSTOMER)))
    assert visible_channels(adviser, case) == frozenset(CUSTOMER_CHANNELS)
    assert visible_channels(broker, case) == frozenset(INSURER_CHANNELS)
    # A mediator of another case who represents a party here sees what that party sees, no more.
    assert visible_channels(mediator_rep, case) == frozenset(CUSTOMER_CHANNELS)


# Writing in a channel -------------------------------------------------------------------------------


@pytest.mark.parametrize("shuttle_only", [False, True], ids=["open-room", "shuttle-only"])
def test_where_each_may_write_with_and_without_shuttle_only(shuttle_only):
    adviser = person(Role.CUSTOMER)
    case = a_case(representatives=(representing(adviser, Side.CUSTOMER),), shuttle_only=shuttle_only)
    writable = {name: {channel for channel in CHANNELS if may_post_in(user, case, channel)}
                for name, user in {"admin": ADMIN, "mediator": MEDIATOR, "customer": CUSTOMER, "agent": AGENT,
                                   "adviser": adviser, "stranger": STRANGER, "other-mediator": OTHER_MEDIATOR}.items()}
    joint_for_parties = set() if shuttle_only else {JOINT}
    assert writable == {
        "admin": set(CHANNELS),  # the people who run the room keep the joint channel
        "mediator": {JOINT, CAUCUS_INSURER, CAUCUS_CUSTOMER},
        "customer": {CAUCUS_CUSTOMER} | joint_for_parties,
        "agent": {CAUCUS_INSURER} | joint_for_parties,
        "adviser": {CAUCUS_CUSTOMER} | joint_for_parties,
        "stranger": set(),
        "other-mediator": set(),
    }


def test_an_unknown_channel_is_never_writable():
    assert not may_post_in(ADMIN, a_case(), "lobby")


# The rules' facts, with and without a case ----------------------------------------------------------


def test_who_mediates():
    assert mediates(MEDIATOR, a_case()) and mediates(MEDIATOR, None)
    assert mediates(OTHER_MEDIATOR, None) and not mediates(OTHER_MEDIATOR, a_case())
    assert not mediates(ADMIN, None) and not mediates(person(Role.ADMIN, id=MEDIATOR_ID), a_case())


def test_who_acts_for_a_party():
    assert [acts_for_a_party(user, None) for user in (ADMIN, MANAGER, MEDIATOR, AGENT, CUSTOMER)] == [
        False, False, False, True, True]
    assert [acts_for_a_party(user, a_case()) for user in (CUSTOMER, AGENT, STRANGER, OTHER_AGENT, MEDIATOR)] == [
        True, True, False, False, False]


def test_who_may_view_a_case():
    assert [may_view(user, None) for user in (ADMIN, MANAGER, MEDIATOR, AGENT, CUSTOMER)] == [True] * 5
    viewers = [user for user in (ADMIN, MANAGER, MEDIATOR, OTHER_MEDIATOR, CUSTOMER, STRANGER, AGENT, OTHER_AGENT,
                                 MEDIATOR_AS_CUSTOMER) if may_view(user, a_case())]
    assert viewers == [ADMIN, MANAGER, MEDIATOR, CUSTOMER, AGENT]


# Which cases a user sees at all (a WHERE clause) ----------------------------------------------------


@pytest.fixture
def cases(app, session, tenant, scoped) -> dict[str, Any]:
    """Three cases of one tenant, their people, and representatives active and removed.

    ``ours``: Northwind's, the customer's, the mediator's. ``represented``: Fjord's, the adviser
    represents its customer. ``removed``: Fjord's, the adviser's representation ended.
    """
    session.add(Organisation(tenant_id=tenant.id, name="Fjord Mutual", reference_prefix="FM"))
    session.flush()
    fjord_agent = factories.user(session, tenant, Role.INSURER_AGENT, organisation="Fjord Mutual")
    adviser = factories.user(session, tenant, Role.CUSTOMER)
    session.commit()
    ours = refer(app, session, scoped["insurer_agent"])
    represented = refer(app, session, fjord_agent)
    removed = refer(app, session, fjord_agent)
    ours.customer_id, ours.mediator_id = scoped["customer"].id, scoped["mediator"].id
    for case, rep_user, gone in ((represented, adviser, None), (removed, adviser, datetime(2026, 1, 1, tzinfo=UTC)),
                                 (represented, scoped["insurer_agent"], None)):
        session.add(Representative(tenant_id=tenant.id, case_id=case.id, email=rep_user.email,
                                   full_name=rep_user.full_name, user_id=rep_user.id,
                                   side=Side.CUSTOMER, removed_at=gone))
    session.commit()
    return {"ours": ours, "represented": represented, "removed": removed, "fjord_agent": fjord_agent,
            "adviser": adviser, "people": scoped}


def _seen(session, user) -> set[int]:
    return set(session.scalars(select(Case.id).where(visible_cases(user))))


def test_each_user_sees_the_cases_they_have_a_part_in(session, tenant, cases):
    people = cases["people"]
    ours, represented, removed = cases["ours"].id, cases["represented"].id, cases["removed"].id
    lonely_mediator = factories.user(session, tenant, Role.MEDIATOR)
    stranger = factories.user(session, tenant, Role.CUSTOMER)
    seen = {name: _seen(session, user) for name, user in {
        "admin": people["admin"], "case_manager": people["case_manager"], "mediator": people["mediator"],
        "lonely_mediator": lonely_mediator, "northwind_agent": people["insurer_agent"],
        "fjord_agent": cases["fjord_agent"], "customer": people["customer"], "adviser": cases["adviser"],
        "stranger": stranger}.items()}
    assert seen == {
        "admin": {ours, represented, removed},
        "case_manager": {ours, represented, removed},
        "mediator": {ours},
        "lonely_mediator": set(),
        "northwind_agent": {ours, represented},  # its own insurer's, and the one it represents a party of
        "fjord_agent": {represented, removed},
        "customer": {ours},
        "adviser": {represented},  # not the case whose representation was removed
        "stranger": set(),
    }

