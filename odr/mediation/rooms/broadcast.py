"""What leaves for the sockets once a transaction commits: case events, and who is in the room.

Each channel of a case is a Socket.IO room (``case:<id>:<channel>``); a socket joins the rooms of
the channels its user may see, so an event reaches exactly those who may read it. With a message
queue configured, the emit reaches the sockets of every server process.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy.orm import Session

from odr.mediation.core.events import JOINT, CaseEvent
from odr.mediation.core.models import Case
from odr.mediation.rooms import presence
from odr.mediation.rooms.presenting import actor_view, live_view, role_key
from odr.platform.db import after_commit
from odr.platform.extensions import db, socketio
from odr.platform.gateway import ROOMS_NAMESPACE

log = logging.getLogger(__name__)


def room(case_id: int, channel: str) -> str:
    """The Socket.IO room of one channel of one case."""
    return f"case:{case_id}:{channel}"


def publish(event: CaseEvent, live: dict[str, Any]) -> None:
    """Send a committed event to the sockets of its channel."""
    view = live_view(event, live["case"], live.get("message"), live.get("author_role", "system"))
    socketio.emit("event", view, to=room(event.case_id, event.channel), namespace=ROOMS_NAMESPACE)
    if live.get("access_lost"):
        disconnect_users(event.case_id, live["access_lost"])


def disconnect_users(case_id: int, user_ids: list[int]) -> None:
    """Close the sockets these users have in a case's room, at once: they lost their access. They
    may reconnect; ``join`` then gives them only what they may still see."""
    with db.new_session(write=False) as session:
        sids = [sid for user_id in user_ids for sid in presence.sockets_of(session, user_id, case_id)]
    for sid in sids:
        socketio.server.disconnect(sid, namespace=ROOMS_NAMESPACE)


def present(session: Session, case: Case) -> list[dict[str, Any]]:
    """Who is in the room now, as clients show them."""
    return [actor_view(user, user.full_name, role_key(user, case)) for user in presence.present_users(session, case)]


def presence_after_commit(session: Session, case: Case) -> None:
    """Tell the room who is in it, once this transaction (a join or a leave) commits."""
    people = present(session, case)
    view = {"case": str(case.public_id), "present": people}
    target = room(case.id, JOINT)
    after_commit(session, lambda: socketio.emit("presence", view, to=target, namespace=ROOMS_NAMESPACE))
