"""Server-side sign-in sessions: one row per signed-in browser, ended at once when revoked."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

from odr.platform.db import utcnow
from odr.platform.tokens import hash_token, new_token
from odr.tenants.models import User, UserSession

TOUCH_EVERY = timedelta(seconds=60)
# Built once: every request and every socket event runs it, and a statement made anew each time
# costs its construction and cache key again.
_BY_TOKEN = select(UserSession).where(UserSession.token_hash == bindparam("token_hash"))


def start_session(session: Session, user: User, *, ip: str | None, user_agent: str | None) -> str:
    """Open a session for ``user``; returns the token for the cookie (stored only hashed)."""
    token, token_hash = new_token()
    session.add(
        UserSession(
            tenant_id=user.tenant_id,
            token_hash=token_hash,
            user_id=user.id,
            ip_address=(ip or "")[:45] or None,
            user_agent=(user_agent or "")[:300] or None,
        )
    )
    session.flush()
    return token


def resolve_session(
    session: Session, token: str, *, idle: timedelta, absolute: timedelta
) -> tuple[UserSession | None, bool, int | None]:
    """The live session for ``token``, whether its last-seen time is due a refresh, and the id of
    the session to end when it has just run out (idle for longer than ``idle``, or older than
    ``absolute``).

    Nothing is written here: the caller ends a run-out session after its request's work, since
    writing within a read (SQLite) fails at once when another connection wrote in between, and
    the person would get an error page instead of the sign-in page.
    """
    row = session.scalar(_BY_TOKEN, {"token_hash": hash_token(token)})
    if row is None or row.revoked_at is not None or not row.user.is_active:
        return None, False, None
    now = utcnow()
    if expired(row.last_seen_at, row.created_at, idle=idle, absolute=absolute, now=now):
        return None, False, row.id
    return row, touch_due(row.last_seen_at, now), None


def end_session_by_id(session: Session, session_id: int) -> None:
    """End the session ``session_id`` (one that ran out)."""
    session.execute(
        update(UserSession)
        .where(UserSession.id == session_id, UserSession.revoked_at.is_(None))
        .values(revoked_at=utcnow())
        .execution_options(synchronize_session=False)
    )


def expired(last_seen_at: datetime, created_at: datetime, *, idle: timedelta, absolute: timedelta,
            now: datetime) -> bool:
    """Whether a session seen last at ``last_seen_at`` and opened at ``created_at`` has run out."""
    return now - last_seen_at > idle or now - created_at > absolute


def ends_at(row: UserSession, *, touched: bool, idle: timedelta, absolute: timedelta) -> datetime:
    """When the session ``row`` runs out if nothing more happens: idle since its last use (now, when
    this request refreshes it), or at its absolute limit, whichever comes first."""
    last_seen = utcnow() if touched else row.last_seen_at
    return min(last_seen + idle, row.created_at + absolute)


def touch_due(last_seen_at: datetime, now: datetime) -> bool:
    """Whether a session's last-seen time is old enough to be written again."""
    return now - last_seen_at > TOUCH_EVERY


def touch_session(session: Session, session_id: int) -> None:
    """Record that the session ``session_id`` was used just now."""
    session.execute(
        update(UserSession)
        .where(UserSession.id == session_id)
        .values(last_seen_at=utcnow())
        .execution_options(synchronize_session=False)
    )


def end_session(session: Session, token: str) -> None:
    """Sign this browser out."""
    session.execute(
        update(UserSession)
        .where(UserSession.token_hash == hash_token(token), UserSession.revoked_at.is_(None))
        .values(revoked_at=utcnow())
        .execution_options(synchronize_session=False)
    )


def revoke_user_sessions(session: Session, user: User) -> None:
    """Sign ``user`` out everywhere."""
    revoke_other_sessions(session, user, None)


def revoke_other_sessions(session: Session, user: User, keep_token: str | None) -> int:
    """Sign ``user`` out everywhere but the browser holding ``keep_token``; how many were ended."""
    query = update(UserSession).where(UserSession.user_id == user.id, UserSession.revoked_at.is_(None))
    if keep_token:
        query = query.where(UserSession.token_hash != hash_token(keep_token))
    result = session.execute(query.values(revoked_at=utcnow()).execution_options(synchronize_session=False))
    return int(result.rowcount or 0)


def other_sessions(
    session: Session, user: User, keep_token: str | None, *, idle: timedelta, absolute: timedelta
) -> list[UserSession]:
    """The live sessions of ``user`` in other browsers, latest first."""
    now = utcnow()
    query = select(UserSession).where(
        UserSession.user_id == user.id,
        UserSession.revoked_at.is_(None),
        UserSession.last_seen_at > now - idle,
        UserSession.created_at > now - absolute,
    )
    if keep_token:
        query = query.where(UserSession.token_hash != hash_token(keep_token))
    return list(session.scalars(query.order_by(UserSession.last_seen_at.desc())))
