"""Moving a case through its states: the one way a case's state changes."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from odr.mediation.core.events import append_event
from odr.mediation.core.kinds import EventKinds
from odr.mediation.core.labels import state_label
from odr.mediation.core.models import Case
from odr.mediation.core.signals import state_changed
from odr.mediation.core.states import ACTIVE, LABELS, CaseState, can_move
from odr.platform.db import utcnow
from odr.platform.errors import Conflict
from odr.tenants.models import User

KINDS = EventKinds()


def _state_changed(p: dict[str, Any], case: Case) -> tuple[str, str]:
    to = p.get("to")
    title = _("The case is now: %(state)s", state=state_label(to)) if to else _("The case changed its state")
    return title, p.get("reason") or ""


STATE_CHANGED = KINDS.declare("case.state_changed", _state_changed)


def move(session: Session, case: Case, target: CaseState, *, actor: User | None, reason: str | None = None) -> None:
    """Change the state as the table allows; an illegal move is a clear error and changes nothing.

    Leaving the active states is announced (``signals.state_changed``): the deadlines capability
    cancels the case's open deadlines then.
    """
    if not can_move(case.state, target):
        raise Conflict(str(_l("A case that is %(current)s cannot become %(target)s.",
                              current=str(LABELS[case.state]).lower(), target=str(LABELS[target]).lower())))
    previous = case.state
    case.state = target
    if target is CaseState.CLOSED:
        case.closed_at = utcnow()
    state_changed.send(session, case=case, previous=previous, target=target, actor=actor, active=target in ACTIVE)
    append_event(session, case, STATE_CHANGED, actor=actor,
                 payload={"from": previous.value, "to": target.value, "reason": reason})
