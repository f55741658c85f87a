"""A referral from intake to an open, assigned case, with its audit chain intact."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from sqlalchemy import select

from odr.mediation.cases import services
from odr.mediation.core.events import CaseEvent, verify_chain
from odr.mediation.core.states import CaseState
from odr.mediation.deadlines import services as deadlines
from odr.mediation.deadlines import sweep as sweeping
from odr.mediation.deadlines.models import CaseTask, Deadline, DeadlineKind, DeadlineStatus
from odr.platform.errors import Conflict, ValidationFailed
from odr.platform.mail import OutboxEmail
from odr.tenants.models import Invitation
from tests.mediation.case_helpers import referral

NOW = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


@time_machine.travel(NOW, tick=False)
def test_refer_screen_open_assign(app, session, tenant, scoped):
    agent, manager, mediator = scoped["insurer_agent"], scoped["case_manager"], scoped["mediator"]
    with app.app_context():
        case, created = services.refer(session, agent, referral(idempotency_key="ref-0001-abcd"))
        session.commit()
        assert created and case.state is CaseState.REFERRED and case.tier == 1
        assert case.reference == "MED-2026-000001"
        assert case.amount_minor == 425000
        again, created_again = services.refer(session, agent, referral(idempotency_key="ref-0001-abcd"))
        assert again.id == case.id and not created_again

        services.start_screening(session, manager, case)
        assert all(r.passed for r in services.screening_results(session, case))
        services.accept(session, manager, case, base_url="http://localhost", invitation_days=7)
        services.assign_mediator(session, manager, case, scoped["mediator"].public_id)
        session.commit()

    assert case.state is CaseState.OPEN and case.tier == 2 and case.mediator_id == mediator.id
    assert case.outcome_due_at == datetime(2026, 5, 31, 22, 59, 59, tzinfo=UTC)  # 90 days, London summer time
    invitation = session.scalars(select(Invitation).where(Invitation.email == "chris@example.com")).one()
    assert invitation.next_path.endswith(f"/cases/{case.public_id}")
    subjects = session.scalars(select(OutboxEmail.subject).where(OutboxEmail.recipient == "chris@example.com")).all()
    assert any("is open" in s for s in subjects)
    assert verify_chain(session, case).ok
    kinds = session.scalars(select(CaseEvent.kind).where(CaseEvent.case_id == case.id).order_by(CaseEvent.seq)).all()
    assert kinds[0] == "case.referred" and "case.mediator_assigned" in kinds


@time_machine.travel(NOW, tick=False)
def test_bad_referrals_change_nothing(app, session, tenant, scoped):
    agent = scoped["insurer_agent"]
    bad = [
        ({"final_response_date": "2025-10-01"}, "final_response_date"),
        ({"complaint_date": "2027-01-01"}, "complaint_date"),
        ({"amount": "-5"}, "amount"),
        ({"amount": "99999999999999"}, "amount"),
        ({"currency": "XYZ"}, "currency"),
        ({"customer_email": "not-an-email"}, "customer_email"),
        ({"amount": "12.345"}, "amount"),
    ]
    with app.app_context():
        for change, field in bad:
            with pytest.raises(ValidationFailed) as error:
                services.refer(session, agent, referral(**change))
            assert field in error.value.fields, (change, error.value.fields)
    session.rollback()
    assert session.scalars(select(CaseEvent)).all() == []


@time_machine.travel(NOW, tick=False)
def test_a_failed_rule_is_overridden_with_a_reason_and_illegal_moves_are_refused(app, session, tenant, scoped):
    agent, manager = scoped["insurer_agent"], scoped["case_manager"]
    with app.app_context():
        case, _ = services.refer(session, agent, referral(final_response_date="2025-06-01",
                                                          complaint_date="2025-05-01",
                                                          escalation_steps=[]))
        failed = [r for r in services.screening_results(session, case) if not r.passed]
        assert [r.rule for r in failed] == ["referred_in_time"]
        with pytest.raises(ValidationFailed):
            services.accept(session, manager, case, base_url="http://x", invitation_days=7)
        services.override_rule(session, manager, case, {"rule": "referred_in_time",
                                                         "reason": "Customer was in hospital"})
        services.accept(session, manager, case, base_url="http://x", invitation_days=7)
        assert case.state is CaseState.OPEN
        with pytest.raises(Conflict):
            services.move(session, case, CaseState.SCREENING, actor=manager)
        assert case.state is CaseState.OPEN


def test_sweep_reminds_then_escalates_exactly_once(app, session, tenant, scoped):
    agent = scoped["insurer_agent"]
    with time_machine.travel(NOW, tick=False), app.app_context():
        case, _ = services.refer(session, agent, referral())
        deadlines.expect_response(session, case, "insurer", "the insurer's documents")
        session.commit()
    tier_due = session.scalars(select(Deadline).where(Deadline.kind == DeadlineKind.TIER)).one().due_at
    with app.app_context():
        first = sweeping.sweep(session, tier_due - timedelta(days=3) + timedelta(minutes=1))
        again = sweeping.sweep(session, tier_due - timedelta(days=3) + timedelta(minutes=2))
        assert first.reminders >= 1 and again.reminders == 0
        late = sweeping.sweep(session, tier_due + timedelta(minutes=1))
    assert late.escalations >= 1
    session.expire_all()
    assert case.tier == 2 and case.attention_reason
    assert session.scalars(select(CaseTask)).all()  # the silent insurer is to be phoned
    assert verify_chain(session, case).ok
    assert session.scalars(select(Deadline).where(Deadline.status == DeadlineStatus.PASSED)).all()


def test_daylight_saving_does_not_move_local_due_times():
    from odr.platform import calendar as clock

    due = clock.due_after_days(datetime(2026, 3, 20, 12, tzinfo=UTC), 10, "Europe/London")
    assert due == datetime(2026, 3, 30, 22, 59, 59, tzinfo=UTC)  # 23:59:59 BST
    reminder = clock.days_before(due, 3, "Europe/London")
    assert reminder == datetime(2026, 3, 27, 23, 59, 59, tzinfo=UTC)  # 23:59:59 GMT, before the change
    assert clock.local_date(reminder, "Europe/London") == date(2026, 3, 27)
