"""Deadline arithmetic on a frozen clock: the screening rules' dates, the outcome's due date, reminders
across daylight-saving changes, and the regulatory clock paused, resumed and extended."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from sqlalchemy import select

from odr.mediation.cases import rules
from odr.mediation.cases import services as cases
from odr.mediation.deadlines import schedule
from odr.mediation.deadlines import services as deadlines
from odr.mediation.deadlines import sweep as sweeping
from odr.mediation.deadlines.models import Deadline, DeadlineKind, DeadlineStatus
from odr.platform.errors import Forbidden, ValidationFailed
from odr.tenants.models import Tenant
from tests import factories
from tests.mailbox import emails_to
from tests.mediation.case_helpers import NOW, actions_of, events_of, notifications_of, open_case, referral


@pytest.fixture
def london(session):
    """A London tenant of its own with a user of every role."""
    return factories.tenant_with_people(session)


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
        assert "2 Mar 2026" in result.reason  # the day the eight weeks end


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
    _tenant, people = factories.tenant_with_people(session, time_zone=zone)
    with time_machine.travel(NOW, tick=False), app.app_context():
        case = open_case(app, session, people)
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
    _tenant, people = factories.tenant_with_people(session, time_zone=zone)
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
            assert [a.rsplit(":", 1)[0] for a in actions_of(session, deadline)] == expected[1:], moment
            sweeping.sweep(session, moment)
            sweeping.sweep(session, moment)  # a second sweep at the same time does nothing more
            assert [a.rsplit(":", 1)[0] for a in actions_of(session, deadline)] == expected, moment
    agent = people["insurer_agent"]
    assert len(notifications_of(session, agent, "deadline.reminder")) >= 2
    assert len(events_of(session, case, "deadline.reminder")) >= 2


def test_a_reminder_that_would_fall_before_the_deadline_opened_is_left_out(app, session):
    _tenant, people = factories.tenant_with_people(session, deadlines={"response_days": 2})
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
    assert events_of(session, case, "clock.resumed")[-1].payload["paused_days"] == days
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
            assert len(notifications_of(session, user, kind)) == 1, (user.role, kind)
        assert len(emails_to(session, user.email, "time limit")) == 3
    extended = emails_to(session, customer.email, "time limit")[-1]
    assert "extended by 30 days" in extended.body_text and "Two expert reports are needed" in extended.body_text


def test_a_customer_without_an_account_is_told_by_e_mail(app, session, london):
    _tenant, people = london
    with time_machine.travel(NOW, tick=False), app.app_context():
        case = open_case(app, session, people, customer_email="dana@example.net", customer_name="Dana Doe")
        deadlines.pause_clock(session, people["case_manager"], case, "Waiting for photos")
        session.commit()
    assert case.customer_id is None
    assert len(emails_to(session, "dana@example.net", "time limit")) == 1


def test_the_clock_is_extended_only_once_and_reminds_again_before_the_new_date(app, session, running):
    tenant, people, case = running
    manager = people["case_manager"]
    first_due = case.outcome_due_at
    outcome = session.scalars(select(Deadline).where(Deadline.kind == DeadlineKind.OUTCOME)).one()
    with app.app_context():
        sweeping.sweep(session, first_due - timedelta(days=3))
        assert [a.split(":")[1] for a in actions_of(session, outcome)] == ["3"]
        deadlines.extend_clock(session, manager, case, "A complex dispute with three policies")
        session.commit()
        new_due = case.outcome_due_at
        assert (_local(new_due, "Europe/London").date() - _local(first_due, "Europe/London").date()).days == 30
        with pytest.raises(ValidationFailed, match="only once"):
            deadlines.extend_clock(session, manager, case, "Still complex")
        session.rollback()
        assert case.outcome_due_at == new_due and len(events_of(session, case, "clock.extended")) == 1
        sweeping.sweep(session, new_due - timedelta(days=3))
        sweeping.sweep(session, new_due - timedelta(days=3))
    assert [a.split(":")[1] for a in actions_of(session, outcome)] == ["3", "3"]  # once per due date
    new_day = _local(new_due, "Europe/London").date().isoformat()
    assert f"reminder:3:{new_day}" in actions_of(session, outcome)


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
