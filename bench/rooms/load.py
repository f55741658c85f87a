"""The load: R rooms x 3 python-socketio clients over WebSocket, messages at a set rate.

Every message goes to the joint channel of its room and is delivered to the two other people of
the room; the latency of a delivery is the time from just before the sender's emit to its arrival
at a receiver, both read from this process's monotonic clock. The load is open-loop: messages leave
on schedule whether or not the server kept up.
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import socketio

from bench.rooms.stats import send_times

NAMESPACE = "/rooms"
PER_ROOM = 3
TEXT = "We have looked at the surveyor's report again and would like to discuss the figure for the kitchen. "
WAIT = 60.0


class LoadError(RuntimeError):
    """The load could not be set up (a client could not connect or join)."""


@dataclass
class Tally:
    """What a run saw: send times by client id, delivery latencies, acks."""

    sent_at: dict[str, tuple[float, int]] = field(default_factory=dict)  # client id: (time, sender)
    latencies_ms: list[float] = field(default_factory=list)
    last_delivery: float = 0.0
    acked: int = 0
    refused: int = 0
    errors: dict[str, int] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    changed: threading.Condition = field(init=False)

    def __post_init__(self) -> None:
        self.changed = threading.Condition(self.lock)


class Member:
    """One person's client: connected to a server, in one room."""

    def __init__(self, index: int, base_url: str, case: str, cookie: str | None) -> None:
        self.index = index
        self.base_url = base_url
        self.case = case
        self.headers = {"Cookie": f"odr_session={cookie}"} if cookie else {}
        self.sio = socketio.Client(reconnection=False, handle_sigint=False)
        self.tally: Tally | None = None
        self.sio.on("event", self._event, namespace=NAMESPACE)

    def _event(self, data: dict[str, Any]) -> None:
        now = time.monotonic()
        tally = self.tally
        message = data.get("message") if isinstance(data, dict) else None
        if tally is None or not message:
            return
        with tally.changed:
            sent = tally.sent_at.get(message.get("client_id", ""))
            if sent is None or sent[1] == self.index:
                return  # another run's message, or one's own echo
            tally.latencies_ms.append((now - sent[0]) * 1000)
            tally.last_delivery = now
            tally.changed.notify_all()

    def connect_and_join(self) -> None:
        """Connect over WebSocket and join the room; LoadError when either fails."""
        try:
            self.sio.connect(self.base_url, headers=self.headers, transports=["websocket"], namespaces=[NAMESPACE],
                             wait_timeout=WAIT)
            ack = self.sio.call("join", {"case": self.case}, namespace=NAMESPACE, timeout=WAIT)
        except (socketio.exceptions.SocketIOError, OSError) as exc:
            raise LoadError(f"client {self.index} could not connect and join: {exc!r}") from exc
        if not ack or not ack.get("ok"):
            raise LoadError(f"client {self.index} could not join: {ack}")

    def close(self) -> None:
        """Disconnect."""
        self.sio.disconnect()


class Load:
    """The clients of one server: connected together, loaded, closed together."""

    def __init__(self, base_url: str, seats: list[tuple[str, str | None]]) -> None:
        """``seats``: (case, cookie) per client, three consecutive seats per room."""
        if len(seats) % PER_ROOM:
            raise ValueError(f"seats come {PER_ROOM} to a room")
        self.members = [Member(i, base_url, case, cookie) for i, (case, cookie) in enumerate(seats)]
        self.rooms = len(seats) // PER_ROOM
        self.runs = 0

    def connect(self, parallel: int = 8) -> None:
        """Connect every client and join its room."""
        with ThreadPoolExecutor(max_workers=parallel) as pool:
            list(pool.map(lambda m: m.connect_and_join(), self.members))

    def close(self) -> None:
        """Disconnect every client."""
        with ThreadPoolExecutor(max_workers=8) as pool:
            list(pool.map(lambda m: m.close(), self.members))

    def run(self, rate: float, seconds: float, drain: float = 30.0) -> tuple[Tally, float, int]:
        """Send at ``rate`` messages a second for ``seconds``; returns the tally, the run's length (first
        send to last delivery) and how many messages were sent."""
        self.runs += 1
        tally = Tally()
        for member in self.members:
            member.tally = tally
        schedule = send_times(rate, seconds)
        start = time.monotonic()

        def acked(answer: Any = None) -> None:
            with tally.changed:
                if isinstance(answer, dict) and answer.get("ok"):
                    tally.acked += 1
                else:
                    tally.refused += 1
                    code = (answer or {}).get("error", {}).get("code", "no answer") if isinstance(answer, dict) \
                        else "no answer"
                    tally.errors[code] = tally.errors.get(code, 0) + 1
                tally.changed.notify_all()

        for k, at in enumerate(schedule):
            delay = start + at - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            # Round-robin over rooms, then over the three people of each room.
            room, person = k % self.rooms, (k // self.rooms) % PER_ROOM
            sender = self.members[room * PER_ROOM + person]
            client_id = f"bench-{self.runs}-{k:07d}"
            with tally.lock:
                tally.sent_at[client_id] = (time.monotonic(), sender.index)
            sender.sio.emit("send", {"case": sender.case, "channel": "joint", "client_id": client_id,
                                     "text": f"{TEXT}({k})"}, namespace=NAMESPACE, callback=acked)
        sent = len(schedule)
        deadline = time.monotonic() + drain
        with tally.changed:
            while time.monotonic() < deadline:
                answered = tally.acked + tally.refused == sent
                if answered and len(tally.latencies_ms) >= tally.acked * (PER_ROOM - 1):
                    break
                tally.changed.wait(max(0.0, min(1.0, deadline - time.monotonic())))
        for member in self.members:
            member.tally = None
        length = (tally.last_delivery or time.monotonic()) - start
        return tally, length, sent
