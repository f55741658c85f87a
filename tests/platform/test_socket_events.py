"""Every app built in a process gets the socket events of the domains, not only the first one."""

from __future__ import annotations

from pathlib import Path

from odr.app import create_app
from odr.platform.extensions import socketio
from odr.platform.gateway import ROOMS_NAMESPACE
from tests.conftest import test_settings


def test_a_second_app_has_every_room_event(tmp_path: Path) -> None:
    events = {"connect", "disconnect", "join", "send", "sync", "typing", "read", "presence"}
    for n in range(2):
        create_app(test_settings(tmp_path / str(n), f"sqlite:///{tmp_path / f'{n}.sqlite3'}"))
        assert events <= set(socketio.server.handlers[ROOMS_NAMESPACE])
