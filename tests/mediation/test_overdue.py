"""``Case.overdue_from`` follows every change of a case's deadlines and state, and the overdue
filter built on it lists exactly the cases that have an open or passed deadline already due."""

from __future__ import annotations

import importlib.util
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import and_, exists, select, update

from odr.mediation.cases import queries
from odr.mediation.cases import services as cases
from odr.mediation.core.models import Case
from odr.mediation.deadlines import services as deadlines
from odr.mediation.deadlines import sweep as sweeping
from odr.mediation.deadlines.models import Deadline, DeadlineKind, DeadlineStatus
from odr.mediation.deadlines.overdue import COUNTING, IN_PROGRESS
from tests.mediation.case_helpers import NOW

MIGRATION = Path(__file__).parents[2] / "migrations/versions/20261122_b4e1c9a0d201_case_list_search_and_overdue.py"


def _expected(session, case: Case) -> datetime | None:
    """What the column should hold, from the deadlines themselves."""
    if case.state not in IN_PROGRESS:
        return None
    return session.scalar(select(Deadline.due_at).where(
        Deadline.case_id == case.id, Deadline.status.in_(list(COUNTING))).order_by(Deadline.due_at).limit(1))


def _in_step(session, case: Case) -> datetime | None:
    """The stored value, checked against the deadlines and against the case already loaded."""
    stored = session.execute(select(Case.overdue_from).where(Case.id == case.id)).scalar_one()
    assert stored == _expected(session, case)
    assert case.overdue_from == stored  # the loaded case was told, without a reload
    return stored


def _overdue_by_deadlines(now: datetime):
    """The definition the column stands for, searched in the deadlines."""
    return and_(Case.state.in_(list(IN_PROGRESS)), exists(select(Deadline.id).where(
        Deadline.case_id == Case.id, Deadline.status.in_(list(COUNTING)), Deadline.due_at < now)))


def _listed_overdue(session, user, now: datetime) -> set[int]:
    return {c.id for c in queries.list_cases(session, user, {"overdue": True}, now=now).items}


def _agrees_with_the_deadlines(session, user, moments: list[datetime]) -> None:
    for now in moments:
        expected = set(session.scalars(select(Case.id).where(Case.tenant_id == user.tenant_id,
                                                             _overdue_by_deadlines(now))))
        assert _listed_overdue(session, user, now) == expected, now


def test_an_open_case_is_overdue_from_its_earliest_deadline(app, session, running):
    _tenant, people, case = running
    due = _in_step(session, case)
    tier = session.scalars(select(Deadline).where(Deadline.case_id == case.id, Deadline.kind == DeadlineKind.TIER,
                                                  Deadline.status == DeadlineStatus.OPEN)).one()
    assert due == tier.due_at  # the tier ends before the 90-day outcome limit
    admin = people["admin"]
    assert _listed_overdue(session, admin, due) == set()  # due at that instant, not before
    assert _listed_overdue(session, admin, due + timedelta(seconds=1)) == {case.id}
    page = queries.list_cases(session, admin, {}, now=due + timedelta(seconds=1))
    assert page.overdue_ids == {case.id}
    assert queries.list_cases(session, admin, {}, now=NOW).overdue_ids == frozenset()


def test_paused_met_and_moved_deadlines_are_followed(app, session, running):
    _tenant, people, case = running
    manager = people["case_manager"]
    with app.app_context():
        response = deadlines.expect_response(session, case, "insurer", "send the loss adjuster's report",
                                             now=NOW - timedelta(days=30))  # its 14 days are long gone
        session.commit()
        assert _in_step(session, case) == response.due_at
        deadlines.party_acted(session, case, "insurer")  # met: no longer counts
        session.commit()
        tier_due = _in_step(session, case)
        assert tier_due > response.due_at

        deadlines.close_deadlines(session, case, kinds=[DeadlineKind.TIER])
        session.commit()
        outcome_due = _in_step(session, case)
        assert outcome_due == case.outcome_due_at  # only the outcome clock is left
        deadlines.pause_clock(session, manager, case, "Waiting for the repair quote", now=NOW + timedelta(days=1))
        session.commit()
        assert _in_step(session, case) is None  # a paused clock cannot fall due
        deadlines.resume_clock(session, manager, case, now=NOW + timedelta(days=4))
        session.commit()
        assert _in_step(session, case) == case.outcome_due_at > outcome_due
        deadlines.extend_clock(session, manager, case, "A complex dispute about the valuation")
        session.commit()
        assert _in_step(session, case) == case.outcome_due_at
    _agrees_with_the_deadlines(session, people["admin"], [NOW, case.outcome_due_at + timedelta(minutes=1)])


def test_a_passed_deadline_keeps_the_case_overdue_until_the_case_ends(app, session, running):
    _tenant, people, case = running
    tier = session.scalars(select(Deadline).where(Deadline.case_id == case.id, Deadline.kind == DeadlineKind.TIER,
                                                  Deadline.status == DeadlineStatus.OPEN)).one()
    after = tier.due_at + timedelta(minutes=5)
    with app.app_context():
        sweeping.sweep(session, after)  # the tier passes: the case goes up a tier with a new deadline
        session.commit()
    session.refresh(tier)
    assert tier.status is DeadlineStatus.PASSED and case.tier == 3
    assert _in_step(session, case) == tier.due_at
    assert _listed_overdue(session, people["admin"], after) == {case.id}
    _agrees_with_the_deadlines(session, people["admin"], [NOW, after, after + timedelta(days=400)])

    with app.app_context():
        cases.withdraw(session, people["case_manager"], case, {"reason": "The customer accepted an offer"})
        session.commit()
    assert _in_step(session, case) is None
    assert _listed_overdue(session, people["admin"], after) == set()
    _agrees_with_the_deadlines(session, people["admin"], [after, after + timedelta(days=400)])


def test_the_migration_fills_the_column_for_existing_cases(app, session, running):
    _tenant, people, case = running
    with app.app_context():
        deadlines.expect_response(session, case, "customer", "send photos", now=NOW - timedelta(days=30))
        session.commit()
    expected = _in_step(session, case)
    session.execute(update(Case).where(Case.id == case.id).values(overdue_from=None)
                    .execution_options(synchronize_session=False))
    spec = importlib.util.spec_from_file_location("case_list_search_and_overdue", MIGRATION)
    revision = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(revision)
    session.connection().exec_driver_sql(revision.BACKFILL)
    assert session.execute(select(Case.overdue_from).where(Case.id == case.id)).scalar_one() == expected
