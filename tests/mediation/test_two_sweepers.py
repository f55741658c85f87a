"""Two sweepers at once on PostgreSQL: every due reminder, chase and escalation happens exactly once."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from sqlalchemy import func, select

from odr.mediation.cases import services as cases
from odr.mediation.core.events import CaseEvent, verify_chain
from odr.mediation.core.models import Case
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
from odr.platform.db import write_intent
from odr.platform.extensions import db
from odr.platform.tenancy import set_tenant
from odr.tenants.models import Role, Tenant
from odr.tenants.notifications.models import Notification
from tests import factories
from tests.conftest import PG_URL
from tests.databases import committed_app
from tests.mediation.case_helpers import referral

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(not PG_URL, reason="two sweepers at once need PostgreSQL (set ODR_TEST_DATABASE_URL)"),
]

T0 = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
TENANTS = 3
CASES_PER_GROUP = 18  # per tenant: one group referred at T0, one three days later


def _seed(app) -> datetime:
    """Cases across tenants, each with a tier deadline and a response deadline per party."""
    factory = db.state(app).factory
    for n in range(TENANTS):
        with app.app_context(), factory() as session:
            tenant = factories.tenant(session, slug=f"sweep-{n}", name=f"Sweep {n}")
            set_tenant(session, tenant.id)
            factories.user(session, tenant, Role.CASE_MANAGER)
            agent = factories.user(session, tenant, Role.INSURER_AGENT)
            session.commit()
            for offset in (timedelta(0), timedelta(days=3)):
                with time_machine.travel(T0 + offset, tick=False):
                    for i in range(CASES_PER_GROUP):
                        case, _ = cases.refer(session, agent, referral(policy_number=f"P-{n}-{offset.days}-{i}"))
                        deadlines.expect_response(session, case, "insurer", "send the claim file")
                        deadlines.expect_response(session, case, "customer", "send photos")
                    session.commit()
    # The first group's deadlines have just passed; the second group's first reminders are due.
    with factory() as session:
        first_due = session.scalar(select(func.min(Deadline.due_at)))
    return first_due + timedelta(minutes=1)


def _expected(app, now: datetime) -> Counter:
    """The actions due at ``now``, per kind, as the schedule plans them."""
    expected: Counter = Counter()
    with db.state(app).factory() as session:
        for deadline in session.scalars(select(Deadline).where(Deadline.status == DeadlineStatus.OPEN)):
            tenant = session.get(Tenant, deadline.tenant_id)
            overdue = deadline.due_at <= now
            for when, action in schedule.planned_actions(deadline, tenant):
                if when > now or (overdue and schedule.reminder_days(action) is not None):
                    continue
                expected[action.split(":")[0]] += 1
    return expected


def test_two_sweepers_take_each_due_action_exactly_once(tmp_path):
    with committed_app(tmp_path, "two_sweepers") as app:
        now = _seed(app)
        expected = _expected(app, now)
        cases_total = TENANTS * 2 * CASES_PER_GROUP
        # Checked by hand as well: the first group escalates its tier and chases and escalates both
        # parties; the second group gets its first reminder of all three deadlines.
        half = TENANTS * CASES_PER_GROUP
        assert expected == Counter({"escalation": 3 * half, "chase": 2 * half, "reminder": 3 * half})

        start = threading.Barrier(2)
        results: dict[str, sweeping.SweepResult] = {}
        errors: list[BaseException] = []

        def run(name: str) -> None:
            try:
                with app.app_context(), write_intent(), db.state(app).factory() as session:
                    start.wait(timeout=30)
                    results[name] = sweeping.sweep(session, now, batch=7)
            except BaseException as exc:  # noqa: BLE001 - reported below
                errors.append(exc)

        threads = [threading.Thread(target=run, args=(name,)) for name in ("one", "two")]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=600)
        assert not errors, errors
        one, two = results["one"], results["two"]
        assert one.failed == two.failed == 0
        assert one.skipped == two.skipped == 0  # no sweeper ever met an action the other had taken
        assert one.deadlines.isdisjoint(two.deadlines)
        assert one.reminders + two.reminders == expected["reminder"]
        assert one.chases + two.chases == expected["chase"]
        assert one.escalations + two.escalations == expected["escalation"]

        with db.state(app).factory() as session:
            actions = session.execute(select(DeadlineAction.deadline_id, DeadlineAction.action)).all()
            assert len(actions) == len(set(actions)) == sum(expected.values())
            assert Counter(a.split(":")[0] for _d, a in actions) == expected

            events = Counter(session.scalars(select(CaseEvent.kind)).all())
            assert events["deadline.reminder"] == expected["reminder"]
            assert events["deadline.chase"] == expected["chase"]
            assert events["deadline.passed"] == expected["escalation"]
            assert events["case.escalated"] == half  # each first-group case went up one tier, once
            tiers = Counter(session.scalars(select(Case.tier)).all())
            assert tiers == Counter({2: half, 1: half})

            tasks = session.execute(select(CaseTask.case_id, CaseTask.party)).all()
            assert len(tasks) == len(set(tasks)) == expected["chase"]

            # Nobody was told anything twice.
            told = Counter(session.execute(
                select(Notification.user_id, Notification.kind, Notification.title)).all())
            assert told and max(told.values()) == 1
            assert session.scalar(select(func.count(Notification.id)).where(
                Notification.kind == "case.escalated")) >= half

            open_tier = session.scalar(select(func.count(Deadline.id)).where(
                Deadline.kind == DeadlineKind.TIER, Deadline.status == DeadlineStatus.OPEN))
            assert open_tier == cases_total  # the new tier-2 deadlines, and the second group's tier 1
            for case in session.scalars(select(Case)):
                assert verify_chain(session, case).ok, case.reference

        # A third sweep at the same moment finds nothing left to do.
        with app.app_context(), db.state(app).factory() as session:
            late = sweeping.sweep(session, now)
        assert (late.reminders, late.chases, late.escalations) == (0, 0, 0)
