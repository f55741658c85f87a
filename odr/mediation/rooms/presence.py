"""Who is in a case's room: a row per socket and case, kept alive by the client's heartbeat.

In the database rather than in a process, so every server process and the digest job can answer.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from odr.mediation.core.models import Case
from odr.mediation.rooms.models import Presence
from odr.platform.db import utcnow
from odr.tenants.models import User

PRESENCE_FRESH = timedelta(minutes=2)  # the client's heartbeat comes every 30 seconds


def enter(session: Session, actor: User, case: Case, sid: str) -> None:
    """Record that socket ``sid`` of ``actor`` is in ``case``'s room."""
    row = session.scalar(select(Presence).where(Presence.sid == sid, Presence.case_id == case.id))
    if row is None:
        session.add(Presence(tenant_id=case.tenant_id, sid=sid, case_id=case.id, user_id=actor.id))
    else:
        row.seen_at = utcnow()
    session.flush()


def heartbeat(session: Session, sid: str) -> None:
    """The socket is still there."""
    session.execute(update(Presence).where(Presence.sid == sid).values(seen_at=utcnow())
                    .execution_options(synchronize_session=False))


def leave(session: Session, sid: str) -> list[int]:
    """Forget socket ``sid``; returns the cases it was in."""
    cases = list(session.scalars(select(Presence.case_id).where(Presence.sid == sid)))
    session.execute(delete(Presence).where(Presence.sid == sid).execution_options(synchronize_session=False))
    return cases


def present_users(session: Session, case: Case, *, now: datetime | None = None) -> list[User]:
    """The people with a live socket in ``case``'s room."""
    since = (now or utcnow()) - PRESENCE_FRESH
    return list(session.scalars(
        select(User).where(User.id.in_(
            select(Presence.user_id).where(Presence.case_id == case.id, Presence.seen_at >= since)))
        .order_by(User.full_name)
    ).unique())


def sockets_of(session: Session, user_id: int, case_id: int | None = None) -> list[str]:
    """The sockets ``user_id`` has in rooms (of one case, or any)."""
    query = select(Presence.sid).where(Presence.user_id == user_id)
    if case_id is not None:
        query = query.where(Presence.case_id == case_id)
    return list(session.scalars(query))


def forget_stale_presence(session: Session, *, now: datetime | None = None) -> int:
    """Remove presence rows whose socket stopped beating (a process that died without saying)."""
    since = (now or utcnow()) - PRESENCE_FRESH * 5
    result = session.execute(delete(Presence).where(Presence.seen_at < since)
                             .execution_options(synchronize_session=False))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
