"""Contact with the parties off the platform: phone tasks for case managers, and assisted digital."""

from __future__ import annotations

from flask import Flask


def register(app: Flask) -> None:
    """Contact: the task pages, the case page's contact panel, their rule and kind."""
    from odr.mediation.contact import kinds, policy, views
    from odr.mediation.core.kinds import register_kinds
    from odr.mediation.core.panels import register_panel
    from odr.platform.permissions import register_rules

    register_rules(policy.RULES)
    register_kinds(kinds.KINDS)
    app.register_blueprint(views.bp)
    register_panel("contact", views.contact_panel)
