"""The room's tests: people signed in with their own browser and socket (the test client's), in one open case."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from flask_socketio import SocketIOTestClient

from odr.mediation.rooms import services
from odr.platform.extensions import socketio
from odr.platform.gateway import ROOMS_NAMESPACE
from odr.platform.tenancy import set_tenant
from tests.mailbox import sign_in_as


def client_id() -> str:
    """A client-chosen message id, as the browser makes one."""
    return uuid.uuid4().hex


def say(app: Flask, session: Any, tenant: Any, author: Any, case: Any, text: str, channel: str = "joint") -> Any:
    """``author`` writes in the room (through the service, committed)."""
    with app.app_context():
        set_tenant(session, tenant.id)
        message, _new = services.post_message(session, author, case, {"channel": channel, "client_id": client_id(),
                                                                      "text": text})
        session.commit()
    return message


@dataclass
class Participant:
    """One person's browser (pages) and socket (the room), sharing the session cookie."""

    user: Any
    browser: FlaskClient
    socket: SocketIOTestClient

    def emit(self, event: str, **data: Any) -> Any:
        """Send ``event`` and return the server's ack."""
        return self.socket.emit(event, data, namespace=ROOMS_NAMESPACE, callback=True)

    def received(self, name: str | None = None) -> list[dict[str, Any]]:
        """What the server pushed since the last call (only events called ``name``, when given)."""
        packets = self.socket.get_received(ROOMS_NAMESPACE)
        return [p["args"][0] for p in packets if name is None or p["name"] == name]

    def send(self, case: Any, text: str, channel: str = "joint", cid: str | None = None) -> Any:
        """Post a message; returns the ack."""
        return self.emit("send", case=str(case.public_id), channel=channel, client_id=cid or client_id(), text=text)


def participant(app: Flask, session: Any, tenant: Any, user: Any, *,
                headers: dict[str, str] | None = None) -> Participant:
    """``user`` signed in (a password, or a link for a customer), with a connected socket."""
    browser = app.test_client()
    sign_in_as(browser, session, tenant, user)
    socket = socketio.test_client(app, namespace=ROOMS_NAMESPACE, flask_test_client=browser, headers=headers)
    return Participant(user, browser, socket)


def joined(app: Flask, session: Any, tenant: Any, user: Any, case: Any) -> Participant:
    """``user`` signed in, connected, and in ``case``'s room."""
    person = participant(app, session, tenant, user)
    ack = person.emit("join", case=str(case.public_id))
    assert ack.get("ok"), ack
    person.received()
    return person
