"""The case lifecycle: one table of allowed moves."""

from __future__ import annotations

import enum

from flask_babel import lazy_gettext as _l


class CaseState(enum.StrEnum):
    """Where a case is in its life."""

    REFERRED = "referred"
    SCREENING = "screening"
    OPEN = "open"
    SETTLED = "settled"
    NOT_SETTLED = "not_settled"
    WITHDRAWN = "withdrawn"
    REJECTED = "rejected"
    CLOSED = "closed"


S = CaseState

# The only moves a case can make. Anything else is refused with a clear error.
TRANSITIONS: dict[CaseState, frozenset[CaseState]] = {
    S.REFERRED: frozenset({S.SCREENING, S.WITHDRAWN}),
    S.SCREENING: frozenset({S.OPEN, S.REJECTED, S.WITHDRAWN}),
    S.OPEN: frozenset({S.SETTLED, S.NOT_SETTLED, S.WITHDRAWN}),
    S.SETTLED: frozenset({S.CLOSED}),
    S.NOT_SETTLED: frozenset({S.CLOSED}),
    S.WITHDRAWN: frozenset({S.CLOSED}),
    S.REJECTED: frozenset({S.CLOSED}),
    S.CLOSED: frozenset(),
}

ACTIVE = frozenset({S.REFERRED, S.SCREENING, S.OPEN})

LABELS = {
    S.REFERRED: _l("Referred"),
    S.SCREENING: _l("Being screened"),
    S.OPEN: _l("In mediation"),
    S.SETTLED: _l("Settled"),
    S.NOT_SETTLED: _l("Not settled"),
    S.WITHDRAWN: _l("Withdrawn"),
    S.REJECTED: _l("Not accepted"),
    S.CLOSED: _l("Closed"),
}


def can_move(current: CaseState, target: CaseState) -> bool:
    """True if the table allows ``current`` → ``target``."""
    return target in TRANSITIONS[current]
