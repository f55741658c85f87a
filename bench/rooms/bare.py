"""A bare python-socketio broadcast server: the floor the rooms are measured against.

No authentication, no database, no Flask: ``join`` puts the socket in a room, ``send`` acks with a
counter and emits the message to the room, shaped like the platform's ``event``. Threading mode,
served by gunicorn's gthread worker with the same settings as ``odr serve``.
"""

from __future__ import annotations

import itertools
import threading
from typing import Any

import socketio

NAMESPACE = "/rooms"

sio = socketio.Server(async_mode="threading", cors_allowed_origins="*", logger=False, engineio_logger=False)
_seq = itertools.count(1)
_seq_lock = threading.Lock()


@sio.on("join", namespace=NAMESPACE)
def join(sid: str, data: dict[str, Any]) -> dict[str, Any]:
    """Enter the room named ``case``."""
    sio.enter_room(sid, str(data["case"]), namespace=NAMESPACE)
    return {"ok": True}


@sio.on("send", namespace=NAMESPACE)
def send(sid: str, data: dict[str, Any]) -> dict[str, Any]:
    """Number the message and broadcast it to its room."""
    with _seq_lock:
        seq = next(_seq)
    event = {"case": data["case"], "seq": seq, "kind": "message.posted", "channel": data["channel"],
             "message": {"client_id": data["client_id"], "text": data["text"]}}
    sio.emit("event", event, to=str(data["case"]), namespace=NAMESPACE)
    return {"ok": True, "seq": seq}


app = socketio.WSGIApp(sio)
