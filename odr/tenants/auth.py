"""Signing in and out of the web: flask-login bound to server-side sessions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from flask import Flask, abort, current_app, g, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_login import login_user, logout_user
from sqlalchemy import bindparam, inspect, select
from sqlalchemy.exc import OperationalError
from werkzeug.wrappers import Response

from odr.platform.db import after_commit, utcnow
from odr.platform.errors import json_error, wants_json
from odr.platform.extensions import db, login_manager
from odr.platform.gateway import after_each_event, on_disconnect, socket_user_loader
from odr.platform.security import is_local_path
from odr.platform.tokens import hash_token
from odr.tenants.models import User, UserSession
from odr.tenants.sessions import (
    end_session,
    end_session_by_id,
    expired,
    resolve_session,
    start_session,
    touch_due,
    touch_session,
)

SESSION_KEY = "sid"


def init_app(app: Flask) -> None:
    """Bind flask-login: our loader, our answer to anonymous requests."""
    login_manager.session_protection = None  # server-side sessions are stronger
    login_manager.user_loader(load_user)
    login_manager.unauthorized_handler(unauthorized)
    app.after_request(save_session_state)
    socket_user_loader(socket_user)
    on_disconnect(forget_socket_user)
    after_each_event(keep_session_alive)


def limits() -> tuple[timedelta, timedelta]:
    """How long a session may stay idle, and live at all (the settings)."""
    settings = current_app.config["ODR"]
    return timedelta(minutes=settings.session_idle_minutes), timedelta(hours=settings.session_max_hours)


def load_user(user_id: str) -> User | None:
    """The user of this browser's live session, or None (signed out, idle, revoked...)."""
    token = session.get(SESSION_KEY)
    if not token:
        return None
    idle, absolute = limits()
    row, touch, ran_out = resolve_session(db.session, token, idle=idle, absolute=absolute)
    if row is None:
        if ran_out is not None:
            g.end_session_id = ran_out  # ended after the view, as a refresh is written (below)
        return None
    if str(row.user.public_id) != user_id:
        return None
    if touch:
        # Written after the view, not here: a changed row would be flushed by the view's next
        # query, and SQLite refuses at once a write inside a read transaction when another
        # request (often the same browser's) wrote since it began: a 500 instead of the page.
        g.touch_session_id = row.id
    g.user_session = row  # for the page's own question: how long until an idle sign-out
    return row.user


# A socket's messages reuse the user its earlier event loaded, while one indexed read of the session
# and the user's row finds them unchanged: loading the user with its tenant and organisation was a
# quarter of a message's time. Anything else (ended, revoked, idle, the user changed) goes the
# whole way through ``load_user`` again. Kept per socket, dropped when it goes.
_sessions, _users = UserSession.__table__, User.__table__
_JUDGED = (_users.c.public_id, _users.c.email, _users.c.full_name, _users.c.role, _users.c.organisation_id,
           _users.c.locale, _users.c.is_active)
_SOCKET_CHECK = (
    select(_sessions.c.id, _sessions.c.last_seen_at, _sessions.c.created_at, _sessions.c.revoked_at, *_JUDGED)
    .join(_users, _users.c.id == _sessions.c.user_id)
    .where(_sessions.c.token_hash == bindparam("token_hash"))
)


@dataclass(frozen=True)
class _Kept:
    token: str
    judged: tuple[object, ...]
    user: User


_kept: dict[str, _Kept] = {}  # by socket id; single dict operations, safe between threads


def socket_user(sid: str) -> None:
    """Make ``current_user`` the user of socket ``sid``'s session for this event, as ``load_user``
    would, reusing the socket's user object when its session and row are as they were."""
    token = session.get(SESSION_KEY)
    row = None
    if token:
        row = db.session.connection().execute(_SOCKET_CHECK, {"token_hash": hash_token(token)}).one_or_none()
    kept = _kept.get(sid)
    if row is not None and kept is not None and kept.token == token and tuple(row[4:]) == kept.judged \
            and not (inspect(kept.user).detached and inspect(kept.user).expired_attributes):
        idle, absolute = limits()
        now = utcnow()
        if row.revoked_at is None and row.is_active and not expired(
                row.last_seen_at, row.created_at, idle=idle, absolute=absolute, now=now):
            if touch_due(row.last_seen_at, now):
                g.touch_session_id = row.id
            g._login_user = kept.user  # flask-login's place for the request's user
            return
    _kept.pop(sid, None)
    user = load_user(str(session.get("_user_id") or "")) if token else None
    g._login_user = user if user is not None else login_manager.anonymous_user()
    if user is not None and row is not None and str(row.public_id) == user.get_id():
        # Kept once the event commits: a rollback expires the objects of its session, this one too.
        entry = _Kept(token, tuple(row[4:]), user)
        after_commit(db.session, lambda: _kept.__setitem__(sid, entry))


def forget_socket_user(sid: str) -> None:
    _kept.pop(sid, None)


def keep_session_alive() -> None:
    """A socket event counts as activity: someone talking in a room is not idle."""
    save_session_state(None)


def save_session_state(response: Response | None) -> Response | None:
    """Commit a session's last-seen time or expiry even when the request itself wrote nothing."""
    touch_id = g.pop("touch_session_id", None)
    end_id = g.pop("end_session_id", None)
    if touch_id is not None or end_id is not None:
        try:
            if touch_id is not None:
                touch_session(db.session, touch_id)
            if end_id is not None:
                end_session_by_id(db.session, end_id)
            db.session.commit()
        except OperationalError:
            # Best effort: a busy embedded database may refuse; the next request tries again.
            db.session.rollback()
    return response


def unauthorized() -> Response:
    """Anonymous on a page that needs a user: to the tenant's sign-in page, or 401 for JSON."""
    if wants_json():
        return json_error(401, "unauthenticated", _("Please sign in first."))
    tenant = g.get("tenant")
    if tenant is None:
        abort(404)
    # Only a page can be gone back to: after signing in, the browser follows ``next`` with a GET.
    next_path = request.full_path.rstrip("?") if request.method == "GET" else None
    return redirect(url_for("tenants.sign_in", slug=tenant.slug, next=next_path))


def sign_in(user: User) -> None:
    """Start a fresh session for ``user``: a new id, the old cookie's content dropped."""
    previous = session.get(SESSION_KEY)
    if previous:
        end_session(db.session, previous)
    locale = session.get("locale")
    session.clear()
    token = start_session(
        db.session, user, ip=request.remote_addr, user_agent=request.headers.get("User-Agent")
    )
    session[SESSION_KEY] = token
    if locale:
        session["locale"] = locale
    session.permanent = True
    login_user(user)


def sign_out() -> None:
    """End this browser's session."""
    token = session.get(SESSION_KEY)
    if token:
        end_session(db.session, token)
    logout_user()
    session.clear()


def safe_next(target: str | None, default: str) -> str:
    """A local path to go to after signing in; anything else goes to ``default``."""
    return target if target and is_local_path(target) else default
