"""Reading cases: lists with filters, search and pages; one case; its timeline and open deadlines.

Every read goes through ``visible_cases(user)``, so a list, a page and the API show the same cases.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import ColumnElement, Select, String, bindparam, func, or_, select
from sqlalchemy.orm import Session, joinedload, lazyload

from odr.mediation.cases.schemas import UNASSIGNED
from odr.mediation.core.access import visible_cases
from odr.mediation.core.models import Case
from odr.mediation.core.states import CaseState
from odr.platform.db import utcnow
from odr.tenants.models import Organisation, Role, User

PAGE_SIZE = 25
# The lists count matching cases up to here and then say "more than": an exact count of tens of
# thousands of cases costs more than the rest of the page, and nobody pages through them all.
COUNT_LIMIT = 1000
WAITING_FOR_SCREENING = [CaseState.REFERRED, CaseState.SCREENING]


@dataclass(frozen=True)
class CasePage:
    """One page of a case list and what is needed to link to the others.

    ``total`` is the number of matching cases; when ``more`` is set the count stopped there and
    more cases match (at least one page follows this one).
    """

    items: list[Case]
    total: int
    page: int
    page_size: int
    overdue_ids: frozenset[int] = frozenset()
    more: bool = False

    @property
    def pages(self) -> int:
        """How many pages the list has (at least one, even when empty); when ``more``, how many are known to."""
        return max(1, math.ceil((self.total + self.more) / self.page_size))

    @property
    def has_next(self) -> bool:
        """Another page follows this one."""
        return self.more or self.page < self.pages


def overdue(now: datetime) -> ColumnElement[bool]:
    """A WHERE clause: the case is in progress and one of its deadlines is open or passed and due before ``now``.

    ``Case.overdue_from`` holds exactly that earliest due time (``odr.mediation.deadlines.overdue``).
    """
    return Case.overdue_from < now


def _contains(text: str) -> str:
    """A LIKE pattern for ``text`` anywhere, with ``%`` and ``_`` taken literally (escape ``/``)."""
    escaped = text.replace("/", "//").replace("%", "/%").replace("_", "/_")
    return f"%{escaped}%"


def _starting(text: str) -> str:
    """A LIKE pattern for what starts with ``text``, with ``%`` and ``_`` taken literally (escape ``/``)."""
    return _contains(text)[1:]


def matching(text: str) -> ColumnElement[bool]:
    """A WHERE clause: ``text`` is part of the reference or of the customer's name, the start of the
    policy number, or the customer's whole e-mail address, ignoring case.

    ILIKE on the columns themselves, so that PostgreSQL's trigram indexes on them can serve it. The
    pattern goes into the SQL as a literal (still one cached statement for SQLAlchemy): with a bound
    parameter, a statement the driver has prepared gets a generic plan after a few runs, the same for
    "an" as for "Kowalski", and a trigram index scan for two letters reads the whole index. Addresses
    are stored in lower case (``odr.platform.schemas.Email``), so one equality on the (tenant, address)
    index finds them.
    """
    pattern = bindparam("pattern", _contains(text), type_=String(), literal_execute=True)
    start = bindparam("start", _starting(text), type_=String(), literal_execute=True)
    clauses = [Case.reference.ilike(pattern, escape="/"), Case.customer_name.ilike(pattern, escape="/"),
               Case.policy_number.ilike(start, escape="/")]
    if "@" in text:
        clauses.append(Case.customer_email == text.lower())
    return or_(*clauses)


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
        # One value, not a set: the planner then estimates one insurer's share of the cases and walks
        # the (tenant, insurer, referral time) index instead of misjudging a semi-join.
        query = query.where(Case.organisation_id == select(Organisation.id).where(
            Organisation.public_id == filters["insurer"], Organisation.tenant_id == user.tenant_id
        ).scalar_subquery())
    mediator = filters.get("mediator")
    if mediator == UNASSIGNED:
        query = query.where(Case.mediator_id.is_(None))
    elif mediator:
        query = query.where(Case.mediator_id.in_(select(User.id).where(User.public_id == UUID(mediator))))
    if filters.get("q"):
        query = query.where(matching(filters["q"]))
    return query


NEWEST_FIRST = (Case.referred_at.desc(), Case.id.desc())


def _shown(query: Select[Any]) -> Select[Any]:
    """``query`` with what a list shows of each case loaded with it.

    The people a row names come in the same statement, but not their organisations and tenants
    (three joins more each, which cost the planner more than the statement takes to run).
    """
    return query.options(joinedload(Case.mediator).lazyload("*"), joinedload(Case.case_manager).lazyload("*"),
                         lazyload(Case.representatives))


def _count(session: Session, query: Select[tuple[Case]], limit: int | None) -> tuple[int, bool]:
    """How many cases ``query`` matches, counting at most ``limit`` of them (then: ``limit``, True).

    A capped count stops at the ``limit + 1``-th match instead of visiting every one.
    """
    ids = query.with_only_columns(Case.id)
    if limit is not None:
        ids = ids.limit(limit + 1)
    counted = session.scalar(select(func.count()).select_from(ids.subquery())) or 0
    return (limit, True) if limit is not None and counted > limit else (counted, False)


def _page_and_count(
    session: Session, query: Select[tuple[Case]], offset: int, page_size: int, limit: int | None,
    first: ColumnElement[bool] | None = None,
) -> tuple[list[Case], int, bool]:
    """A page of ``query``'s cases (those matching ``first`` before the others), then their count (none
    needed when the page is the last one)."""
    order = (first.desc(), *NEWEST_FIRST) if first is not None else NEWEST_FIRST
    items = list(session.scalars(_shown(query).order_by(*order).limit(page_size).offset(offset)))
    if 0 < len(items) < page_size or (not items and not offset):
        return items, offset + len(items), False
    return items, *_count(session, query, limit)


def _page_with_count(
    session: Session, query: Select[tuple[Case]], offset: int, page_size: int, limit: int
) -> tuple[list[Case], int, bool]:
    """A page and the count up to ``limit`` in one statement, so that the filters run once.

    For a search, whose ``ILIKE`` costs more than everything else: the first ``limit + 1`` matches,
    newest first, are taken once (a CTE), counted, and the page is cut from them.
    """
    matched = (query.with_only_columns(Case.id, Case.referred_at).order_by(*NEWEST_FIRST).limit(limit + 1)
               .cte("matched"))
    counted = select(func.count()).select_from(matched).scalar_subquery()
    on_page = (select(matched.c.id).order_by(matched.c.referred_at.desc(), matched.c.id.desc())
               .limit(page_size).offset(offset).subquery("on_page"))
    # A join rather than ``IN``: the planner then knows it fetches a page of cases by their key.
    rows = session.execute(_shown(select(Case, counted).join(on_page, on_page.c.id == Case.id))
                           .order_by(*NEWEST_FIRST)).all()
    if not rows:  # nothing matched, or a page past the last one
        return [], *(_count(session, query, limit) if offset else (0, False))
    total = rows[0][1]
    return [row[0] for row in rows], min(total, limit), total > limit


def list_cases(
    session: Session, user: Any, filters: dict[str, Any], *, now: datetime | None = None, page_size: int = PAGE_SIZE,
    count_limit: int | None = None, first: ColumnElement[bool] | None = None,
) -> CasePage:
    """One page of the cases ``user`` may see, newest referral first, with the total count.

    :param filters: a loaded ``CaseFilterSchema`` (state, tier, overdue, insurer, mediator, q, page)
    :param count_limit: count at most this many matches (or as many as reach to the end of this page,
        if that is more) and report ``more`` beyond; None counts them all
    :param first: the cases matching this clause come before the others (each part newest first)
    """
    now = now or utcnow()
    query = filtered(user, filters, now)
    page = int(filters.get("page") or 1)
    offset = (page - 1) * page_size
    limit = None if count_limit is None else max(count_limit, offset + page_size)
    if limit is not None and filters.get("q") and first is None:
        items, total, more = _page_with_count(session, query, offset, page_size, limit)
    else:
        # Other filters match many cases in no useful order; a count that stops early, without
        # sorting them, is cheaper than taking them newest first as the single statement must.
        items, total, more = _page_and_count(session, query, offset, page_size, limit, first)
    overdue_ids = frozenset(c.id for c in items if c.overdue_from is not None and c.overdue_from < now)
    return CasePage(items, total, page, page_size, overdue_ids, more)


def default_filters(user: Any) -> dict[str, Any]:
    """The cases a role starts from: a case manager's referrals waiting for screening, else everything."""
    if Role(user.role) is Role.CASE_MANAGER:
        return {"state": list(WAITING_FOR_SCREENING)}
    return {}
