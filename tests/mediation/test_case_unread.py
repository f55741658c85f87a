"""Unread messages per case in the case lists and dashboards: counted in the channels the reader may
read, after their read mark, not their own; a mediator's dashboard puts such cases first."""

from __future__ import annotations

import re

from sqlalchemy import event

from odr.mediation.cases import queries
from odr.mediation.rooms import services
from odr.mediation.rooms.unread import unread_counts
from odr.platform.tenancy import set_tenant
from tests.mailbox import sign_in_as
from tests.mediation.case_helpers import accept, html_of, refer
from tests.mediation.room_helpers import say

BADGE = re.compile(r'<a class="badge badge--count" href="([^"]+)" data-unread-case>(\d+)<span class="visually-hidden">'
                   r" (unread messages?)</span></a>")


def _badges(client, path):
    return BADGE.findall(html_of(client.get(path)))


def test_a_customers_private_message_is_unread_for_the_mediator_not_the_insurer(app, client, session, tenant,
                                                                                 people, case):
    message = say(app, session, tenant, people["customer"], case, "Only for you: I need the money by March.",
                  channel="caucus:customer")
    room = f"/t/{tenant.slug}/cases/{case.public_id}/room"
    sign_in_as(client, session, tenant, people["mediator"])
    assert _badges(client, f"/t/{tenant.slug}/") == [(room, "1", "unread message")]
    assert _badges(client, f"/t/{tenant.slug}/cases") == [(room, "1", "unread message")]

    agent = app.test_client()
    sign_in_as(agent, session, tenant, people["insurer_agent"])
    assert _badges(agent, f"/t/{tenant.slug}/") == []
    assert _badges(agent, f"/t/{tenant.slug}/cases") == []
    # Nothing at zero: no "0", no empty badge.
    assert "data-unread-case" not in html_of(agent.get(f"/t/{tenant.slug}/cases"))

    with app.app_context():  # the mediator reads the channel (the room's script says so when it shows it)
        set_tenant(session, tenant.id)
        services.mark_read(session, people["mediator"], case, {"channel": "caucus:customer", "seq": message.seq})
        session.commit()
    assert _badges(client, f"/t/{tenant.slug}/") == []
    assert _badges(client, f"/t/{tenant.slug}/cases") == []


def test_counts_leave_out_ones_own_and_taken_back_messages_and_add_up_channels(app, session, tenant, people, case):
    mediator, agent, customer = people["mediator"], people["insurer_agent"], people["customer"]
    say(app, session, tenant, mediator, case, "Welcome, both of you.")
    say(app, session, tenant, agent, case, "Thank you.")
    say(app, session, tenant, agent, case, "For the mediator only.", channel="caucus:insurer")
    taken_back = say(app, session, tenant, customer, case, "Oops", channel="caucus:customer")
    with app.app_context():
        set_tenant(session, tenant.id)
        services.retract(session, customer, case, {"seq": taken_back.seq})
        session.commit()
        set_tenant(session, tenant.id)
        assert unread_counts(session, mediator, [case]) == {case.id: 2}
        assert unread_counts(session, customer, [case]) == {case.id: 2}
        assert unread_counts(session, agent, [case]) == {case.id: 1}
        assert unread_counts(session, people["case_manager"], [case]) == {case.id: 3}
        assert unread_counts(session, mediator, []) == {}


def test_one_statement_for_a_whole_page(app, session, tenant, people, case):
    others = [accept(app, session, people["case_manager"], refer(app, session, people["insurer_agent"]),
                     people["mediator"]) for _ in range(3)]
    for each in [case, *others]:
        say(app, session, tenant, people["insurer_agent"], each, "Any news?")
    with app.app_context():
        set_tenant(session, tenant.id)
        page = queries.list_cases(session, people["mediator"], {})
        statements = []
        engine = session.get_bind()
        listener = lambda *args: statements.append(args[2])  # noqa: E731
        event.listen(engine, "before_cursor_execute", listener)
        try:
            counts = unread_counts(session, people["mediator"], page.items)
        finally:
            event.remove(engine, "before_cursor_execute", listener)
    assert counts == {c.id: 1 for c in [case, *others]}
    assert len(statements) == 1


def test_a_mediators_dashboard_lists_cases_with_unread_messages_first(app, client, session, tenant, people, case):
    newer = [accept(app, session, people["case_manager"], refer(app, session, people["insurer_agent"]),
                    people["mediator"]) for _ in range(5)]
    say(app, session, tenant, people["customer"], case, "Are you there?")  # the oldest case, on no first page
    sign_in_as(client, session, tenant, people["mediator"])
    html = html_of(client.get(f"/t/{tenant.slug}/"))
    titles = re.findall(r'<li class="case-list__item">\s*<a href="[^"]+">([^<]+)</a>', html)
    assert titles[0] == case.reference
    assert titles[1:] == [c.reference for c in reversed(newer)][:4]
