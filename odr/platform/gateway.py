"""The real-time gateway: who may connect, and the frame every socket event runs in.

Connections are accepted only with a signed-in session from an allowed origin. Every event is then
authorised again (Flask-SocketIO's handlers are not covered by ``login_required``), rate-limited
per socket, run in one database transaction, and answered with an ack: the handler's result, or
the one error format. Broadcasts that events cause are sent by the domains after the commit.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import Flask, Request, current_app, g, request
from flask.sessions import SecureCookieSessionInterface, SessionMixin
from flask_babel import gettext as _
from flask_login import current_user
from flask_socketio import ConnectionRefusedError as SocketRefused
from flask_socketio import leave_room, rooms

from odr.platform.db import REQUEST_BUSY_SECONDS, database_unavailable, patience, write_intent
from odr.platform.errors import ServiceError, Unavailable, database_busy, error_body
from odr.platform.extensions import db, login_manager, socketio
from odr.platform.tenancy import set_tenant

log = logging.getLogger(__name__)

ROOMS_NAMESPACE = "/rooms"
MAX_PAYLOAD = 64 * 1024  # a 10,000-character message fits with room to spare
BURST = 30  # events a socket may send at once...
RATE = 10.0  # ...and per second after that
ACK_GRACE_SECONDS = 0.5  # between the ack that says "sign in again" and the end of the connection


class _Buckets:
    """A token bucket per socket and event: a burst is fine, a flood is refused."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._state: dict[str, dict[str, tuple[float, float]]] = {}

    def allow(self, sid: str, event: str, *, burst: int = BURST, rate: float = RATE) -> bool:
        now = time.monotonic()
        with self._lock:
            per_event = self._state.setdefault(sid, {})
            tokens, then = per_event.get(event, (float(burst), now))
            tokens = min(float(burst), tokens + (now - then) * rate)
            if tokens < 1:
                per_event[event] = (tokens, now)
                return False
            per_event[event] = (tokens - 1, now)
            return True

    def forget(self, sid: str) -> None:
        """Drop a socket's buckets when it goes away."""
        with self._lock:
            self._state.pop(sid, None)


buckets = _Buckets()
_after_event: list[Callable[[], None]] = []
_on_disconnect: list[Callable[[str], None]] = []
_connect_checks: list[Callable[[Any], tuple[str, str] | None]] = []
_socket_user: list[Callable[[str], None]] = []  # at most one


def after_each_event(fn: Callable[[], None]) -> None:
    """Run ``fn`` after every socket event (the session's last-seen time is kept so); once per ``fn``."""
    if fn not in _after_event:
        _after_event.append(fn)


def connect_check(fn: Callable[[Any], tuple[str, str] | None]) -> None:
    """Ask ``fn(user)`` of every signed-in socket's user before it connects: ``(code, message)``
    refuses the connection in the one error format; once per ``fn``."""
    if fn not in _connect_checks:
        _connect_checks.append(fn)


def on_disconnect(fn: Callable[[str], None]) -> None:
    """Run ``fn(sid)`` when a socket goes away; once per ``fn``."""
    if fn not in _on_disconnect:
        _on_disconnect.append(fn)


def socket_user_loader(fn: Callable[[str], None]) -> None:
    """Let ``fn(sid)`` set the user of an event that reuses its socket's user (``reuse_user``)."""
    _socket_user[:] = [fn]


class SocketSessions(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, except that a socket's event is handed its socket's copy.

    Flask-SocketIO keeps a copy of the session per socket (``saved_session`` in the socket's environ)
    and puts it in place of the one Flask opens for the event's request context. Flask had opened
    that one by checking the cookie's signature and decoding it again, for every message: a tenth
    of a message's time, thrown away.
    """

    def open_session(self, app: Flask, request: Request) -> SessionMixin | None:
        kept = request.environ.get("saved_session")
        if isinstance(kept, SessionMixin):
            return kept
        return super().open_session(app, request)


def origin_allowed(origin: str | None) -> bool:
    """A browser's connection must come from one of our origins; clients that send none are judged
    by their session alone (python-engineio skips its own check then)."""
    if not origin:
        return True
    allowed = current_app.config["ODR"].allowed_origins
    return origin.rstrip("/") in {o.rstrip("/") for o in allowed}


def _refusal(code: str, message: str) -> SocketRefused:
    # Two arguments: clients get ``{"message": <text>, "data": <the one error format>}``; a single
    # dict argument would reach them as its Python repr in ``message``.
    return SocketRefused(message, error_body(code, message))


def _connect(auth: object = None) -> None:
    if not origin_allowed(request.headers.get("Origin")):
        log.info("socket refused: origin %s", request.headers.get("Origin"))
        raise _refusal("forbidden_origin", _("This site does not accept connections from there."))
    if not current_user.is_authenticated:
        raise _refusal("unauthenticated", _("Please sign in again."))
    for check in _connect_checks:
        refused = check(current_user)
        if refused is not None:
            log.info("socket refused for user %s: %s", current_user.get_id(), refused[0])
            raise _refusal(*refused)
    log.info("socket connected for user %s", current_user.get_id())


def _disconnect(reason: object = None) -> None:
    sid = request.sid  # type: ignore[attr-defined]
    buckets.forget(sid)
    for fn in _on_disconnect:
        try:
            fn(sid)
        except Exception:
            log.exception("cleaning up after socket %s failed", sid)


Handler = Callable[[dict[str, Any]], dict[str, Any] | None]


def socket_event(name: str, *, writes: bool = True, burst: int = BURST, rate: float = RATE,
                 reuse_user: bool = False) -> Callable[[Handler], Callable[..., Any]]:
    """Wrap the handler of event ``name`` on the rooms namespace in the frame every event runs in.

    The handler receives the event's data (a dict) and returns a dict for the ack. It runs as the
    signed-in user, in their tenant, in one transaction committed when it returns; a ServiceError
    is rolled back and answered in the one error format.

    :param writes: the handler may write (SQLite takes the write lock up front)
    :param burst: events of this kind a socket may send at once; ``rate``: per second after that
    :param reuse_user: the session is checked as always, but the user object the socket loaded before
        is reused while its row is unchanged (for hot events whose handler adds no ORM object that
        refers to the user: the object is not in this event's session)
    """

    def decorator(fn: Handler) -> Callable[..., Any]:
        @wraps(fn)
        def handler(data: Any = None) -> dict[str, Any]:
            sid = request.sid  # type: ignore[attr-defined]
            if not buckets.allow(sid, name, burst=burst, rate=rate):
                return error_body("rate_limited", _("You are sending too fast. Wait a moment and try again."))
            with write_intent(writes), patience(REQUEST_BUSY_SECONDS):
                try:
                    return _run(fn, sid, data, reuse_user=reuse_user)
                except ServiceError as exc:
                    db.session.rollback()
                    return _refused(exc)
                except Exception as exc:
                    if database_unavailable(exc):
                        log.warning("socket event %s: database unavailable: %s", name, exc)
                        return _refused(database_busy())
                    db.session.rollback()
                    log.exception("socket event %s failed", name)
                    return _server_error()

        return handler

    return decorator


def _run(fn: Handler, sid: str, data: Any, *, reuse_user: bool) -> dict[str, Any]:
    """Authenticate, check the payload's form, run the handler in the user's tenant and commit."""
    if reuse_user and _socket_user:
        _socket_user[0](sid)
    if not current_user.is_authenticated:
        _sign_out_socket(sid)
        return error_body("unauthenticated", _("Please sign in again."))
    if not isinstance(data, dict):
        return error_body("validation_failed", _("The request is not in the expected form."))
    set_tenant(db.session, current_user.tenant_id)
    result = fn(data) or {}
    db.session.commit()
    for hook in _after_event:
        hook()
    return {"ok": True, **result}


def _sign_out_socket(sid: str) -> None:
    """The user of socket ``sid`` signed out: it leaves every room and is forgotten now, and the
    connection ends once the ack is out. Ended at once, the client would leave before the ack reached
    it, and its event would seem unanswered."""
    _disconnect()
    for room in rooms(sid, namespace=ROOMS_NAMESPACE):
        if room != sid:
            leave_room(room, sid=sid, namespace=ROOMS_NAMESPACE)
    server = socketio.server

    def later() -> None:
        socketio.sleep(ACK_GRACE_SECONDS)  # the ack leaves as soon as the handler returns
        server.disconnect(sid, namespace=ROOMS_NAMESPACE)

    socketio.start_background_task(later)


def _refused(exc: ServiceError) -> dict[str, Any]:
    retry_after = exc.retry_after if isinstance(exc, Unavailable) else None
    return error_body(exc.code, exc.message, exc.fields, retry_after=retry_after)


def _server_error() -> dict[str, Any]:
    if "_login_user" not in g:  # the user's own loading failed: the language must not ask again
        g._login_user = login_manager.anonymous_user()
    return error_body("server_error", _("Something went wrong on our side. Please try again."))


class SocketEvents:
    """A domain's socket events, declared where they are handled; ``register_events`` serves them."""

    def __init__(self) -> None:
        self._handlers: dict[str, Callable[..., Any]] = {}

    def on(self, name: str, **options: Any) -> Callable[[Handler], Handler]:
        """Declare the handler of event ``name`` (``options`` as for ``socket_event``)."""

        def decorator(fn: Handler) -> Handler:
            if name in self._handlers:
                raise ValueError(f"socket event {name!r} is declared twice")
            self._handlers[name] = socket_event(name, **options)(fn)
            return fn

        return decorator

    def items(self) -> list[tuple[str, Callable[..., Any]]]:
        """The declared events and their framed handlers."""
        return list(self._handlers.items())


def register_events(events: SocketEvents) -> None:
    """Serve ``events`` on the rooms namespace of the app being built (after ``socketio.init_app``:
    Flask-SocketIO then binds them to that app's server only)."""
    for name, handler in events.items():
        socketio.on_event(name, handler, namespace=ROOMS_NAMESPACE)


def init_app(app: Flask) -> None:
    """Accept and end connections on the rooms namespace of ``app``'s Socket.IO server."""
    app.session_interface = SocketSessions()
    socketio.on_event("connect", _connect, namespace=ROOMS_NAMESPACE)
    socketio.on_event("disconnect", _disconnect, namespace=ROOMS_NAMESPACE)
