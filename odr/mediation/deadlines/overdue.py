"""A case's ``overdue_from``: from when the case lists show it as overdue.

A case is overdue when it is in progress (referred, screening, open or settled) and one of its
deadlines is open or passed and fell due before now. ``Case.overdue_from`` holds the earliest due
time of those deadlines while the case is in progress, and None otherwise, so the lists filter with
one indexed comparison (``overdue_from < now``) instead of searching the deadlines of every case.

The column is recomputed from the database after every flush that adds or removes a deadline,
changes its due time, moves it into or out of the open and passed states, or moves a case into or
out of progress. Whatever service makes the change, the column follows; only bulk UPDATE
statements on deadlines would bypass it (there are none: deadlines change as ORM objects).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Update, case, func, select, update
from sqlalchemy.orm import Session, attributes
from sqlalchemy.orm.util import identity_key

from odr.mediation.core.models import Case
from odr.mediation.core.states import CaseState
from odr.mediation.deadlines.models import Deadline, DeadlineStatus
from odr.platform.db import listen_once

COUNTING = frozenset({DeadlineStatus.OPEN, DeadlineStatus.PASSED})
IN_PROGRESS = frozenset({CaseState.REFERRED, CaseState.SCREENING, CaseState.OPEN, CaseState.SETTLED})
_PENDING = "odr_overdue_from"


def refresh_statement(case_ids: Iterable[int] | None = None) -> Update:
    """An UPDATE that recomputes ``overdue_from`` of ``case_ids`` (every case when None)."""
    cases, deadlines = Case.__table__, Deadline.__table__
    earliest = (
        select(func.min(deadlines.c.due_at))
        .where(deadlines.c.case_id == cases.c.id, deadlines.c.status.in_(sorted(COUNTING)))
        .scalar_subquery()
    )
    statement = update(cases).values(
        overdue_from=case((cases.c.state.in_(sorted(IN_PROGRESS)), earliest), else_=None))
    if case_ids is not None:
        statement = statement.where(cases.c.id.in_(sorted(case_ids)))
    return statement


def _changed(obj: Any, key: str) -> tuple[Any, Any] | None:
    """(old, new) of an attribute changed in this flush, or None."""
    history = attributes.get_history(obj, key)
    if not history.has_changes():
        return None
    old = history.deleted[0] if history.deleted else None
    new = history.added[0] if history.added else None
    return old, new


def _affected_cases(session: Session) -> set[int]:
    ids: set[int] = set()
    for obj in list(session.new) + list(session.deleted):
        if isinstance(obj, Deadline) and obj.case_id is not None:
            ids.add(obj.case_id)
    for obj in session.dirty:
        if isinstance(obj, Deadline):
            status = _changed(obj, "status")
            if _changed(obj, "due_at") or (status and (status[0] in COUNTING) != (status[1] in COUNTING)):
                ids.add(obj.case_id)
        elif isinstance(obj, Case):
            state = _changed(obj, "state")
            if state and (state[0] in IN_PROGRESS) != (state[1] in IN_PROGRESS):
                ids.add(obj.id)
    return ids


def _recompute(session: Session, flush_context: Any) -> None:
    ids = _affected_cases(session)
    if not ids:
        return
    cases = Case.__table__
    rows = session.connection().execute(refresh_statement(ids).returning(cases.c.id, cases.c.overdue_from))
    session.info.setdefault(_PENDING, {}).update({row.id: row.overdue_from for row in rows})


def _show_in_loaded_cases(session: Session, flush_context: Any) -> None:
    """The loaded cases see the new value without another SELECT."""
    for case_id, value in session.info.pop(_PENDING, {}).items():
        loaded = session.identity_map.get(identity_key(Case, case_id))
        if loaded is not None:
            attributes.set_committed_value(loaded, "overdue_from", value)


def init() -> None:
    """Keep ``Case.overdue_from`` in step with every flush of deadlines or states (once per process)."""
    listen_once(Session, "after_flush", _recompute)
    listen_once(Session, "after_flush_postexec", _show_in_loaded_cases)
