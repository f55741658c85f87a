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
) -> tuple[UserSession | None, bool]:
    """The live session for ``token`` and whether its last-seen time is due a refresh.

    A session idle for longer than ``idle`` or older than ``absolute`` is ended here.
    """
    row = session.scalar(_BY_TOKEN, {"token_hash": hash_token(token)})
    if row is None or row.revoked_at is not None or not row.user.is_active:
        return None, False
    now = utcnow()
    if expired(row.last_seen_at, row.created_at, idle=idle, absolute=absolute, now=now):
        row.revoked_at = now
        session.flush()
        return None, False
    return row, touch_due(row.last_seen_at, now)


def expired(last_seen_at: datetime, created_at: datetime, *, idle: timedelta, absolute: timedelta,
            now: datetime) -> bool:
    """Whether a session seen last at ``last_seen_at`` and opened at ``created_at`` has run out."""
    return now - last_seen_at > idle or now - created_at > absolute


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
    session.execute(
        update(UserSession)
        .where(UserSession.user_id == user.id, UserSession.revoked_at.is_(None))
        .values(revoked_at=utcnow())
        .execution_options(synchronize_session=False)
    )
