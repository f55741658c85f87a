"""The state table of the kernel: every allowed move succeeds through ``move()``, announces itself
and is recorded; every other move is refused with a Conflict and changes nothing."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from odr.mediation.core.events import CaseEvent
from odr.mediation.core.kinds import describe, in_timeline
from odr.mediation.core.lifecycle import STATE_CHANGED, move
from odr.mediation.core.models import Case
from odr.mediation.core.signals import state_changed
from odr.mediation.core.states import ACTIVE, LABELS, TRANSITIONS, CaseState, can_move
from odr.mediation.deadlines.models import Deadline, DeadlineStatus
from odr.platform.errors import Conflict
from tests.mediation.case_helpers import refer

S = CaseState

# The table as the process describes it, written out here rather than read from the code, so a
# move added to or dropped from ``TRANSITIONS`` fails a test.
EXPECTED = {
    S.REFERRED: {S.SCREENING, S.WITHDRAWN},
    S.SCREENING: {S.OPEN, S.REJECTED, S.WITHDRAWN},
    S.OPEN: {S.SETTLED, S.NOT_SETTLED, S.WITHDRAWN},
    S.SETTLED: {S.CLOSED},
    S.NOT_SETTLED: {S.CLOSED},
    S.WITHDRAWN: {S.CLOSED},
    S.REJECTED: {S.CLOSED},
    S.CLOSED: set(),
}
EXPECTED_ACTIVE = {S.REFERRED, S.SCREENING, S.OPEN}


def test_the_table_holds_exactly_the_expected_moves():
    assert {state: set(targets) for state, targets in TRANSITIONS.items()} == EXPECTED


def test_can_move_answers_for_every_pair_of_states():
    answers = {(current, target): can_move(current, target) for current in S for target in S}
    assert answers == {(current, target): target in EXPECTED[current] for current in S for target in S}


def test_the_active_states_are_exactly_referred_screening_and_open():
    assert set(ACTIVE) == EXPECTED_ACTIVE


def test_every_state_has_a_label_of_its_own():
    assert set(LABELS) == set(S)
    assert len({str(label) for label in LABELS.values()}) == len(S)


@pytest.fixture
def case(app, session, scoped) -> Case:
    """A referred case of the scoped tenant, committed to the test's transaction."""
    return refer(app, session, scoped["insurer_agent"])


def _put(session, case: Case, state: CaseState) -> None:
    """Place ``case`` in ``state`` directly, as the arrangement of a test (not a move)."""
    case.state = state
    case.closed_at = None
    session.flush()


def _events_in_database(session, case: Case) -> int:
    return session.scalar(select(func.count()).select_from(CaseEvent).where(CaseEvent.case_id == case.id))


def _last_event(session, case: Case) -> CaseEvent:
    return session.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id)
                           .order_by(CaseEvent.seq.desc()).limit(1)).one()


class _Heard:
    """A receiver of ``state_changed`` that keeps what it was sent."""

    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []

    def __call__(self, sender: Any, **kwargs: Any) -> None:
        self.calls.append({"sender": sender, **kwargs})


@pytest.mark.parametrize("current", list(S), ids=[s.value for s in S])
def test_every_allowed_move_succeeds_and_every_other_is_refused(app, session, scoped, case, current):
    actor = scoped["case_manager"]
    for target in S:
        _put(session, case, current)
        seq_before, rows_before = case.last_seq, _events_in_database(session, case)
        heard = _Heard()
        with app.test_request_context(), state_changed.connected_to(heard):
            if target in EXPECTED[current]:
                move(session, case, target, actor=actor, reason=f"to {target.value}")
            else:
                with pytest.raises(Conflict) as refused:
                    move(session, case, target, actor=actor, reason="not allowed")
        session.flush()
        if target not in EXPECTED[current]:
            assert "cannot become" in refused.value.message, (current, target)
            assert case.state is current, (current, target)
            assert case.closed_at is None
            assert case.last_seq == seq_before
            assert _events_in_database(session, case) == rows_before
            assert heard.calls == [], (current, target)
            continue
        assert case.state is target, (current, target)
        assert (case.closed_at is not None) is (target is S.CLOSED), (current, target)
        assert case.last_seq == seq_before + 1
        event = _last_event(session, case)
        assert (event.seq, event.kind, event.actor_id) == (seq_before + 1, STATE_CHANGED, actor.id)
        assert event.payload == {"from": current.value, "to": target.value, "reason": f"to {target.value}"}
        assert len(heard.calls) == 1, (current, target)
        call = heard.calls[0]
        assert call["sender"] is session
        assert (call["case"], call["previous"], call["target"], call["actor"]) == (case, current, target, actor)
        assert call["active"] is (target in EXPECTED_ACTIVE), (current, target)


def test_a_refused_move_names_both_states_in_plain_words(app, session, case):
    _put(session, case, S.CLOSED)
    with app.test_request_context(), pytest.raises(Conflict) as refused:
        move(session, case, S.OPEN, actor=None)
    assert refused.value.message == "A case that is closed cannot become in mediation."
    _put(session, case, S.SCREENING)
    with app.test_request_context(), pytest.raises(Conflict) as refused:
        move(session, case, S.SETTLED, actor=None)
    assert refused.value.message == "A case that is being screened cannot become settled."


def test_a_move_without_a_reason_or_an_actor_is_recorded_as_the_systems(app, session, case):
    with app.test_request_context():
        move(session, case, S.WITHDRAWN, actor=None)
    session.flush()
    event = _last_event(session, case)
    assert event.payload == {"from": "referred", "to": "withdrawn", "reason": None}
    assert (event.actor_id, event.actor_label) == (None, "system")


def test_leaving_the_active_states_cancels_the_open_deadlines_and_staying_keeps_them(app, session, case):
    def open_deadlines() -> int:
        session.expire_all()
        return session.scalar(select(func.count()).select_from(Deadline).where(
            Deadline.case_id == case.id, Deadline.status == DeadlineStatus.OPEN))

    assert open_deadlines() == 1  # the screening tier's
    with app.test_request_context():
        move(session, case, S.SCREENING, actor=None)
        assert open_deadlines() == 1
        move(session, case, S.REJECTED, actor=None, reason="out of scope")
    assert open_deadlines() == 0


def test_a_state_change_reads_as_the_new_state_and_its_reason(app, session, case):
    with app.test_request_context():
        assert describe(STATE_CHANGED, {"from": "screening", "to": "open", "reason": "Eligible."}, case) == (
            "The case is now: In mediation", "Eligible.")
        assert describe(STATE_CHANGED, {"to": "rejected"}, case) == ("The case is now: Not accepted", "")
        assert describe(STATE_CHANGED, {}, case) == ("The case changed its state", "")
    assert in_timeline(STATE_CHANGED)
