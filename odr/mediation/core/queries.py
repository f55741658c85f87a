"""Finding a case as a user may see it, and the entries of its stream they may read."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from odr.mediation.core.access import visible_cases, visible_channels
from odr.mediation.core.events import CaseEvent
from odr.mediation.core.models import Case
from odr.platform.errors import NotFound, public_key

REFERENCE_LENGTH = 32  # the column's length


def case_for(session: Session, user: Any, public_id: Any) -> Case:
    """The case ``public_id`` if ``user`` may see it; anything else (malformed, foreign, hidden) is not found."""
    key = public_key(public_id, str(_l("We could not find that case.")))
    case = session.scalar(
        select(Case).where(Case.public_id == key, Case.tenant_id == user.tenant_id, visible_cases(user))
    )
    if case is None:
        raise NotFound(str(_l("We could not find that case.")))
    return case


def case_by_reference(session: Session, user: Any, reference: str) -> Case:
    """The case with the human ``reference`` (any letter case, spaces around it ignored) if ``user``
    may see it; a reference unknown or hidden from them is not found, with the same words as any case."""
    text = reference.strip()
    case = None
    # What cannot be a reference is not looked up (a NUL byte is an error on SQLite, not a miss).
    if 0 < len(text) <= REFERENCE_LENGTH and text.isprintable():
        case = session.scalar(select(Case).where(
            Case.tenant_id == user.tenant_id, Case.reference.in_(sorted({text, text.upper()})), visible_cases(user)))
    if case is None:
        raise NotFound(str(_l("We could not find that case.")))
    return case


def timeline(session: Session, user: Any, case: Case) -> list[CaseEvent]:
    """The events of ``case`` that ``user`` may see, newest first."""
    channels = visible_channels(user, case)
    if not channels:
        return []
    return list(session.scalars(
        select(CaseEvent)
        .where(CaseEvent.case_id == case.id, CaseEvent.channel.in_(sorted(channels)))
        .order_by(CaseEvent.seq.desc())
    ))
