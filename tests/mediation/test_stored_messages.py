"""What is stored for others to read later (notifications, what a deadline expects) reaches each reader
in their own language, whoever's language it was written in."""

from __future__ import annotations

import importlib.util
from datetime import timedelta
from pathlib import Path

from flask_babel import force_locale
from sqlalchemy import select

from odr.mediation.deadlines import schedule
from odr.mediation.deadlines import services as deadlines
from odr.mediation.deadlines import sweep as sweeping
from odr.mediation.deadlines.models import CaseTask
from odr.platform.i18n import Message
from odr.platform.tenancy import set_tenant
from odr.tenants.models import Tenant
from odr.tenants.notifications.models import Notification
from tests.conftest import sign_in
from tests.mailbox import emails_to
from tests.mediation.case_helpers import NOW, accept, html_of, notifications_of, open_case, refer

GERMAN = {"HTTP_ACCEPT_LANGUAGE": "de"}


def test_what_happens_next_is_in_the_reader_language_whoever_started_the_clock(app, client, session, tenant,
                                                                                scoped):
    agent, manager, mediator = scoped["insurer_agent"], scoped["case_manager"], scoped["mediator"]
    case = accept(app, session, manager, refer(app, session, agent), mediator)  # all in English
    sign_in(client, tenant, agent)
    client.environ_base.update(GERMAN)
    html = html_of(client.get(f"/t/{tenant.slug}/cases/{case.public_id}"))
    assert "Wie es weitergeht" in html
    assert "Stufe „Mediation“ abschließen" in html and "ein Ergebnis erzielen" in html
    assert "finish mediation" not in html and "reach an outcome" not in html
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    english = html_of(client.get(f"/t/{tenant.slug}/cases/{case.public_id}"))
    assert "finish mediation" in english and "reach an outcome" in english


def test_a_notification_is_shown_in_the_reader_language_not_the_writer(app, client, session, tenant, scoped):
    manager, mediator = scoped["case_manager"], scoped["mediator"]
    mediator.locale = "de"
    session.commit()
    case = accept(app, session, manager, refer(app, session, scoped["insurer_agent"]), mediator)
    (row,) = notifications_of(session, mediator, "case.assigned")
    assert row.title_message == {"id": "You mediate case %(ref)s", "params": {"ref": case.reference}}
    assert row.title == f"Sie sind für die Mediation im Fall {case.reference} zuständig"  # the fallback text
    sign_in(client, tenant, mediator)
    client.environ_base.update(GERMAN)
    html = html_of(client.get(f"/t/{tenant.slug}/notifications"))
    assert f"Sie sind für die Mediation im Fall {case.reference} zuständig" in html
    mediator.locale = "en"  # they switch to English: the same row reads in English
    session.commit()
    html = html_of(client.get(f"/t/{tenant.slug}/notifications"))
    assert f"You mediate case {case.reference}" in html and "zuständig" not in html


def test_nested_parts_and_the_email_follow_the_recipient_language(app, session, tenant, scoped):
    customer = scoped["customer"]
    customer.locale = "de"
    session.commit()
    case = open_case(app, session, scoped)
    with app.test_request_context(headers={"Accept-Language": "en"}):  # the case manager reads English
        deadlines.pause_clock(session, scoped["case_manager"], case, "Waiting for the policy.")
        session.commit()
    (row,) = notifications_of(session, customer, "clock.paused")
    assert row.title == f"Die Frist im Fall {case.reference} ist angehalten: Waiting for the policy."
    email = emails_to(session, customer.email, case.reference)[-1]
    assert "Sie ist angehalten, solange Informationen ausstehen (Waiting for the policy.)" in email.body_text
    assert "paused while information" not in email.body_text


def test_rows_from_before_keep_their_text(app, client, session, tenant, scoped):
    manager = scoped["case_manager"]
    session.add(Notification(tenant_id=tenant.id, user_id=manager.id, kind="case.referred",
                             title="New referral MED-2026-000001 from Northwind Insurance"))
    session.commit()
    sign_in(client, tenant, manager)
    client.environ_base.update(GERMAN)
    assert "New referral MED-2026-000001 from Northwind Insurance" in html_of(client.get(
        f"/t/{tenant.slug}/notifications"))


def test_a_message_survives_its_json_with_nested_parts_and_plurals(app):
    message = Message("the deadline for %(party)s to %(what)s passed on %(due)s", {
        "party": Message("the customer"), "what": Message("finish %(tier)s", {"tier": Message("mediation")}),
        "due": "2026-03-01"})
    plural = Message("%(reference)s: %(num)s new message", {"num": 3, "reference": "MED-1"},
                     "%(reference)s: %(num)s new messages", 3)
    for original in (message, plural):
        assert Message.from_json(original.to_json()) == original
    with app.test_request_context(), force_locale("de"):
        assert str(message) == ("Die Frist für den Kunden/die Kundin ist am 2026-03-01 abgelaufen "
                                "(Stufe „Mediation“ abschließen)")
        assert str(plural) == "MED-1: 3 neue Nachrichten"


def test_the_migration_matches_the_stored_wordings_to_their_messages(app):
    path = next(Path("migrations/versions").glob("*_0b6c24be129f_*.py"))
    spec = importlib.util.spec_from_file_location("stored_messages_migration", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    known = module._known_wordings()
    assert len(known) == 10
    with app.test_request_context():
        for text, data in known.items():
            german = any(ch in text for ch in "„äöüÜ") or text.startswith("ein ")
            with force_locale("de" if german else "en"):
                assert str(Message.from_json(data)) == text


def test_the_sweep_task_and_flag_read_in_the_reader_language(app, client, session, running):
    tenant, people, case = running
    manager = people["case_manager"]
    with app.app_context():  # the sweep writes in the tenant's default language, English
        deadline = deadlines.expect_response(session, case, "customer", "send the repair quote",
                                             now=NOW + timedelta(days=1))
        session.commit()
        for when, _action in schedule.planned_actions(deadline, session.get(Tenant, case.tenant_id)):
            sweeping.sweep(session, when)
    session.expire_all()
    task = session.scalars(select(CaseTask).where(CaseTask.case_id == case.id)).one()
    assert task.description_message["id"] == "Phone %(party)s: no answer since %(since)s to: %(what)s"
    assert case.attention_message["id"] == "the deadline for %(party)s to %(what)s passed on %(due)s"
    set_tenant(session, tenant.id)
    manager.locale = "de"
    session.commit()
    sign_in(client, tenant, manager)
    tasks = html_of(client.get(f"/t/{tenant.slug}/tasks"))
    assert "den Kunden/die Kundin anrufen: seit" in tasks
    assert "Phone the customer" not in tasks and "no answer since" not in tasks
    page = html_of(client.get(f"/t/{tenant.slug}/cases/{case.public_id}"))
    assert "Die Frist für den Kunden/die Kundin ist am" in page and "passed on" not in page
