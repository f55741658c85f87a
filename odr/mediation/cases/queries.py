"""Reading cases: lists with filters, search and pages; one case; its timeline and open deadlines.

Every read goes through ``visible_cases(user)``, so a list, a page and the API show the same cases.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, Select, and_, exists, func, or_, select
from sqlalchemy.orm import Session, selectinload

from odr.mediation.cases.models import Case
from odr.mediation.cases.policy import visible_cases, visible_channels
from odr.mediation.cases.schemas import UNASSIGNED
from odr.mediation.cases.states import CaseState
from odr.mediation.deadlines.models import Deadline, DeadlineStatus
from odr.mediation.events import CaseEvent
from odr.platform.db import utcnow
from odr.platform.errors import NotFound
from odr.tenants.models import Organisation, Role, User

PAGE_SIZE = 25
# A case whose story has ended cannot be overdue any more, whatever deadline passed on the way.
FINISHED = (CaseState.CLOSED, CaseState.WITHDRAWN, CaseState.REJECTED, CaseState.NOT_SETTLED)
WAITING_FOR_SCREENING = [CaseState.REFERRED, CaseState.SCREENING]


@dataclass(frozen=True)
class CasePage:
    """One page of a case list and what is needed to link to the others."""

    items: list[Case]
    total: int
    page: int
    page_size: int
    overdue_ids: frozenset[int] = frozenset()

    @property
    def pages(self) -> int:
        """How many pages the list has (at least one, even when empty)."""
        return max(1, math.ceil(self.total / self.page_size))


def overdue(now: datetime) -> ColumnElement[bool]:
    """A WHERE clause: the case is in progress and one of its deadlines is open or passed and due before ``now``."""
    return and_(
        Case.state.not_in(FINISHED),
        exists(
            select(Deadline.id).where(
                Deadline.case_id == Case.id,
                Deadline.status.in_([DeadlineStatus.OPEN, DeadlineStatus.PASSED]),
                Deadline.due_at < now,
            )
        ),
    )


def filtered(user: Any, filters: dict[str, Any], now: datetime) -> Select[tuple[Case]]:
    """The cases ``user`` may see that match ``filters`` (a loaded ``CaseFilterSchema``), unordered."""
    query = select(Case).where(Case.tenant_id == user.tenant_id, visible_cases(user))
    if filters.get("state"):
        query = query.where(Case.state.in_(list(filters["state"])))
    if filters.get("tier"):
        query = query.where(Case.tier == filters["tier"])
    if filters.get("overdue"):
        query = query.where(overdue(now))
    if filters.get("insurer"):
        query = query.where(Case.organisation_id.in_(
            select(Organisation.id).where(Organisation.public_id == filters["insurer"])))
    mediator = filters.get("mediator")
    if mediator == UNASSIGNED:
        query = query.where(Case.mediator_id.is_(None))
    elif mediator:
        query = query.where(Case.mediator_id.in_(select(User.id).where(User.public_id == UUID(mediator))))
    if filters.get("q"):
        text = filters["q"]
        query = query.where(or_(Case.reference.icontains(text, autoescape=True),
                                Case.customer_name.icontains(text, autoescape=True)))
    return query


def list_cases(
    session: Session, user: Any, filters: dict[str, Any], *, now: datetime | None = None, page_size: int = PAGE_SIZE
) -> CasePage:
    """One page of the cases ``user`` may see, newest referral first, with the total count.

    :param filters: a loaded ``CaseFilterSchema`` (state, tier, overdue, insurer, mediator, q, page)
    """
    now = now or utcnow()
    query = filtered(user, filters, now)
    total = session.scalar(select(func.count()).select_from(query.with_only_columns(Case.id).subquery())) or 0
    page = int(filters.get("page") or 1)
    items = list(session.scalars(
        query.options(selectinload(Case.mediator), selectinload(Case.case_manager))
        .order_by(Case.referred_at.desc(), Case.id.desc())
        .limit(page_size)
        .offset((page - 1) * page_size)
    ))
    overdue_ids: frozenset[int] = frozenset()
    if items:
        overdue_ids = frozenset(session.scalars(
            select(Case.id).where(Case.id.in_([c.id for c in items]), overdue(now))))
    return CasePage(items, total, page, page_size, overdue_ids)


def default_filters(user: Any) -> dict[str, Any]:
    """The cases a role starts from: a case manager's referrals waiting for screening, else everything."""
    if Role(user.role) is Role.CASE_MANAGER:
        return {"state": list(WAITING_FOR_SCREENING)}
    return {}


def case_for(session: Session, user: Any, public_id: Any) -> Case:
    """The case ``public_id`` if ``user`` may see it; anything else (malformed, foreign, hidden) is not found."""
    try:
        key = public_id if isinstance(public_id, UUID) else UUID(str(public_id))
    except ValueError:
        raise NotFound(str(_l("We could not find that case."))) from None
    case = session.scalar(
        select(Case).where(Case.public_id == key, Case.tenant_id == user.tenant_id, visible_cases(user))
    )
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


def open_deadlines(session: Session, case: Case) -> list[Deadline]:
    """The deadlines of ``case`` still running or paused, soonest first."""
    return list(session.scalars(
        select(Deadline)
        .where(Deadline.case_id == case.id, Deadline.status.in_([DeadlineStatus.OPEN, DeadlineStatus.PAUSED]))
        .order_by(Deadline.due_at)
    ))
