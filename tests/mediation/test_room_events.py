"""The room's socket events through Flask-SocketIO's test client: the protocol, privacy and refusals."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from odr.mediation.core.events import CaseEvent, verify_chain
from odr.mediation.rooms.models import Message
from odr.mediation.rooms.services import text_hash
from odr.platform.gateway import ROOMS_NAMESPACE
from odr.platform.tenancy import set_tenant
from tests import factories
from tests.mediation.room_helpers import client_id, participant


def test_join_answers_with_the_channels_one_sees_and_where_the_stream_stands(app, session, tenant, people, case):
    customer = participant(app, session, tenant, people["customer"])
    ack = customer.emit("join", case=str(case.public_id))
    assert ack["ok"]
    assert ack["channels"] == ["caucus:customer", "joint"]
    assert ack["postable"] == ["caucus:customer", "joint"]
    assert ack["last_seq"] == case.last_seq
    assert ack["unread"] == {"caucus:customer": 0, "joint": 0}
    mediator = participant(app, session, tenant, people["mediator"])
    assert mediator.emit("join", case=str(case.public_id))["channels"] == ["caucus:customer", "caucus:insurer",
                                                                          "joint"]


def test_a_joint_message_reaches_everyone_and_is_stored_once_in_the_chain(room, case, session):
    ack = room["customer"].send(case, "Hello,\nI would like my claim paid.", cid="customer-msg-0001")
    assert ack["ok"] and ack["seq"] > 0 and not ack["duplicate"]
    for role in ("mediator", "insurer_agent"):
        [event] = room[role].received("event")
        assert event["seq"] == ack["seq"]
        assert event["message"]["text"] == "Hello,\nI would like my claim paid."
        assert event["actor"]["role"] == "customer"
    stored = session.scalar(select(Message).where(Message.seq == ack["seq"]))
    record = session.scalar(select(CaseEvent).where(CaseEvent.case_id == case.id, CaseEvent.seq == ack["seq"]))
    assert record.kind == "message.posted"
    assert record.payload["sha256"] == text_hash(stored.text)
    session.refresh(case)
    assert verify_chain(session, case).ok


def test_the_same_client_id_three_times_stores_one_message_with_one_number(room, case, session):
    acks = [room["customer"].send(case, "Only once", cid="same-client-id-1") for _ in range(3)]
    assert {a["seq"] for a in acks} == {acks[0]["seq"]}
    assert [a["duplicate"] for a in acks] == [False, True, True]
    assert session.scalar(select(func.count()).select_from(Message).where(Message.case_id == case.id)) == 1
    assert len(room["mediator"].received("event")) == 1


def test_a_caucus_message_reaches_the_mediator_and_that_party_only(room, case):
    ack = room["customer"].send(case, "Between us: I could accept 3,000.", channel="caucus:customer")
    assert ack["ok"]
    assert [e["seq"] for e in room["mediator"].received("event")] == [ack["seq"]]
    assert room["insurer_agent"].received("event") == []
    synced = room["insurer_agent"].emit("sync", case=str(case.public_id), after=0)
    assert ack["seq"] not in [e["seq"] for e in synced["events"]]
    assert "caucus:customer" not in synced["unread"]
    assert synced["last_seq"] >= ack["seq"]


def test_a_party_cannot_post_in_the_other_partys_caucus_and_nothing_is_stored(room, case, session):
    before = session.scalar(select(CaseEvent.seq).where(CaseEvent.case_id == case.id).order_by(
        CaseEvent.seq.desc()).limit(1))
    ack = room["insurer_agent"].send(case, "Let me read along", channel="caucus:customer")
    assert ack["error"]["code"] == "forbidden"
    assert room["customer"].received("event") == []
    assert session.scalar(select(func.max(CaseEvent.seq)).where(CaseEvent.case_id == case.id)) == before


def test_sync_returns_exactly_what_came_after_in_order(room, case):
    first = room["insurer_agent"].send(case, "one")["seq"]
    seqs = [room["insurer_agent"].send(case, f"message {n}")["seq"] for n in range(5)]
    synced = room["customer"].emit("sync", case=str(case.public_id), after=first)
    assert [e["seq"] for e in synced["events"]] == seqs
    assert [e["message"]["text"] for e in synced["events"]] == [f"message {n}" for n in range(5)]
    assert synced["last_seq"] == seqs[-1]
    paged = room["customer"].emit("sync", case=str(case.public_id), after=first, limit=2)
    assert [e["seq"] for e in paged["events"]] == seqs[:2] and paged["more"]
    assert paged["last_seq"] == seqs[1]


def test_sync_renders_other_events_for_the_reader(room, case):
    synced = room["customer"].emit("sync", case=str(case.public_id), after=0)
    kinds = [e["kind"] for e in synced["events"]]
    assert "case.referred" in kinds
    referred = synced["events"][kinds.index("case.referred")]
    assert referred["title"].startswith("Referred by")


def test_read_marks_clear_unread_counts(room, case):
    last = [room["insurer_agent"].send(case, f"n{n}")["seq"] for n in range(3)][-1]
    synced = room["customer"].emit("sync", case=str(case.public_id), after=0)
    assert synced["unread"]["joint"] == 3
    ack = room["customer"].emit("read", case=str(case.public_id), channel="joint", seq=last)
    assert ack["unread"]["joint"] == 0
    assert room["customer"].emit("read", case=str(case.public_id), channel="joint", seq=1)["seq"] == last
    # One's own messages are never unread.
    assert room["insurer_agent"].emit("sync", case=str(case.public_id), after=0)["unread"]["joint"] == 0


def test_an_author_retracts_within_ten_minutes_and_the_record_keeps_it(room, case, session):
    seq = room["customer"].send(case, "I take that back")["seq"]
    room["mediator"].received()
    ack = room["customer"].emit("retract", case=str(case.public_id), seq=seq)
    assert ack["ok"]
    [event] = room["mediator"].received("event")
    assert event["kind"] == "message.retracted" and event["retracts"] == seq
    synced = room["mediator"].emit("sync", case=str(case.public_id), after=seq - 1)
    message = synced["events"][0]["message"]
    assert message["retracted"] and message["text"] is None
    assert room["insurer_agent"].emit("retract", case=str(case.public_id), seq=seq)["error"]["code"] == "forbidden"
    stored = session.scalar(select(Message).where(Message.case_id == case.id, Message.seq == seq))
    stored.created_at -= timedelta(minutes=11)
    stored.retracted_at = None
    session.commit()
    late = room["customer"].emit("retract", case=str(case.public_id), seq=seq)
    assert late["error"]["code"] == "conflict"


def test_the_mediator_carries_a_caucus_message_across_attributed_and_recorded(room, case):
    seq = room["customer"].send(case, "I could accept 3,000.", channel="caucus:customer")["seq"]
    room["insurer_agent"].received()
    ack = room["mediator"].emit("carry", case=str(case.public_id), seq=seq, to="caucus:insurer")
    assert ack["ok"]
    [event] = room["insurer_agent"].received("event")
    assert event["kind"] == "message.carried"
    assert event["message"]["text"] == "I could accept 3,000."
    assert event["message"]["carried_from"] == "caucus:customer"
    assert event["actor"]["role"] == "mediator"
    refused = room["customer"].emit("carry", case=str(case.public_id), seq=seq, to="joint")
    assert refused["error"]["code"] == "forbidden"


def test_shuttle_only_keeps_parties_out_of_the_joint_channel_and_tells_them(room, case):
    ack = room["mediator"].emit("mode", case=str(case.public_id), shuttle_only=True, reason="Tempers are high")
    assert ack["ok"] and ack["shuttle_only"]
    notices = room["customer"].received("event")
    assert notices and notices[-1]["kind"] == "room.mode_changed"
    synced = room["customer"].emit("sync", case=str(case.public_id), after=notices[-1]["seq"] - 1)
    assert "separately" in synced["events"][0]["title"]
    assert synced["postable"] == ["caucus:customer"]
    refused = room["customer"].send(case, "Listen to me!")
    assert refused["error"]["code"] == "forbidden"
    assert "private channel" in refused["error"]["message"]
    assert room["customer"].send(case, "Fine, to you then", channel="caucus:customer")["ok"]
    assert room["mediator"].send(case, "Everyone: we take a short break.")["ok"]
    assert room["insurer_agent"].emit("mode", case=str(case.public_id), shuttle_only=False)["error"]["code"] == (
        "forbidden")


def test_typing_reaches_the_channel_but_not_the_typist(room, case):
    assert room["customer"].emit("typing", case=str(case.public_id), channel="caucus:customer")["ok"]
    assert [t["user"]["name"] for t in room["mediator"].received("typing")] == [room["customer"].user.full_name]
    assert room["insurer_agent"].received("typing") == []
    assert room["customer"].received("typing") == []


def test_presence_lists_who_is_in_the_room(room, case):
    ack = room["customer"].emit("presence", case=str(case.public_id))
    names = {p["name"] for p in ack["present"]}
    assert names == {room[r].user.full_name for r in room}
    room["insurer_agent"].socket.disconnect(namespace=ROOMS_NAMESPACE)
    pushed = room["customer"].received("presence")
    assert {p["name"] for p in pushed[-1]["present"]} == names - {room["insurer_agent"].user.full_name}


# Refusals -----------------------------------------------------------------------------------------


def test_no_session_no_connection(app, client):
    from odr.platform.extensions import socketio

    socket = socketio.test_client(app, namespace=ROOMS_NAMESPACE, flask_test_client=client)
    assert not socket.is_connected(ROOMS_NAMESPACE)


def test_a_foreign_origin_is_refused(app, session, tenant, people):
    person = participant(app, session, tenant, people["customer"], headers={"Origin": "https://evil.example"})
    assert not person.socket.is_connected(ROOMS_NAMESPACE)


def test_send_before_join_is_refused(app, session, tenant, people, case):
    customer = participant(app, session, tenant, people["customer"])
    ack = customer.send(case, "hello")
    assert ack["error"]["code"] == "conflict"


def test_a_case_id_in_another_form_names_the_same_room_in_every_event(app, session, tenant, people, case):
    customer = participant(app, session, tenant, people["customer"])
    for form in (case.public_id.hex, str(case.public_id).upper(), f"{{{case.public_id}}}"):
        joined = customer.emit("join", case=form)
        assert joined["ok"] and joined["case"] == str(case.public_id), joined
        sent = customer.emit("send", case=form, channel="joint", client_id=client_id(), text=f"Written as {form}")
        assert sent["ok"], sent
        assert customer.emit("sync", case=form, after=0)["ok"]
        assert customer.emit("read", case=form, channel="joint", seq=sent["seq"])["ok"]
        assert customer.emit("leave", case=form)["ok"]


def test_a_case_one_is_not_part_of_is_not_found(app, session, tenant, people, case):
    set_tenant(session, tenant.id)
    stranger = factories.user(session, tenant, people["customer"].role)
    session.commit()
    ack = participant(app, session, tenant, stranger).emit("join", case=str(case.public_id))
    assert ack["error"]["code"] == "not_found"


def test_another_tenants_case_is_not_found(app, session, tenant, people, elsewhere):
    ack = participant(app, session, tenant, people["admin"]).emit("join", case=str(elsewhere["case"].public_id))
    assert ack["error"]["code"] == "not_found"


def test_bad_input_gets_field_errors_and_changes_nothing(room, case, session):
    before = session.scalar(select(func.count()).select_from(CaseEvent).where(CaseEvent.case_id == case.id))
    too_long = room["customer"].send(case, "x" * 10_001)
    assert too_long["error"]["code"] == "validation_failed" and "text" in too_long["error"]["fields"]
    blank = room["customer"].send(case, "   ")
    assert "text" in blank["error"]["fields"]
    bad_id = room["customer"].emit("send", case=str(case.public_id), channel="joint", client_id="<x>", text="hi")
    assert "client_id" in bad_id["error"]["fields"]
    nowhere = room["customer"].send(case, "hi", channel="lobby")
    assert "channel" in nowhere["error"]["fields"]
    not_a_dict = room["customer"].socket.emit("send", "hello", namespace=ROOMS_NAMESPACE, callback=True)
    assert not_a_dict["error"]["code"] == "validation_failed"
    assert session.scalar(select(func.count()).select_from(CaseEvent).where(CaseEvent.case_id == case.id)) == before


def test_a_message_of_invisible_characters_is_refused_and_direction_tricks_are_dropped(room, case, session):
    before = session.scalar(select(func.count()).select_from(CaseEvent).where(CaseEvent.case_id == case.id))
    for unseen in ("\x00\x01", "\u200b", "\u202e", " \u2066\u200b\u2069 \x7f"):
        ack = room["customer"].send(case, unseen)
        assert ack["error"]["code"] == "validation_failed", (unseen, ack)
        assert "visible" in ack["error"]["fields"]["text"][0]
    assert session.scalar(select(func.count()).select_from(CaseEvent).where(CaseEvent.case_id == case.id)) == before
    ack = room["customer"].send(case, "I accept\u202e 0003 \u2067offer\u2069; family: \U0001F468\u200d\U0001F469")
    assert ack["ok"], ack
    assert ack["message"]["text"] == "I accept 0003 offer; family: \U0001F468\u200d\U0001F469"


def test_a_flood_is_refused_with_a_clear_error(room, case):
    acks = [room["customer"].send(case, f"flood {n}") for n in range(40)]
    refused = [a for a in acks if "error" in a]
    assert refused and refused[0]["error"]["code"] == "rate_limited"
    assert all(a["ok"] for a in acks[:20])


def test_a_signed_out_user_is_refused_on_the_next_event(room, case, tenant):
    from tests.conftest import post_form

    post_form(room["customer"].browser, f"/t/{tenant.slug}/sign-out", {}, from_path=f"/t/{tenant.slug}/")
    ack = room["customer"].send(case, "still here?")
    assert ack["error"]["code"] == "unauthenticated"


def test_the_chain_still_verifies_after_a_conversation(room, case, session):
    room["customer"].send(case, "a")
    room["insurer_agent"].send(case, "b", channel="caucus:insurer")
    seq = room["customer"].send(case, "c")["seq"]
    room["customer"].emit("retract", case=str(case.public_id), seq=seq)
    room["mediator"].emit("mode", case=str(case.public_id), shuttle_only=True)
    session.expire_all()
    assert verify_chain(session, case).ok
    assert client_id()


def test_a_mediator_replaced_on_the_case_is_put_out_of_the_room_at_once(app, session, tenant, people, room, case):
    from odr.mediation.cases import services as cases
    from odr.tenants.models import Role

    set_tenant(session, tenant.id)
    successor = factories.user(session, tenant, Role.MEDIATOR)
    session.commit()
    with app.app_context():
        set_tenant(session, tenant.id)
        cases.assign_mediator(session, people["case_manager"], case, successor.public_id)
        session.commit()
    assert not room["mediator"].socket.is_connected(ROOMS_NAMESPACE)
    room["customer"].send(case, "Are you there?", channel="caucus:customer")
    again = participant(app, session, tenant, people["mediator"])
    assert again.emit("join", case=str(case.public_id))["error"]["code"] == "not_found"


def test_a_socket_leaves_the_rooms_it_may_no_longer_see_on_its_next_event(app, session, tenant, people, room, case):
    case.mediator_id = None  # behind the room's back: the next event notices
    session.commit()
    ack = room["mediator"].emit("presence", case=str(case.public_id))
    assert ack["error"]["code"] == "not_found"
    room["customer"].send(case, "Private words", channel="caucus:customer")
    assert room["mediator"].received("event") == []


def test_a_socket_that_goes_away_leaves_no_rate_limit_state_behind(room, case):
    from odr.platform.gateway import buckets

    room["customer"].send(case, "one")
    room["customer"].emit("typing", case=str(case.public_id), channel="joint")
    before = len(buckets._state)
    room["customer"].socket.disconnect(namespace=ROOMS_NAMESPACE)
    assert len(buckets._state) == before - 1  # one socket's buckets, whatever events it sent
