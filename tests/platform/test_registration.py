"""Registration: every blueprint, socket event and job the app serves came from one part's
``register(app)`` in ``create_app``'s list; nothing arrives by being imported."""

from __future__ import annotations

from odr.app import PARTS
from odr.platform.registry import served

# Bound while the platform is built, before the first part: flask-smorest's own documentation
# blueprint, and the gateway's connect and disconnect of the rooms' namespace.
BEFORE_THE_PARTS = {"blueprints": {"api-docs"}, "socket_events": {("/rooms", "connect"), ("/rooms", "disconnect")}}


def test_everything_served_was_registered_by_a_listed_part(app):
    record = app.extensions["odr.parts"]
    assert list(record.parts) == [name for name, _register in PARTS]
    now = served(app)
    for what in ("blueprints", "socket_events", "jobs"):
        brought = set().union(*(getattr(part, what) for part in record.parts.values()))
        assert getattr(record.before, what) == BEFORE_THE_PARTS.get(what, set()), what
        assert getattr(now, what) == brought | getattr(record.before, what), what


def test_each_part_brings_what_it_is_for(app):
    parts = app.extensions["odr.parts"].parts
    assert {"rooms"} <= parts["mediation.rooms"].blueprints
    assert ("/rooms", "send") in parts["mediation.rooms"].socket_events
    assert "odr.mediation.deadlines.tasks.sweep_deadlines" in parts["mediation.deadlines"].jobs
    assert {"contact"} == parts["mediation.contact"].blueprints
    assert {"cases", "cases_api"} == parts["mediation.cases"].blueprints


def test_a_part_left_out_is_absent_not_half_there(tmp_path):
    from odr.platform import factory
    from odr.platform.registry import install
    from tests.conftest import test_settings

    app = factory.make_platform(test_settings(tmp_path, f"sqlite:///{tmp_path / 'parts.sqlite3'}"))
    install(app, [(name, register) for name, register in PARTS if name != "mediation.rooms"])
    assert "rooms" not in app.blueprints
    assert not {event for _ns, event in served(app).socket_events} & {"send", "sync", "join"}
