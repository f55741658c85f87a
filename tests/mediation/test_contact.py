"""Phone tasks and assisted digital: logging a call, recording what a party said by phone or post."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
import time_machine
from flask import render_template
from sqlalchemy import select

from odr.mediation.cases import services as cases
from odr.mediation.contact import services as contact
from odr.mediation.contact.views import contact_panel
from odr.mediation.core.events import CaseEvent, verify_chain
from odr.mediation.core.states import CaseState
from odr.mediation.deadlines import schedule
from odr.mediation.deadlines import services as deadlines
from odr.mediation.deadlines import sweep as sweeping
from odr.mediation.deadlines.models import CaseTask, DeadlineStatus
from odr.platform import calendar as clock
from odr.platform.db import utcnow
from odr.platform.errors import Conflict, Forbidden, ValidationFailed
from odr.platform.tenancy import set_tenant
from odr.tenants.models import Role, Tenant
from odr.tenants.notifications.models import Notification
from tests import factories
from tests.conftest import csrf_token, sign_in
from tests.mediation.case_helpers import NOW, open_case
from tests.pages import error_summary


@pytest.fixture
def silent(app, session, tenant, people):
    """A case in mediation whose customer stayed silent: a task to phone them is open."""
    set_tenant(session, tenant.id)
    with time_machine.travel(NOW, tick=False), app.app_context():
        case = open_case(app, session, people)
        deadline = deadlines.expect_response(session, case, "customer", "send the repair quote", now=NOW)
        session.commit()
    chase_at = next(when for when, action in schedule.planned_actions(deadline, tenant) if action == "chase:phone")
    with app.app_context():
        sweeping.sweep(session, chase_at)
    task = session.scalars(select(CaseTask).where(CaseTask.case_id == case.id)).one()
    return case, deadline, task


def _today(tenant) -> str:
    return clock.local_date(utcnow(), tenant.time_zone).isoformat()


def _said(tenant, **overrides):
    data = {"party": "customer", "medium": "phone", "received_on": _today(tenant),
            "summary": "She accepts the offer of 3,000 and wants payment by bank transfer."}
    data.update(overrides)
    return data


# Services ---------------------------------------------------------------------------------------------


def test_a_case_manager_logs_the_call_on_the_case(app, session, people, silent):
    case, _deadline, task = silent
    manager = people["case_manager"]
    with app.app_context():
        contact.complete_task(session, manager, task, {"result": "no_answer", "note": "Rang twice, no voicemail."})
        session.commit()
    assert task.done_at is not None and task.done_by_id == manager.id and task.outcome == "Rang twice, no voicemail."
    event = session.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id)
                            .order_by(CaseEvent.seq.desc())).first()
    assert (event.kind, event.channel, event.actor_id) == ("task.done", "staff", manager.id)
    assert event.payload["result"] == "no_answer" and event.payload["note"] == "Rang twice, no voicemail."
    assert manager.full_name in event.actor_label
    with app.app_context(), pytest.raises(Conflict):
        contact.complete_task(session, manager, task, {"result": "reached", "note": "Again"})


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"note": "Rang"}, "result"),
        ({"result": "maybe", "note": "Rang"}, "result"),
        ({"result": "reached", "note": "   "}, "note"),
        ({"result": "reached"}, "note"),
        ({"result": "reached", "note": "x" * 2001}, "note"),
    ],
)
def test_a_bad_call_log_is_a_field_error_and_changes_nothing(app, session, people, silent, data, field):
    case, _deadline, task = silent
    seq = case.last_seq
    with app.app_context(), pytest.raises(ValidationFailed) as error:
        contact.complete_task(session, people["case_manager"], task, data)
    assert field in error.value.fields
    session.rollback()
    assert task.done_at is None and case.last_seq == seq


@pytest.mark.parametrize("role", ["insurer_agent", "customer"])
def test_parties_cannot_log_calls_or_record_for_others(app, session, tenant, people, silent, role):
    case, _deadline, task = silent
    with app.app_context():
        with pytest.raises(Forbidden):
            contact.complete_task(session, people[role], task, {"result": "reached", "note": "x"})
        with pytest.raises(Forbidden):
            contact.record_contact(session, people[role], case, _said(tenant))
    assert task.done_at is None


def test_what_a_party_said_is_recorded_for_them_and_counts_as_their_answer(app, session, tenant, people, silent):
    case, deadline, task = silent
    manager, mediator = people["case_manager"], people["mediator"]
    with app.app_context():
        event = contact.record_contact(session, manager, case, _said(tenant, speaker="Her daughter, Sam"))
        session.commit()
    assert event.kind == "contact.recorded" and event.channel == "caucus:customer"
    assert event.actor_id == manager.id
    assert event.actor_label == (f"recorded by {manager.full_name} (case_manager) "
                                 f"for {case.customer_name} (customer)")
    assert event.payload["summary"].startswith("She accepts") and event.payload["speaker"] == "Her daughter, Sam"
    assert event.payload["medium"] == "phone" and event.payload["received_on"] == _today(tenant)
    assert deadline.status is DeadlineStatus.MET  # the party acted
    assert task.done_at is not None and task.details["result"] == "answered" and task.done_by_id == manager.id
    assert session.scalars(select(Notification).where(Notification.user_id == mediator.id,
                                                      Notification.kind == "contact.recorded")).all()
    with app.app_context():
        result = sweeping.sweep(session, deadline.due_at + timedelta(days=1))
    assert deadline.id not in result.deadlines and deadline.status is DeadlineStatus.MET  # never escalates
    assert verify_chain(session, case).ok


def test_a_letter_can_be_shared_with_everyone_in_the_case(app, session, tenant, people, silent):
    case, _deadline, _task = silent
    with app.app_context():
        event = contact.record_contact(session, people["mediator"], case,
                                       _said(tenant, party="insurer", medium="post", visibility="joint"))
    assert event.channel == "joint"
    assert event.actor_label.endswith(f"for {case.organisation.name} (insurer)")


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"party": "mediator"}, "party"),
        ({"medium": "carrier pigeon"}, "medium"),
        ({"received_on": "tomorrow"}, "received_on"),
        ({"received_on": "in-future"}, "received_on"),
        ({"received_on": "long-ago"}, "received_on"),
        ({"summary": ""}, "summary"),
        ({"summary": "x" * 5001}, "summary"),
        ({"visibility": "the press"}, "visibility"),
        ({"speaker": "y" * 201}, "speaker"),
    ],
)
def test_a_bad_record_is_a_field_error_and_changes_nothing(app, session, tenant, people, silent, change, field):
    case, deadline, task = silent
    today = datetime.fromisoformat(_today(tenant)).date()
    dates = {"in-future": (today + timedelta(days=1)).isoformat(),
             "long-ago": (today - timedelta(days=400)).isoformat()}
    change = {key: dates.get(value, value) for key, value in change.items()}
    seq = case.last_seq
    with app.app_context(), pytest.raises(ValidationFailed) as error:
        contact.record_contact(session, people["case_manager"], case, _said(tenant, **change))
    assert field in error.value.fields
    session.rollback()
    assert case.last_seq == seq and deadline.status is DeadlineStatus.OPEN and task.done_at is None


def test_nothing_is_recorded_on_an_ended_case(app, session, tenant, people, silent):
    case, _deadline, _task = silent
    with app.app_context():
        cases.withdraw(session, people["case_manager"], case, {"reason": "The customer withdrew by letter."})
        session.commit()
        assert case.state is CaseState.WITHDRAWN
        seq = case.last_seq
        with pytest.raises(Conflict):
            contact.record_contact(session, people["case_manager"], case, _said(tenant))
    assert case.last_seq == seq


def test_my_tasks_lists_open_tasks_of_my_cases_and_of_unmanaged_ones(app, session, tenant, people, silent):
    case, _deadline, task = silent
    other_manager = factories.user(session, tenant, Role.CASE_MANAGER)
    session.commit()
    assert case.case_manager_id == people["case_manager"].id
    with app.app_context():
        assert contact.open_tasks(session, people["case_manager"]) == [task]
        assert contact.open_tasks(session, other_manager) == []
        assert contact.open_tasks(session, other_manager, everyone=True) == [task]
        assert contact.open_tasks(session, people["admin"]) == [task]
        with pytest.raises(Forbidden):
            contact.open_tasks(session, people["mediator"])


# Pages ------------------------------------------------------------------------------------------------


def test_the_task_pages_log_a_call(client, session, tenant, people, silent):
    case, _deadline, task = silent
    sign_in(client, tenant, people["case_manager"])
    base = f"/t/{tenant.slug}"
    listing = client.get(f"{base}/tasks")
    assert listing.status_code == 200
    html = listing.get_data(as_text=True)
    assert case.reference in html and f"{base}/tasks/{task.public_id}" in html
    page = client.get(f"{base}/tasks/{task.public_id}")
    assert page.status_code == 200 and "+44 20 7946 0000" in page.get_data(as_text=True)
    token = csrf_token(client, f"{base}/tasks")

    refused = client.post(f"{base}/tasks/{task.public_id}", data={"csrf_token": token, "note": "Rang"})
    assert refused.status_code == 400
    assert "Choose one of the options offered." in refused.get_data(as_text=True) or \
        "This field is required." in refused.get_data(as_text=True)
    [(target, text)] = error_summary(refused.get_data(as_text=True))
    assert target == "result" and text.startswith("How did the call go?: ")
    session.expire_all()
    assert session.get(CaseTask, task.id).done_at is None

    done = client.post(f"{base}/tasks/{task.public_id}",
                       data={"csrf_token": token, "result": "reached", "note": "Spoke to her; quote on its way.",
                             "next": f"{base}/tasks"})
    assert done.status_code == 303 and done.headers["Location"] == f"{base}/tasks"
    session.expire_all()
    assert session.get(CaseTask, task.id).done_at is not None
    assert "No open tasks" in client.get(f"{base}/tasks").get_data(as_text=True)
    again = client.post(f"{base}/tasks/{task.public_id}", data={"csrf_token": token, "result": "reached",
                                                                 "note": "Twice"})
    assert again.status_code == 303  # already done: said so, nothing changed


def test_the_record_page_keeps_what_was_typed_when_refused(client, session, tenant, people, silent):
    case, deadline, _task = silent
    sign_in(client, tenant, people["case_manager"])
    path = f"/t/{tenant.slug}/cases/{case.public_id}/contact"
    assert client.get(path).status_code == 200
    token = csrf_token(client, path)
    tomorrow = (datetime.fromisoformat(_today(tenant)) + timedelta(days=1)).date().isoformat()
    refused = client.post(path, data={"csrf_token": token, **_said(tenant, received_on=tomorrow)})
    assert refused.status_code == 400
    html = refused.get_data(as_text=True)
    assert "This date is in the future." in html and "She accepts the offer" in html
    assert error_summary(html) == [("received_on", "Received on: This date is in the future.")]
    # A date out of range is said together with the other fields' messages.
    both = client.post(path, data={"csrf_token": token, **_said(tenant, received_on=tomorrow, summary=" ")})
    assert dict(error_summary(both.get_data(as_text=True))) == {
        "received_on": "Received on: This date is in the future.",
        "summary": "What they said: This field is required."}
    session.expire_all()
    assert session.get(type(deadline), deadline.id).status is DeadlineStatus.OPEN

    done = client.post(path, data={"csrf_token": token, **_said(tenant), "next": "//evil.example/"})
    assert done.status_code == 303
    assert done.headers["Location"] == f"/t/{tenant.slug}/cases/{case.public_id}"  # never off the site
    session.expire_all()
    assert session.get(type(deadline), deadline.id).status is DeadlineStatus.MET


@pytest.mark.parametrize(("role", "status"), [("insurer_agent", 403), ("customer", 403), ("mediator", 200)])
def test_only_those_who_may_record_get_the_form(client, session, tenant, people, silent, role, status):
    from tests.mailbox import sign_in_as

    case, _deadline, task = silent
    sign_in_as(client, session, tenant, people[role])
    assert client.get(f"/t/{tenant.slug}/cases/{case.public_id}/contact").status_code == status
    # A task is staff work: to a party it does not exist.
    expected = 200 if role == "mediator" else 404
    assert client.get(f"/t/{tenant.slug}/tasks/{task.public_id}").status_code == expected


def test_the_case_page_partial_renders_the_tasks_and_the_form(app, session, tenant, people, silent):
    case, _deadline, task = silent
    with app.test_request_context(f"/t/{tenant.slug}/cases/{case.public_id}"):
        from flask import g

        g.tenant = session.get(Tenant, tenant.id)
        panel = contact_panel(session, people["case_manager"], case, next_path=f"/t/{tenant.slug}/cases/x")
        html = render_template("contact/_contact_forms.html", case=case, contact=panel)
        assert f"/t/{tenant.slug}/tasks/{task.public_id}" in html
        assert f"/t/{tenant.slug}/cases/{case.public_id}/contact" in html
        assert 'name="next" value="/t/' in html and "Record what a party said" in html
        hidden = contact_panel(session, people["insurer_agent"], case)
        assert render_template("contact/_contact_forms.html", case=case, contact=hidden).strip() == ""


# Who may do what -----------------------------------------------------------------------------------------

ROLES = ["admin", "case_manager", "mediator", "insurer_agent", "customer"]


def test_only_staff_see_the_task_list(app, session, tenant, people):
    from odr.platform.permissions import can

    elsewhere = factories.tenant(session)
    assert tuple(can(people[r], "tasks.list") for r in ROLES) == (True, True, False, False, False)
    assert tuple(can(people[r], "tasks.list", tenant) for r in ROLES) == (True, True, False, False, False)
    assert not any(can(people[r], "tasks.list", elsewhere) for r in ROLES)
