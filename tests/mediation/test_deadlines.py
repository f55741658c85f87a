"""Deadline arithmetic on a frozen clock, the regulatory clock, the chase of a silent party, the
escalation triggers, and a sweep that takes every action exactly once."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from sqlalchemy import func, select

from odr.mediation.cases import rules
from odr.mediation.cases import services as cases
from odr.mediation.core.events import CaseEvent, verify_chain
from odr.mediation.core.models import Case
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
from odr.platform.tenancy import set_tenant
from odr.tenants.models import Role, Tenant
from odr.tenants.notifications.models import Notification
from tests import factories
from tests.mediation.support import open_case, referral

NOW = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


def _world(session, zone: str = "Europe/London", policy: dict | None = None) -> tuple[Tenant, dict]:
    """A tenant in ``zone`` with one user of each role, committed to the test's transaction."""
    tenant = factories.tenant(session, time_zone=zone)
    if policy:
        tenant.policy = {**tenant.policy, "deadlines": policy}
    set_tenant(session, tenant.id)
    people = factories.one_of_each_role(session, tenant)
    session.commit()
    return tenant, people


@pytest.fixture
def london(session):
    return _world(session)


def _events(session, case: Case, kind: str) -> list[CaseEvent]:
    return list(session.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id, CaseEvent.kind == kind)
                                .order_by(CaseEvent.seq)))


def _notifications(session, user, kind: str) -> list[Notification]:
    return list(session.scalars(select(Notification).where(Notification.user_id == user.id,
                                                           Notification.kind == kind)))


def _emails(session, address: str, subject_part: str = "") -> list[OutboxEmail]:
    rows = session.scalars(select(OutboxEmail).where(OutboxEmail.recipient == address)).all()
    return [e for e in rows if subject_part in e.subject]


def _actions(session, deadline: Deadline) -> list[str]:
    return sorted(session.scalars(select(DeadlineAction.action).where(DeadlineAction.deadline_id == deadline.id)))


def _local(moment: datetime, zone: str) -> datetime:
    return moment.astimezone(ZoneInfo(zone))


# Screening rules on a frozen clock -------------------------------------------------------------------


def _no_final_response(**overrides):
    data = referral(complaint_date="2026-01-05", escalation_steps=[],
                    no_final_response_reason="The insurer is still reviewing it.", **overrides)
    data.pop("final_response_date")
    data.pop("final_response_summary")
    return data


@pytest.mark.parametrize(("today", "passes"), [(date(2026, 3, 1), False), (date(2026, 3, 2), True)])
def test_eight_weeks_after_the_complaint_without_a_final_response(app, session, london, today, passes):
    _tenant, people = london
    with time_machine.travel(datetime.combine(today, time(12), tzinfo=UTC), tick=False), app.app_context():
        case, _ = cases.refer(session, people["insurer_agent"], _no_final_response())
        result = {r.rule: r for r in cases.screening_results(session, case)}["final_response_or_waited"]
    assert result.passed is passes
    if not passes:
        assert "2026-03-02" in result.reason  # the day the eight weeks end


def test_six_months_clamp_to_the_end_of_a_shorter_month():
    assert rules.add_months(date(2025, 8, 31), 6) == date(2026, 2, 28)
    assert rules.add_months(date(2027, 8, 31), 6) == date(2028, 2, 29)  # leap year
    assert rules.add_months(date(2025, 12, 31), 2) == date(2026, 2, 28)
    assert rules.add_months(date(2025, 7, 15), 6) == date(2026, 1, 15)
    assert rules.add_months(date(2026, 3, 31), 6) == date(2026, 9, 30)


@pytest.mark.parametrize(("today", "passes"), [(date(2026, 2, 28), True), (date(2026, 3, 1), False)])
def test_six_months_after_the_final_response_on_a_frozen_clock(app, session, london, today, passes):
    _tenant, people = london
    data = referral(complaint_date="2025-06-02", final_response_date="2025-08-31",
                    escalation_steps=[{"level": "frontline", "step_date": "2025-06-10", "outcome": "Declined"}])
    with time_machine.travel(datetime.combine(today, time(12), tzinfo=UTC), tick=False), app.app_context():
        case, _ = cases.refer(session, people["insurer_agent"], data)
        result = {r.rule: r for r in cases.screening_results(session, case)}["referred_in_time"]
    assert result.passed is passes


@pytest.mark.parametrize(
    ("zone", "due"),
    [
        # 2 March is winter time in both; 31 May is summer time: 23:59:59 local either way.
        ("Europe/London", datetime(2026, 5, 31, 22, 59, 59, tzinfo=UTC)),
        ("America/New_York", datetime(2026, 6, 1, 3, 59, 59, tzinfo=UTC)),
    ],
)
def test_the_outcome_is_due_ninety_days_after_the_file_is_complete(app, session, zone, due):
    _tenant, people = _world(session, zone)
    with time_machine.travel(NOW, tick=False), app.app_context():
        case = open_case(session, people)
    assert case.file_complete_at == NOW
    assert case.outcome_due_at == due
    assert (_local(due, zone).date() - _local(NOW, zone).date()).days == 90
    outcome = session.scalars(select(Deadline).where(Deadline.kind == DeadlineKind.OUTCOME)).one()
    assert outcome.due_at == due and outcome.status is DeadlineStatus.OPEN


# Reminders across daylight-saving changes ------------------------------------------------------------


@pytest.mark.parametrize(
    ("zone", "due_on"),
    [
        ("Europe/London", date(2026, 3, 30)),  # clocks go forward on 29 March
        ("Europe/London", date(2026, 10, 26)),  # and back on 25 October
        ("America/New_York", date(2026, 3, 9)),  # forward on 8 March
        ("America/New_York", date(2026, 11, 2)),  # back on 1 November
    ],
    ids=["london-march", "london-october", "new-york-march", "new-york-november"],
)
def test_reminders_three_days_and_one_day_before_across_a_dst_change(app, session, zone, due_on):
    _tenant, people = _world(session, zone)
    start = datetime.combine(due_on - timedelta(days=14), time(15), tzinfo=UTC)
    with time_machine.travel(start - timedelta(days=5), tick=False), app.app_context():
        case, _ = cases.refer(session, people["insurer_agent"], referral())
    with time_machine.travel(start, tick=False), app.app_context():
        deadline = deadlines.expect_response(session, case, "insurer", "send the claim file", now=start)
        session.commit()

    zone_info = ZoneInfo(zone)
    assert _local(deadline.due_at, zone) == datetime.combine(due_on, time(23, 59, 59), tzinfo=zone_info)
    tenant = session.get(Tenant, case.tenant_id)
    plan = dict((action, when) for when, action in schedule.planned_actions(deadline, tenant))
    three, one = plan[f"reminder:3:{due_on}"], plan[f"reminder:1:{due_on}"]
    # The same local wall-clock time, on the right local dates, whatever the UTC offset did between.
    assert _local(three, zone).replace(tzinfo=None) == datetime.combine(due_on - timedelta(days=3), time(23, 59, 59))
    assert _local(one, zone).replace(tzinfo=None) == datetime.combine(due_on - timedelta(days=1), time(23, 59, 59))
    assert {_local(three, zone).utcoffset(), _local(one, zone).utcoffset()} | {
        _local(deadline.due_at, zone).utcoffset()} != {_local(three, zone).utcoffset()}  # the offset did change

    with app.app_context():
        for moment, expected in [(three, ["reminder:3"]), (one, ["reminder:1", "reminder:3"])]:
            sweeping.sweep(session, moment - timedelta(seconds=1))
            assert [a.rsplit(":", 1)[0] for a in _actions(session, deadline)] == expected[1:], moment
            sweeping.sweep(session, moment)
            sweeping.sweep(session, moment)  # a second sweep at the same time does nothing more
            assert [a.rsplit(":", 1)[0] for a in _actions(session, deadline)] == expected, moment
    agent = people["insurer_agent"]
    assert len(_notifications(session, agent, "deadline.reminder")) >= 2
    assert len(_events(session, case, "deadline.reminder")) >= 2


def test_a_reminder_that_would_fall_before_the_deadline_opened_is_left_out(app, session):
    _tenant, people = _world(session, policy={"response_days": 2})
    with time_machine.travel(NOW, tick=False), app.app_context():
        case, _ = cases.refer(session, people["insurer_agent"], referral())
        deadline = deadlines.expect_response(session, case, "insurer", "answer", now=NOW)
        tenant = session.get(Tenant, case.tenant_id)
        actions = [action.split(":")[0] + ":" + action.split(":")[1] if action.startswith("reminder") else action
                   for _when, action in schedule.planned_actions(deadline, tenant)]
    # Two days: no "3 days before" reminder, and too short a time to count as ten days' silence.
    assert actions == ["reminder:1", "escalation"]
    assert deadline.next_action_at > NOW


# The regulatory clock --------------------------------------------------------------------------------


@pytest.fixture
def running(app, session, london):
    """A case in mediation in London, opened on NOW, its customer linked."""
    tenant, people = london
    with time_machine.travel(NOW, tick=False), app.app_context():
        case = open_case(session, people)
        session.commit()
    return tenant, people, case


@pytest.mark.parametrize(
    ("paused", "resumed", "days"),
    [
        (datetime(2026, 3, 10, 15, tzinfo=UTC), datetime(2026, 3, 13, 9, tzinfo=UTC), 3),
        (datetime(2026, 3, 10, 8, tzinfo=UTC), datetime(2026, 3, 10, 17, tzinfo=UTC), 0),
        # Paused across the change to summer time: still whole local days.
        (datetime(2026, 3, 27, 23, 30, tzinfo=UTC), datetime(2026, 3, 30, 0, 30, tzinfo=UTC), 3),
    ],
    ids=["three-days", "same-day", "across-dst"],
)
def test_pause_and_resume_move_the_outcome_by_whole_paused_days(app, session, running, paused, resumed, days):
    _tenant, people, case = running
    manager = people["case_manager"]
    before = case.outcome_due_at
    with app.app_context():
        deadlines.pause_clock(session, manager, case, "Waiting for the insurer's loss adjuster report", now=paused)
        outcome = session.scalars(select(Deadline).where(Deadline.kind == DeadlineKind.OUTCOME)).one()
        assert outcome.status is DeadlineStatus.PAUSED and outcome.next_action_at is None
        with pytest.raises(ValidationFailed, match="already paused"):
            deadlines.pause_clock(session, manager, case, "again", now=paused)
        deadlines.resume_clock(session, manager, case, now=resumed)
        session.commit()
    zone = "Europe/London"
    assert (_local(case.outcome_due_at, zone).date() - _local(before, zone).date()).days == days
    assert _local(case.outcome_due_at, zone).time() == time(23, 59, 59)
    assert outcome.status is DeadlineStatus.OPEN and outcome.due_at == case.outcome_due_at
    assert _events(session, case, "clock.resumed")[-1].payload["paused_days"] == days
    with app.app_context(), pytest.raises(ValidationFailed, match="not paused"):
        deadlines.resume_clock(session, manager, case, now=resumed)


def test_both_parties_are_told_of_a_pause_and_an_extension(app, session, running):
    _tenant, people, case = running
    customer, agent = people["customer"], people["insurer_agent"]
    with app.app_context():
        deadlines.pause_clock(session, people["case_manager"], case, "The customer owes the repair quote")
        deadlines.resume_clock(session, people["case_manager"], case)
        deadlines.extend_clock(session, people["case_manager"], case, "Two expert reports are needed")
        session.commit()
    for user in (customer, agent):
        for kind in ("clock.paused", "clock.resumed", "clock.extended"):
            assert len(_notifications(session, user, kind)) == 1, (user.role, kind)
        assert len(_emails(session, user.email, "time limit")) == 3
    extended = _emails(session, customer.email, "time limit")[-1]
    assert "extended by 30 days" in extended.body_text and "Two expert reports are needed" in extended.body_text


def test_a_customer_without_an_account_is_told_by_e_mail(app, session, london):
    _tenant, people = london
    with time_machine.travel(NOW, tick=False), app.app_context():
        case = open_case(session, people, customer_email="dana@example.net", customer_name="Dana Doe")
        deadlines.pause_clock(session, people["case_manager"], case, "Waiting for photos")
        session.commit()
    assert case.customer_id is None
    assert len(_emails(session, "dana@example.net", "time limit")) == 1


def test_the_clock_is_extended_only_once_and_reminds_again_before_the_new_date(app, session, running):
    tenant, people, case = running
    manager = people["case_manager"]
    first_due = case.outcome_due_at
    outcome = session.scalars(select(Deadline).where(Deadline.kind == DeadlineKind.OUTCOME)).one()
    with app.app_context():
        sweeping.sweep(session, first_due - timedelta(days=3))
        assert [a.split(":")[1] for a in _actions(session, outcome)] == ["3"]
        deadlines.extend_clock(session, manager, case, "A complex dispute with three policies")
        session.commit()
        new_due = case.outcome_due_at
        assert (_local(new_due, "Europe/London").date() - _local(first_due, "Europe/London").date()).days == 30
        with pytest.raises(ValidationFailed, match="only once"):
            deadlines.extend_clock(session, manager, case, "Still complex")
        session.rollback()
        assert case.outcome_due_at == new_due and len(_events(session, case, "clock.extended")) == 1
        sweeping.sweep(session, new_due - timedelta(days=3))
        sweeping.sweep(session, new_due - timedelta(days=3))
    assert [a.split(":")[1] for a in _actions(session, outcome)] == ["3", "3"]  # once per due date
    new_day = _local(new_due, "Europe/London").date().isoformat()
    assert f"reminder:3:{new_day}" in _actions(session, outcome)


@pytest.mark.parametrize("reason", ["", "   "])
def test_a_pause_or_extension_without_a_reason_changes_nothing(app, session, running, reason):
    _tenant, people, case = running
    before = (case.outcome_due_at, case.last_seq)
    with app.app_context():
        for change in (deadlines.pause_clock, deadlines.extend_clock):
            with pytest.raises(ValidationFailed) as error:
                change(session, people["case_manager"], case, reason)
            assert "reason" in error.value.fields
    assert (case.outcome_due_at, case.last_seq, case.clock_paused_at, case.clock_extended) == (*before, None, False)


def test_only_staff_manage_the_clock(app, session, running):
    _tenant, people, case = running
    with app.app_context():
        for role in ("mediator", "insurer_agent", "customer"):
            with pytest.raises(Forbidden):
                deadlines.pause_clock(session, people[role], case, "No")
    assert case.clock_paused_at is None


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
        return (len(_notifications(session, customer, "deadline.reminder")),
                len(_emails(session, customer.email, "Reminder")),
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
    assert _notifications(session, manager, "deadline.chase")
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
    assert _actions(session, deadline) == []
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
        assert case.tier == 2 and not _events(session, case, "case.escalated")
        offer_answered.send(session, case=case, actor=agent, accepted=False)
        session.commit()
    assert case.tier == 3 and case.rejections_in_a_row == 0
    escalated = _events(session, case, "case.escalated")
    assert len(escalated) == 1 and escalated[0].payload["trigger"] == "stalemate"
    assert "3 offers in a row" in case.attention_reason
    tiers = session.scalars(select(Deadline).where(Deadline.kind == DeadlineKind.TIER)
                            .order_by(Deadline.id)).all()
    assert [(d.tier, d.status) for d in tiers][-2:] == [(2, DeadlineStatus.CANCELLED), (3, DeadlineStatus.OPEN)]
    for user in (people["customer"], agent, people["case_manager"]):
        assert _notifications(session, user, "case.escalated")


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
        assert case.tier == 2 and not _events(session, case, "case.escalated")
        deadlines.request_escalation(session, customer, case, "The insurer has not replied for a month")
        session.commit()
    event = _events(session, case, "case.escalated")[-1]
    assert case.tier == 3
    assert event.payload["trigger"] == "request" and "not replied for a month" in event.payload["reason"]
    assert event.actor_id == customer.id
    assert _emails(session, people["insurer_agent"].email, "escalated")


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
    assert _events(session, case, "deadline.passed")
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
    assert _actions(session, broken) == []
    assert broken.next_action_at == moment + sweeping.RETRY_AFTER
    assert [a.split(":")[0] for a in _actions(session, fine)] == ["reminder"]
