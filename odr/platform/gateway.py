"""The real-time gateway: Socket.IO connections are accepted only with a signed-in session."""

from __future__ import annotations

import logging

from flask_login import current_user
from flask_socketio import ConnectionRefusedError as SocketRefused

from odr.platform.extensions import socketio

log = logging.getLogger(__name__)

ROOMS_NAMESPACE = "/rooms"


@socketio.on("connect", namespace=ROOMS_NAMESPACE)
def _connect(auth: object = None) -> None:
    # python-engineio skips its origin check when no Origin header is sent, so the session
    # cookie decides here on every connection.
    if not current_user.is_authenticated:
        raise SocketRefused("unauthenticated")
    log.info("socket connected for user %s", current_user.get_id())
