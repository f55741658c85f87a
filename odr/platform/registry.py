"""Installing the domains: each has one ``register(app)``, and ``install`` runs them in order.

``register(app)`` binds everything of its domain: blueprints, socket events, jobs, permission
rules, event kinds, template globals, commands. Nothing registers by being imported, so a
domain left out of the list is simply absent, and a test can tell what each part brought:
``install`` records, per part, the blueprints, socket events and jobs that appeared while its
``register`` ran (``app.extensions["odr.parts"]``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from flask import Flask

from odr.platform.extensions import socketio
from odr.platform.jobs import jobs

Register = Callable[[Flask], None]


@dataclass
class Installed:
    """What one part registered in one app."""

    blueprints: set[str] = field(default_factory=set)
    socket_events: set[tuple[str, str]] = field(default_factory=set)  # (namespace, event)
    jobs: set[str] = field(default_factory=set)


@dataclass
class Parts:
    """The parts installed in an app, in order, and what was there before the first."""

    before: Installed
    parts: dict[str, Installed] = field(default_factory=dict)


def _served(app: Flask) -> Installed:
    handlers = socketio.server.handlers if socketio.server is not None else {}
    return Installed(
        blueprints=set(app.blueprints),
        socket_events={(namespace, event) for namespace, events in handlers.items() for event in events},
        jobs=jobs.names(app),
    )


def install(app: Flask, parts: Sequence[tuple[str, Register]]) -> None:
    """Run each part's ``register(app)`` in order, recording what it brought."""
    record = Parts(before=_served(app))
    app.extensions["odr.parts"] = record
    for name, register in parts:
        if name in record.parts:
            raise ValueError(f"part {name!r} is listed twice")
        seen = _served(app)
        register(app)
        now = _served(app)
        record.parts[name] = Installed(
            blueprints=now.blueprints - seen.blueprints,
            socket_events=now.socket_events - seen.socket_events,
            jobs=now.jobs - seen.jobs,
        )


def served(app: Flask) -> Installed:
    """Every blueprint, socket event and job ``app`` serves now."""
    return _served(app)
