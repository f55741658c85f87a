"""A socket's seat in a room: the judgement of access it keeps between messages, and when it is judged again.

A seat is trusted only while the case's ``access_version`` is where it was; these tests change access
every way the rules read it and check that the very next message is judged by the change.
"""

from __future__ import annotations

from sqlalchemy import func, select

from odr.mediation.cases import services as cases
from odr.mediation.core.events import append_event
from odr.mediation.core.models import Case, Representative, Side
from odr.mediation.core.states import CaseState
from odr.mediation.rooms.models import Message
from odr.platform.db import utcnow
from odr.platform.tenancy import set_tenant
from odr.tenants.models import Role
from tests import factories
from tests.mediation.room_helpers import client_id, joined


def version(session, case) -> int:
    return session.scalar(select(Case.access_version).where(Case.id == case.id))


def stored(session, cid: str) -> int:
    return session.scalar(select(func.count()).select_from(Message).where(Message.client_id == cid))


def representative(session, tenant, case, side=Side.CUSTOMER):
    """Someone acting for a party of ``case``, with an account."""
    user = factories.user(session, tenant, Role.CUSTOMER)
    rep = Representative(tenant_id=tenant.id, case_id=case.id, email=user.email, full_name=user.full_name,
                         user_id=user.id, side=side)
    session.add(rep)
    session.commit()
    return user, rep


# The version ------------------------------------------------------------------------------------------


def test_every_change_the_access_rules_read_moves_the_version(app, session, tenant, people, case):
    set_tenant(session, tenant.id)
    changes = [
        lambda: setattr(case, "shuttle_only", True),
        lambda: setattr(case, "state", CaseState.SETTLED),
        lambda: setattr(case, "mediator_id", None),
        lambda: setattr(case, "customer_id", None),
    ]
    for change in changes:
        before = version(session, case)
        change()
        session.commit()
        assert version(session, case) == before + 1


def test_representatives_coming_changing_and_going_move_the_version(app, session, tenant, case):
    set_tenant(session, tenant.id)
    before = version(session, case)
    _user, rep = representative(session, tenant, case)
    assert version(session, case) == before + 1
    rep.side = Side.INSURER
    session.commit()
    assert version(session, case) == before + 2
    rep.removed_at = utcnow()
    session.commit()
    assert version(session, case) == before + 3
    rep.full_name = "Another Name"  # not read by the rules
    session.commit()
    assert version(session, case) == before + 3


def test_messages_and_other_changes_leave_the_version_alone(app, session, tenant, people, case):
    set_tenant(session, tenant.id)
    before = version(session, case)
    with app.app_context():
        append_event(session, case, "note.added", actor=people["mediator"], payload={})
        case.attention_reason = "Waiting for the surveyor"
        session.commit()
    assert version(session, case) == before


def test_a_customer_joining_later_moves_the_version_of_their_cases(app, session, tenant, people, case):
    set_tenant(session, tenant.id)
    case.customer_id = None
    session.commit()
    before = version(session, case)
    assert cases.link_customer(session, people["customer"]) == 1
    session.commit()
    assert version(session, case) == before + 1


# The next message -------------------------------------------------------------------------------------


def test_shuttle_mode_applies_to_the_very_next_message_either_way(room, case, session):
    assert room["mediator"].emit("mode", case=str(case.public_id), shuttle_only=True, reason="A break")["ok"]
    cid = client_id()
    refused = room["customer"].send(case, "Listen to me!", cid=cid)  # no other event since joining
    assert refused["error"]["code"] == "forbidden" and "private channel" in refused["error"]["message"]
    assert stored(session, cid) == 0
    assert room["mediator"].emit("mode", case=str(case.public_id), shuttle_only=False)["ok"]
    assert room["customer"].send(case, "Thank you for hearing me.")["ok"]  # the seat said no; judged again


def test_a_representative_removed_behind_the_rooms_back_cannot_write_another_word(app, session, tenant, case):
    user, rep = representative(session, tenant, case)
    socket = joined(app, session, tenant, user, case)
    assert socket.send(case, "I speak for the customer.")["ok"]
    rep.removed_at = utcnow()  # no event tells the room: only the version moved
    session.commit()
    cid = client_id()
    refused = socket.send(case, "One more thing", cid=cid)
    assert refused["error"]["code"] == "not_found"
    assert stored(session, cid) == 0
    assert socket.send(case, "Hello?")["error"]["code"] == "conflict"  # the seat is gone: join first
    assert socket.emit("join", case=str(case.public_id))["error"]["code"] == "not_found"


def test_a_closed_case_takes_no_more_messages_on_open_sockets(room, case, session, tenant):
    set_tenant(session, tenant.id)
    assert room["customer"].send(case, "Before")["ok"]
    case.state = CaseState.CLOSED
    session.commit()
    cid = client_id()
    assert room["customer"].send(case, "After", cid=cid)["error"]["code"] == "forbidden"
    assert stored(session, cid) == 0


# The user a socket keeps ------------------------------------------------------------------------------


def test_a_renamed_user_writes_under_the_new_name(room, case, session, people):
    assert room["insurer_agent"].send(case, "First")["ok"]
    people["insurer_agent"].full_name = "Agnes Newname"
    session.commit()
    ack = room["insurer_agent"].send(case, "Second")
    assert ack["ok"]
    message = session.scalar(select(Message).where(Message.case_id == case.id, Message.seq == ack["seq"]))
    assert message.author_label.startswith("Agnes Newname")


def test_a_deactivated_user_is_refused_on_the_next_message(room, case, session, people):
    assert room["customer"].send(case, "First")["ok"]
    people["customer"].is_active = False
    session.commit()
    cid = client_id()
    assert room["customer"].send(case, "Second", cid=cid)["error"]["code"] == "unauthenticated"
    assert stored(session, cid) == 0


def test_signing_out_elsewhere_stops_the_next_message(room, case, tenant, session):
    from tests.conftest import post_form

    assert room["customer"].send(case, "First")["ok"]
    post_form(room["customer"].browser, f"/t/{tenant.slug}/sign-out", {}, from_path=f"/t/{tenant.slug}/")
    cid = client_id()
    assert room["customer"].send(case, "Second", cid=cid)["error"]["code"] == "unauthenticated"
    assert stored(session, cid) == 0
