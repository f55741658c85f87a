"""The sweep: the chase of a silent party, the escalation triggers, and every action taken exactly once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from odr.mediation.core.events import verify_chain
from odr.mediation.core.signals import offer_answered
from odr.mediation.deadlines import schedule
from odr.mediation.deadlines import services as deadlines
from odr.mediation.deadlines import sweep as sweeping
from odr.mediation.deadlines.models import (
    CaseTask,
    Deadline,
    DeadlineAction,
    DeadlineKind,
    DeadlineStatus,
)
from odr.platform.errors import Forbidden, ValidationFailed
from odr.platform.mail import OutboxEmail
from odr.tenants.models import Role, Tenant
from odr.tenants.notifications.models import Notification
from tests import factories
from tests.mailbox import emails_to
from tests.mediation.case_helpers import NOW, actions_of, events_of, notifications_of

# Chasing a silent party ------------------------------------------------------------------------------


def test_a_silent_party_gets_an_in_app_reminder_then_an_e_mail_then_a_phone_call(app, session, running):
    _tenant, people, case = running
    customer, manager = people["customer"], people["case_manager"]
    start = NOW + timedelta(days=1)
    with app.app_context():
        deadline = deadlines.expect_response(session, case, "customer", "send the repair quote", now=start)
        session.commit()
    tenant = session.get(Tenant, case.tenant_id)
    ladder = schedule.planned_actions(deadline, tenant)
    steps = [action.split(":")[0] + (":" + action.split(":")[1] if action.startswith("reminder") else "")
             for _when, action in ladder]
    assert steps == ["reminder:3", "reminder:1", "chase", "escalation"]
    assert [when for when, _action in ladder] == sorted(when for when, _action in ladder)

    def state():
        session.expire_all()
        return (len(notifications_of(session, customer, "deadline.reminder")),
                len(emails_to(session, customer.email, "Reminder")),
                session.scalar(select(func.count(CaseTask.id)).where(CaseTask.case_id == case.id)),
                case.attention_reason is not None and "passed" in case.attention_reason)

    observed = []
    with app.app_context():
        for when, _action in ladder:
            sweeping.sweep(session, when)
            sweeping.sweep(session, when)  # twice: nothing happens twice
            observed.append(state())
    assert observed == [
        (1, 0, 0, False),  # in the app only
        (2, 1, 0, False),  # now by e-mail as well
        (2, 1, 1, False),  # a task for the case manager to phone them
        (2, 1, 1, True),  # the deadline passed: the case is flagged
    ]
    task = session.scalars(select(CaseTask).where(CaseTask.case_id == case.id)).one()
    assert task.party == "customer" and task.done_at is None and "send the repair quote" in task.description
    assert notifications_of(session, manager, "deadline.chase")
    assert deadline.status is DeadlineStatus.PASSED
    assert verify_chain(session, case).ok


def test_a_party_who_answers_is_not_chased(app, session, running):
    _tenant, people, case = running
    with app.app_context():
        deadline = deadlines.expect_response(session, case, "insurer", "answer the offer", now=NOW)
        deadlines.party_acted(session, case, "insurer")
        session.commit()
        result = sweeping.sweep(session, deadline.due_at + timedelta(days=1))
    assert deadline.status is DeadlineStatus.MET
    assert actions_of(session, deadline) == []
    assert not session.scalars(select(CaseTask).where(CaseTask.case_id == case.id)).all()
    assert result.failed == 0


# Escalation triggers ---------------------------------------------------------------------------------


def test_a_stalemate_escalates_after_n_rejections_in_a_row(app, session, running):
    _tenant, people, case = running
    agent = people["insurer_agent"]
    with app.app_context():
        offer_answered.send(session, case=case, actor=agent, accepted=False)
        offer_answered.send(session, case=case, actor=agent, accepted=False)
        offer_answered.send(session, case=case, actor=agent, accepted=True)  # an accepted offer ends the run
        offer_answered.send(session, case=case, actor=agent, accepted=False)
        offer_answered.send(session, case=case, actor=agent, accepted=False)
        assert case.tier == 2 and not events_of(session, case, "case.escalated")
        offer_answered.send(session, case=case, actor=agent, accepted=False)
        session.commit()
    assert case.tier == 3 and case.rejections_in_a_row == 0
    escalated = events_of(session, case, "case.escalated")
    assert len(escalated) == 1 and escalated[0].payload["trigger"] == "stalemate"
    assert "3 offers in a row" in case.attention_reason
    tiers = session.scalars(select(Deadline).where(Deadline.kind == DeadlineKind.TIER)
                            .order_by(Deadline.id)).all()
    assert [(d.tier, d.status) for d in tiers][-2:] == [(2, DeadlineStatus.CANCELLED), (3, DeadlineStatus.OPEN)]
    for user in (people["customer"], agent, people["case_manager"]):
        assert notifications_of(session, user, "case.escalated")


def test_a_party_asks_with_reasons_for_an_escalation(app, session, running):
    _tenant, people, case = running
    customer = people["customer"]
    with app.app_context():
        with pytest.raises(ValidationFailed):
            deadlines.request_escalation(session, customer, case, "  ")
        assert case.tier == 2
        stranger = factories.user(session, session.get(Tenant, case.tenant_id), Role.MEDIATOR)
        with pytest.raises(Forbidden):
            deadlines.request_escalation(session, stranger, case, "I am not on this case")
        assert case.tier == 2 and not events_of(session, case, "case.escalated")
        deadlines.request_escalation(session, customer, case, "The insurer has not replied for a month")
        session.commit()
    event = events_of(session, case, "case.escalated")[-1]
    assert case.tier == 3
    assert event.payload["trigger"] == "request" and "not replied for a month" in event.payload["reason"]
    assert event.actor_id == customer.id
    assert emails_to(session, people["insurer_agent"].email, "escalated")


# Exactly once ----------------------------------------------------------------------------------------


def test_every_reminder_and_escalation_happens_once_however_often_the_sweep_runs(app, session, running):
    _tenant, people, case = running
    with app.app_context():
        deadlines.expect_response(session, case, "insurer", "reply", now=NOW)
        session.commit()
        horizon = NOW + timedelta(days=61)
        moments = sorted({when for d in session.scalars(select(Deadline)).all()
                          for when, _a in schedule.planned_actions(d, session.get(Tenant, case.tenant_id))
                          if when <= horizon})
        totals = None
        for moment in moments + [horizon]:
            sweeping.sweep(session, moment)
            again = sweeping.sweep(session, moment)
            assert (again.reminders, again.chases, again.escalations, again.failed) == (0, 0, 0, 0)
        session.expire_all()
        totals = (session.scalar(select(func.count(DeadlineAction.id))),
                  session.scalar(select(func.count(Notification.id))),
                  session.scalar(select(func.count(OutboxEmail.id))), case.last_seq)
        sweeping.sweep(session, horizon)
        session.expire_all()
        assert (session.scalar(select(func.count(DeadlineAction.id))),
                session.scalar(select(func.count(Notification.id))),
                session.scalar(select(func.count(OutboxEmail.id))), case.last_seq) == totals
    assert events_of(session, case, "deadline.passed")
    assert verify_chain(session, case).ok


def test_a_deadline_that_fails_does_not_hold_up_the_others(app, session, running, monkeypatch):
    _tenant, people, case = running
    with app.app_context():
        broken = deadlines.expect_response(session, case, "insurer", "reply", now=NOW)
        fine = deadlines.expect_response(session, case, "customer", "reply", now=NOW)
        session.commit()
        real = sweeping._perform

        def perform(session_, tenant, deadline, action, now, result):
            if deadline.id == broken.id:
                raise RuntimeError("a bug")
            return real(session_, tenant, deadline, action, now, result)

        monkeypatch.setattr(sweeping, "_perform", perform)
        moment = fine.due_at - timedelta(days=3)
        result = sweeping.sweep(session, moment)
    assert result.failed == 1
    assert actions_of(session, broken) == []
    assert broken.next_action_at == moment + sweeping.RETRY_AFTER
    assert [a.split(":")[0] for a in actions_of(session, fine)] == ["reminder"]
