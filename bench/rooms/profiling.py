"""Where a ``send`` spends the worker's time: the room's handler in-process, timed part by part.

The app is built on the benchmark's database; one seeded mediator signs in through the pages and
sends through Flask-SocketIO's test client (the same handler, gateway and commit as the server,
without the network). The parts are timed by wrapping the functions the handler calls.
"""

from __future__ import annotations

import functools
import re
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from bench.rooms.seed import World

CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)"')
PARTS = [
    # (module, attribute, label): each wraps the name where the handler looks it up.
    ("odr.platform.gateway", "_socket_user", "the session check, reusing the socket's user"),
    ("odr.mediation.rooms.services", "post_message", "post_message (idempotency, event, message)"),
    ("odr.mediation.rooms.services", "append_event", "  of which append_event"),
    ("sqlalchemy.orm.session", "Session.commit", "the commit, with the broadcast after it"),
]


@contextmanager
def _timed(spent: Counter[str]) -> Iterator[None]:
    import importlib

    undo: list[Callable[[], None]] = []
    for module_name, attribute, label in PARTS:
        owner: Any = importlib.import_module(module_name)
        name = attribute
        if "." in attribute:
            cls, name = attribute.split(".")
            owner = getattr(owner, cls)
        original = getattr(owner, name)

        def wrapper(*args: Any, _original: Any = original, _label: str = label, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return _original(*args, **kwargs)
            finally:
                spent[_label] += time.perf_counter() - started

        setattr(owner, name, functools.wraps(original)(wrapper))
        undo.append(lambda owner=owner, name=name, original=original: setattr(owner, name, original))
    try:
        yield
    finally:
        for restore in undo:
            restore()


def split_send(environ: dict[str, str], world: World, sends: int = 300) -> list[str]:
    """Time ``sends`` messages through the room's handler; the milliseconds per send, part by part."""
    from odr.app import create_app
    from odr.platform import gateway
    from odr.platform.config import Settings
    from odr.platform.extensions import db, socketio

    app = create_app(Settings.from_env(environ={k: v for k, v in environ.items() if k.startswith("ODR_")}))
    room = world.rooms[0]
    browser = app.test_client()
    page = browser.get(f"/t/{world.tenant}/sign-in").get_data(as_text=True)
    token = CSRF_META.search(page)
    assert token, "no sign-in form"
    answer = browser.post(f"/t/{world.tenant}/sign-in",
                          data={"csrf_token": token.group(1), "email": room.mediator, "password": world.password})
    assert answer.status_code == 303, answer.status_code
    socket = socketio.test_client(app, namespace=gateway.ROOMS_NAMESPACE, flask_test_client=browser)
    assert socket.emit("join", {"case": room.case}, namespace=gateway.ROOMS_NAMESPACE, callback=True)["ok"]
    allow = gateway.buckets.allow
    gateway.buckets.allow = lambda *args, **kwargs: True  # the per-socket rate limit is not under test

    def send() -> None:
        ack = socket.emit("send", {"case": room.case, "channel": "joint", "client_id": f"profile-{uuid.uuid4().hex}",
                                   "text": "Timing the handler."}, namespace=gateway.ROOMS_NAMESPACE, callback=True)
        assert ack.get("ok"), ack

    spent: Counter[str] = Counter()
    try:
        for _ in range(20):
            send()
        with _timed(spent):
            started = time.perf_counter()
            for _ in range(sends):
                send()
            total = time.perf_counter() - started
    finally:
        gateway.buckets.allow = allow
        socket.disconnect(namespace=gateway.ROOMS_NAMESPACE)
        db.state(app).engine.dispose()
    lines = [f"| part | ms per send ({sends} sends) |", "|---|---:|"]
    lines += [f"| {label} | {spent[label] / sends * 1000:.2f} |" for _module, _attribute, label in PARTS]
    lines.append(f"| the whole send (test client included) | {total / sends * 1000:.2f} |")
    return lines
