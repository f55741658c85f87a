"""The unread digest: one e-mail to whoever is away while messages wait, never a caucus's words."""

from __future__ import annotations

from datetime import timedelta

from odr.mediation.rooms import services
from odr.mediation.rooms.digest import send_digests
from odr.mediation.rooms.models import Presence
from odr.platform.db import utcnow
from odr.platform.tenancy import set_tenant
from tests.mailbox import emails_to
from tests.mediation.room_helpers import say


def digest(app, session, minutes_later=16):
    """Run the digest as the job would, some minutes from now."""
    with app.app_context():
        return send_digests(session, now=utcnow() + timedelta(minutes=minutes_later))


def room_emails(session, user):
    """The unread digests sent to ``user``."""
    return [e for e in emails_to(session, user.email) if "not read yet" in e.body_text]


def test_someone_away_gets_one_email_about_waiting_messages_without_their_words(app, session, tenant, people, case):
    say(app, session, tenant, people["insurer_agent"], case, "We can offer 2,500 as a goodwill gesture.")
    say(app, session, tenant, people["insurer_agent"], case, "Please let us know.")
    assert digest(app, session, minutes_later=5) == 0  # not waited long enough yet
    assert digest(app, session) >= 1
    [email] = room_emails(session, people["customer"])
    assert "2 new messages" in email.body_text and case.reference in email.body_text
    assert f"/cases/{case.public_id}/room" in email.body_text
    assert "2,500" not in email.body_text and "Please let us know" not in email.body_text
    assert len(room_emails(session, people["mediator"])) == 1
    assert room_emails(session, people["insurer_agent"]) == []  # one's own messages are not waiting
    digest(app, session)
    assert len(room_emails(session, people["customer"])) == 1  # once per message


def test_a_later_message_brings_a_later_email(app, session, tenant, people, case):
    say(app, session, tenant, people["mediator"], case, "First")
    digest(app, session)
    say(app, session, tenant, people["mediator"], case, "Second")
    digest(app, session)
    emails = room_emails(session, people["customer"])
    assert len(emails) == 2 and "1 new message" in emails[1].body_text


def test_the_other_partys_caucus_never_reaches_anyone_elses_mailbox(app, session, tenant, people, case):
    say(app, session, tenant, people["mediator"], case, "Insurer only: what is your limit?", channel="caucus:insurer")
    digest(app, session)
    assert room_emails(session, people["customer"]) == []
    [email] = room_emails(session, people["insurer_agent"])
    assert "what is your limit" not in email.body_text


def test_nobody_is_emailed_about_what_they_read_or_while_they_are_in_the_room(app, session, tenant, people, case):
    message = say(app, session, tenant, people["mediator"], case, "Hello both")
    with app.app_context():
        set_tenant(session, tenant.id)
        services.mark_read(session, people["customer"], case, {"channel": "joint", "seq": message.seq})
        session.add(Presence(tenant_id=tenant.id, sid="sid-agent", case_id=case.id, user_id=people["insurer_agent"].id,
                             seen_at=utcnow() + timedelta(minutes=16)))
        session.commit()
    digest(app, session)
    assert room_emails(session, people["customer"]) == []
    assert room_emails(session, people["insurer_agent"]) == []


def test_the_tenant_sets_the_delay(app, session, tenant, people, case):
    tenant.policy = {**tenant.policy, "room_digest_minutes": 60}
    session.commit()
    say(app, session, tenant, people["mediator"], case, "Hello")
    digest(app, session, minutes_later=30)
    assert room_emails(session, people["customer"]) == []
    digest(app, session, minutes_later=61)
    assert len(room_emails(session, people["customer"])) == 1


def test_the_email_speaks_the_recipients_language(app, session, tenant, people, case):
    people["customer"].locale = "de"
    session.commit()
    say(app, session, tenant, people["mediator"], case, "Hallo")
    digest(app, session)
    [email] = [e for e in emails_to(session, people["customer"].email) if "/room" in e.body_text]
    assert "1 neue Nachricht" in email.body_text
