"""Who may do what in a case room, registered into the one ``can()``."""

from __future__ import annotations

from typing import Any

from odr.mediation.core.access import STAFF, visible_channels
from odr.mediation.core.models import Case
from odr.mediation.core.states import CaseState
from odr.platform.permissions import Rules
from odr.tenants.models import Role

RULES = Rules()

# A room opens with the mediation and stays readable afterwards; before that there is nothing to say.
ROOM_STATES = {CaseState.OPEN, CaseState.SETTLED, CaseState.NOT_SETTLED, CaseState.CLOSED, CaseState.WITHDRAWN}


def _moderates(user: Any, case: Case | None) -> bool:
    role = Role(user.role)
    if role in STAFF:
        return True
    return role is Role.MEDIATOR and (case is None or case.mediator_id == user.id)


@RULES.rule("rooms.join", target="case", description="Enter a case's room and read the channels one may see")
def _join(user: Any, case: Case | None) -> bool:
    if case is None:
        return True
    return case.state in ROOM_STATES and bool(visible_channels(user, case))


@RULES.rule("rooms.post", target="case", description="Write in a case's room while the mediation is open")
def _post(user: Any, case: Case | None) -> bool:
    if case is None:
        return True
    return case.state is CaseState.OPEN and bool(visible_channels(user, case))


@RULES.rule("rooms.moderate", target="case",
      description="Carry a message across channels, switch shuttle-only mode on or off")
def _moderate(user: Any, case: Case | None) -> bool:
    if case is not None and case.state is not CaseState.OPEN:
        return False
    return _moderates(user, case)


@RULES.rule("rooms.use_templates", description="Keep personal reply templates and use the tenant's")
def _use_templates(user: Any, target: Any) -> bool:
    return Role(user.role) in STAFF | {Role.MEDIATOR}


@RULES.rule("rooms.manage_shared_templates", description="Write the reply templates the whole tenant uses")
def _shared_templates(user: Any, target: Any) -> bool:
    return Role(user.role) in STAFF
