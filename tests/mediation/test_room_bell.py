"""The bell for room messages: one entry per case and channel for whoever is away, updated, cleared on reading."""

from __future__ import annotations

from datetime import timedelta

from odr.mediation.rooms import services
from odr.mediation.rooms.bell import ring_bells
from odr.mediation.rooms.models import Presence
from odr.platform.db import utcnow
from odr.platform.tenancy import set_tenant
from tests.mailbox import sign_in_as
from tests.mediation.case_helpers import html_of, notifications_of
from tests.mediation.room_helpers import say


def ring(app, session):
    """Run the bell as the room's job does."""
    with app.app_context():
        return ring_bells(session)


def room_bell(session, user):
    """``user``'s bell entries about room messages."""
    session.expire_all()
    return notifications_of(session, user, "room.unread")


def test_messages_while_away_make_one_entry_per_channel_that_counts_them(app, client, session, tenant, people, case):
    customer, agent = people["customer"], people["insurer_agent"]
    say(app, session, tenant, agent, case, "We can offer 2,500.")
    assert ring(app, session) >= 1
    [entry] = room_bell(session, customer)
    assert entry.read_at is None and entry.link == f"/t/{tenant.slug}/cases/{case.public_id}/room?channel=joint"
    first_time = entry.created_at
    say(app, session, tenant, agent, case, "Please let us know.")
    say(app, session, tenant, people["mediator"], case, "Customer only: how do you feel?", channel="caucus:customer")
    ring(app, session)
    entries = {e.link.rsplit("=", 1)[1]: e for e in room_bell(session, customer)}
    assert set(entries) == {"joint", "caucus:customer"}  # one per channel, not one per message
    assert entries["joint"].shown_title == f"2 new messages in case {case.reference} (Everyone)"
    assert entries["joint"].created_at >= first_time
    assert "how do you feel" not in entries["caucus:customer"].shown_title  # never the words
    assert room_bell(session, agent) == []  # one's own messages wait for nobody
    assert {e.link.rsplit("=", 1)[1] for e in room_bell(session, people["mediator"])} == {"joint"}
    sign_in_as(client, session, tenant, customer)
    assert f"2 new messages in case {case.reference} (Everyone)" in html_of(client.get(
        f"/t/{tenant.slug}/notifications"))


def test_running_again_without_new_messages_changes_nothing(app, session, tenant, people, case):
    say(app, session, tenant, people["insurer_agent"], case, "Hello")
    ring(app, session)
    assert ring(app, session) == 0
    assert len(room_bell(session, people["customer"])) == 1


def test_opening_the_channel_marks_the_entry_read_and_the_next_message_makes_it_new(app, session, tenant, people,
                                                                                     case):
    customer = people["customer"]
    message = say(app, session, tenant, people["mediator"], case, "Hello both")
    ring(app, session)
    with app.app_context():
        set_tenant(session, tenant.id)
        services.mark_read(session, customer, case, {"channel": "joint", "seq": message.seq})
        session.commit()
    [entry] = room_bell(session, customer)
    assert entry.read_at is not None
    ring(app, session)
    assert room_bell(session, customer)[0].read_at is not None  # read stays read
    say(app, session, tenant, people["mediator"], case, "One more thing")
    ring(app, session)
    [entry] = room_bell(session, customer)
    assert entry.read_at is None and entry.shown_title == f"1 new message in case {case.reference} (Everyone)"


def test_nobody_in_the_room_gets_a_bell_entry(app, session, tenant, people, case):
    with app.app_context():
        set_tenant(session, tenant.id)
        session.add(Presence(tenant_id=tenant.id, sid="sid-customer", case_id=case.id, user_id=people["customer"].id,
                             seen_at=utcnow()))
        session.commit()
    say(app, session, tenant, people["mediator"], case, "Hello")
    ring(app, session)
    assert room_bell(session, people["customer"]) == []
    assert len(room_bell(session, people["insurer_agent"])) == 1


def test_the_entry_reads_in_the_reader_language(app, client, session, tenant, people, case):
    customer = people["customer"]
    say(app, session, tenant, people["insurer_agent"], case, "Hallo")
    ring(app, session)
    sign_in_as(client, session, tenant, customer)
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "de"
    html = html_of(client.get(f"/t/{tenant.slug}/notifications"))
    assert f"1 neue Nachricht im Fall {case.reference} (Alle Beteiligten)" in html


def test_old_messages_do_not_ring(app, session, tenant, people, case):
    say(app, session, tenant, people["mediator"], case, "Long ago")
    with app.app_context():
        assert ring_bells(session, now=utcnow() + timedelta(hours=1)) == 0
