"""The room's Socket.IO face: join, send, sync, typing, read, presence, and the mediator's tools.

Thin, like the pages: each handler parses, calls a service and returns the ack; the gateway
authenticates, rate-limits and commits. Broadcasts leave after the commit (``broadcast.py``).
A socket must ``join`` a case before anything else there, and every event checks access again.
"""

from __future__ import annotations

import threading
import uuid
from typing import Any

from flask import request
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_socketio import join_room, leave_room

from odr.mediation.core.access import visible_channels
from odr.mediation.core.events import CHANNELS, AccessMoved
from odr.mediation.core.models import Case
from odr.mediation.rooms import broadcast, presence, seats, services
from odr.mediation.rooms.presenting import message_view, synced_view
from odr.mediation.rooms.schemas import ChannelEventSchema
from odr.mediation.rooms.seats import Seat
from odr.platform.db import write_intent
from odr.platform.errors import Conflict, Forbidden, NotFound, ServiceError
from odr.platform.extensions import db, socketio
from odr.platform.gateway import ROOMS_NAMESPACE, SocketEvents
from odr.platform.schemas import load

_TYPING = ChannelEventSchema()

EVENTS = SocketEvents()

# The seats each socket holds, by the case's public id (a socket lives in one process).
_joined: dict[str, dict[str, Seat]] = {}
_joined_lock = threading.Lock()


def _sid() -> str:
    return request.sid  # type: ignore[attr-defined, no-any-return]


def _case_key(data: dict[str, Any]) -> str:
    """The case id of the event in its one canonical form (``join`` accepts any form of a UUID, and the
    seat it takes is kept under this one)."""
    raw = str(data.get("case") or "")
    try:
        return str(uuid.UUID(raw))
    except ValueError:
        return raw  # no case: refused as not joined


def _held(key: str) -> Seat:
    with _joined_lock:
        seat = _joined.get(_sid(), {}).get(key)
    if seat is None:
        raise Conflict(str(_l("Join the case room first.")))
    return seat


def _take_seat(case: Case) -> Seat:
    seat = seats.seat_for(current_user, case)
    with _joined_lock:
        _joined.setdefault(_sid(), {})[seat.case_public_id] = seat
    return seat


def _case(data: dict[str, Any]) -> Case:
    """The case named by the event, if this socket joined it and its user may still be there.

    Access is judged again on every event; a socket whose user lost access to the case, or to one
    of its channels, leaves those rooms here, so broadcasts stop reaching it.
    """
    key = _case_key(data)
    held = _held(key)
    try:
        case = services.room_case(db.session, current_user, key)
    except ServiceError:
        for channel in CHANNELS:
            leave_room(broadcast.room(held.case_id, channel))
        with _joined_lock:
            _joined.get(_sid(), {}).pop(key, None)
        raise
    for channel in set(CHANNELS) - visible_channels(current_user, case):
        leave_room(broadcast.room(case.id, channel))
    _take_seat(case)
    return case


def _seat(data: dict[str, Any]) -> Seat:
    """The socket's seat in the case named by the event, kept from earlier events (``seats.py``)."""
    key = _case_key(data)
    seat = _held(key)
    if seat.held_by(current_user):
        return seat
    return _judged_again(data)


def _judged_again(data: dict[str, Any]) -> Seat:
    """The socket's seat after judging access from the case again (``_case`` takes the new seat)."""
    return _held(str(_case(data).public_id))


@EVENTS.on("join")
def _join(data: dict[str, Any]) -> dict[str, Any]:
    case = services.room_case(db.session, current_user, data.get("case"))
    state = services.room_state(db.session, current_user, case)
    for channel in state.channels:
        join_room(broadcast.room(case.id, channel))
    presence.enter(db.session, current_user, case, _sid())
    _take_seat(case)
    broadcast.presence_after_commit(db.session, case)
    return {
        "case": str(case.public_id),
        "me": current_user.get_id(),
        "channels": state.channels,
        "postable": state.postable,
        "last_seq": state.last_seq,
        "unread": state.unread,
        "shuttle_only": state.shuttle_only,
    }


@EVENTS.on("leave")
def _leave(data: dict[str, Any]) -> dict[str, Any]:
    case = _case(data)
    for channel in visible_channels(current_user, case):
        leave_room(broadcast.room(case.id, channel))
    with _joined_lock:
        _joined.get(_sid(), {}).pop(str(case.public_id), None)
    presence.leave(db.session, _sid())
    broadcast.presence_after_commit(db.session, case)
    return {}


@EVENTS.on("send", burst=20, rate=5, reuse_user=True)
def _send(data: dict[str, Any]) -> dict[str, Any]:
    try:
        message, created = services.post_message(db.session, current_user, _seat(data), data)
    except (AccessMoved, Forbidden):
        # The seat may be out of date (nothing was written): judge again from the case, once.
        message, created = services.post_message(db.session, current_user, _judged_again(data), data)
    return {"seq": message.seq, "duplicate": not created, "message": message_view(message)}


@EVENTS.on("sync", writes=False)
def _sync(data: dict[str, Any]) -> dict[str, Any]:
    case = _case(data)
    batch = services.events_after(db.session, current_user, case, data)
    return {
        "events": [synced_view(event, message, case) for event, message in batch.events],
        "last_seq": batch.last_seq,
        "more": batch.more,
        "unread": services.unread_counts(db.session, current_user, case),
        "shuttle_only": case.shuttle_only,
        "postable": services.postable_channels(current_user, case),
    }


@EVENTS.on("typing", writes=False, burst=10, rate=2)
def _typing(data: dict[str, Any]) -> dict[str, Any]:
    values = load(_TYPING, data)
    case = _case(data)
    channel = values["channel"]
    if channel not in services.postable_channels(current_user, case):
        raise NotFound(str(_l("There is no such channel.")))
    socketio.emit("typing", {"case": str(case.public_id), "channel": channel,
                             "user": {"id": current_user.get_id(), "name": current_user.full_name}},
                  to=broadcast.room(case.id, channel), namespace=ROOMS_NAMESPACE, skip_sid=_sid())
    return {}


@EVENTS.on("read")
def _read(data: dict[str, Any]) -> dict[str, Any]:
    case = _case(data)
    seq = services.mark_read(db.session, current_user, case, data)
    return {"seq": seq, "unread": services.unread_counts(db.session, current_user, case)}


@EVENTS.on("presence", burst=5, rate=0.5)
def _presence(data: dict[str, Any]) -> dict[str, Any]:
    case = _case(data)
    presence.heartbeat(db.session, _sid())
    return {"present": broadcast.present(db.session, case)}


@EVENTS.on("retract", burst=10, rate=1)
def _retract(data: dict[str, Any]) -> dict[str, Any]:
    case = _case(data)
    message = services.retract(db.session, current_user, case, data)
    return {"seq": message.seq}


@EVENTS.on("carry", burst=10, rate=1)
def _carry(data: dict[str, Any]) -> dict[str, Any]:
    case = _case(data)
    message = services.carry(db.session, current_user, case, data)
    return {"seq": message.seq}


@EVENTS.on("mode", burst=5, rate=0.5)
def _mode(data: dict[str, Any]) -> dict[str, Any]:
    case = _case(data)
    services.set_shuttle_only(db.session, current_user, case, data)
    return {"shuttle_only": case.shuttle_only}


def forget_socket(sid: str) -> None:
    with _joined_lock:
        joined = _joined.pop(sid, {})
    if not joined:
        return
    with write_intent():
        case_ids = presence.leave(db.session, sid)
        cases = [db.session.get(Case, case_id) for case_id in case_ids]
        for case in cases:
            if case is not None:
                broadcast.presence_after_commit(db.session, case)
        db.session.commit()
