"""The composition root: the one place that knows every domain, and that nothing imports.

``create_app`` builds the platform and installs the parts below, in this order; each part's
``register(app)`` binds its blueprints, socket events, jobs, rules, event kinds and commands.
A new capability is one more line here.
"""

from __future__ import annotations

from flask import Flask

from odr import tenants
from odr.mediation import agreements, bidding, cases, contact, core, deadlines, documents, offers, rooms
from odr.platform import factory
from odr.platform.config import Settings
from odr.platform.errors import register_error_handlers
from odr.platform.registry import Register, install


def register(app: Flask) -> None:
    """The root's own part: the front door and ``odr demo``."""
    from odr.app import demo, front_door

    app.register_blueprint(front_door.bp)
    app.cli.add_command(demo.demo)


PARTS: tuple[tuple[str, Register], ...] = (
    ("platform", factory.register),
    ("tenants", tenants.register),
    ("mediation.core", core.register),
    ("mediation.deadlines", deadlines.register),
    ("mediation.cases", cases.register),
    ("mediation.contact", contact.register),
    ("mediation.rooms", rooms.register),
    ("mediation.documents", documents.register),
    ("mediation.offers", offers.register),
    ("mediation.agreements", agreements.register),
    ("mediation.bidding", bidding.register),
    ("root", register),
)


def create_app(settings: Settings | None = None) -> Flask:
    """Build odr for ``settings`` (read from the environment when not given)."""
    app = factory.make_platform(settings or Settings.from_env())
    install(app, PARTS)
    register_error_handlers(app)
    return app
