"""The rooms over the wire: a seeded world on a real server, and real python-socketio clients.

Used by the delivery tests (one ``odr serve``) and the cluster tests (two, sharing Redis). Waits
are generous and never timed: a busy machine only makes them slower.
"""

from __future__ import annotations

import sys
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import socketio
from sqlalchemy import func, select

from bench.rooms.seed import World
from bench.rooms.signin import sign_in_with_link, sign_in_with_password
from odr.mediation.rooms.models import Message
from odr.platform.db import make_engine
from odr.platform.gateway import ROOMS_NAMESPACE
from tests.live import run_command, run_odr

WAIT = 30.0  # seconds to wait for something that should happen: generous on a loaded machine
ROLES = ("mediator", "agent", "customer")


def seed_world(env: dict[str, str], tmp: Path, rooms: int = 1) -> World:
    """Migrate the database of ``env`` with ``odr db upgrade`` and seed rooms through the services."""
    run_odr(["db", "upgrade"], env, tmp)
    return World.from_json(run_command([sys.executable, "-m", "bench.rooms.seed", "--rooms", str(rooms)], env, tmp))


def cookies_of(base_url: str, db_url: str, world: World, room_index: int = 0) -> dict[str, str]:
    """The session cookie of each of the room's three people, signed in the way their role does."""
    room = world.rooms[room_index]
    return {
        "mediator": sign_in_with_password(base_url, world.tenant, room.mediator, world.password),
        "agent": sign_in_with_password(base_url, world.tenant, room.agent, world.password),
        "customer": sign_in_with_link(base_url, db_url, world.tenant, room.customer),
    }


def stored_messages(db_url: str, case_public_id: str, *, client_id: str | None = None) -> int:
    """How many messages the database holds for a case (with one client id, when given)."""
    from odr.mediation.core.models import Case

    engine = make_engine(db_url)
    try:
        query = select(func.count()).select_from(Message).join(Case, Case.id == Message.case_id).where(
            Case.public_id == uuid.UUID(case_public_id))
        if client_id is not None:
            query = query.where(Message.client_id == client_id)
        with engine.connect() as conn:
            return int(conn.execute(query).scalar_one())
    finally:
        engine.dispose()


class LiveClient:
    """One person's python-socketio client on the rooms namespace, over WebSocket only.

    Pushed events are kept in arrival order; ``wait_for`` blocks until one matches.
    """

    def __init__(self, base_url: str, cookie: str | None, *, origin: str | None = None,
                 reconnection: bool = False) -> None:
        self.base_url = base_url
        self.headers: dict[str, str] = {}
        if cookie is not None:
            self.headers["Cookie"] = f"odr_session={cookie}"
        if origin is not None:
            self.headers["Origin"] = origin
        self.sio = socketio.Client(reconnection=reconnection, reconnection_delay=0.5, reconnection_delay_max=2,
                                   handle_sigint=False)
        self.pushed: list[tuple[str, dict[str, Any]]] = []
        self.connects = 0
        self.refusal: Any = None
        self._changed = threading.Condition()
        self.sio.on("event", lambda data: self._keep("event", data), namespace=ROOMS_NAMESPACE)
        self.sio.on("typing", lambda data: self._keep("typing", data), namespace=ROOMS_NAMESPACE)
        self.sio.on("presence", lambda data: self._keep("presence", data), namespace=ROOMS_NAMESPACE)
        self.sio.on("connect", self._connected, namespace=ROOMS_NAMESPACE)
        self.sio.on("connect_error", self._refused, namespace=ROOMS_NAMESPACE)

    def _keep(self, name: str, data: dict[str, Any]) -> None:
        with self._changed:
            self.pushed.append((name, data))
            self._changed.notify_all()

    def _connected(self) -> None:
        with self._changed:
            self.connects += 1
            self._changed.notify_all()

    def _refused(self, data: Any = None) -> None:
        self.refusal = data

    def connect(self) -> LiveClient:
        """Open the connection (raises ``socketio.exceptions.ConnectionError`` when refused)."""
        self.sio.connect(self.base_url, headers=self.headers, transports=["websocket"],
                         namespaces=[ROOMS_NAMESPACE], wait_timeout=WAIT)
        return self

    def close(self) -> None:
        """Disconnect for good (no reconnection)."""
        self.sio.disconnect()

    def call(self, event: str, **data: Any) -> dict[str, Any]:
        """Send ``event`` and wait for its ack."""
        return self.sio.call(event, data, namespace=ROOMS_NAMESPACE, timeout=WAIT)  # type: ignore[no-any-return]

    def join(self, case: str) -> dict[str, Any]:
        """Join a case's room; the ack must be ok."""
        ack = self.call("join", case=case)
        assert ack.get("ok"), ack
        return ack

    def send(self, case: str, text: str, channel: str = "joint", cid: str | None = None) -> dict[str, Any]:
        """Post a message and wait for its ack."""
        return self.call("send", case=case, channel=channel, client_id=cid or uuid.uuid4().hex, text=text)

    def messages(self) -> list[dict[str, Any]]:
        """The message events pushed so far, in arrival order."""
        with self._changed:
            return [data for name, data in self.pushed if name == "event" and "message" in data]

    def wait_for(self, predicate: Callable[[list[dict[str, Any]]], bool], what: str) -> list[dict[str, Any]]:
        """Block until ``predicate(messages)`` holds; the messages then."""
        deadline = time.monotonic() + WAIT
        with self._changed:
            while True:
                messages = [data for name, data in self.pushed if name == "event" and "message" in data]
                if predicate(messages):
                    return messages
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"waited {WAIT:.0f}s for {what}; got {[m['seq'] for m in messages]}")
                self._changed.wait(left)

    def wait_for_seq(self, seq: int) -> list[dict[str, Any]]:
        """Block until the message with ``seq`` was pushed."""
        return self.wait_for(lambda ms: any(m["seq"] == seq for m in ms), f"message {seq}")

    def wait_for_connects(self, count: int) -> None:
        """Block until the namespace has connected ``count`` times (reconnections included)."""
        deadline = time.monotonic() + WAIT * 2
        with self._changed:
            while self.connects < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"connected {self.connects} times, not {count}")
                self._changed.wait(left)


def sync_all(client: LiveClient, case: str, after: int) -> tuple[list[dict[str, Any]], int]:
    """Every event after ``after`` the client may see, following ``more``; and where the stream stands."""
    events: list[dict[str, Any]] = []
    while True:
        ack = client.call("sync", case=case, after=after)
        assert ack.get("ok"), ack
        events.extend(ack["events"])
        after = ack["last_seq"]
        if not ack["more"]:
            return events, after
