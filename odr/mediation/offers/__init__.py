"""Offers: one side puts a figure and terms to the other, who accepts, rejects or counters it, once."""

from __future__ import annotations

from flask import Flask


def register(app: Flask) -> None:
    """Offers: the room's panel and its forms, the API, the expiry job, the rules, kinds and settings."""
    from odr.mediation.core.kinds import register_kinds
    from odr.mediation.core.signals import settlement_reached
    from odr.mediation.offers import kinds, policy, settle, tasks, views
    from odr.mediation.offers.api import blp
    from odr.platform.extensions import api
    from odr.platform.jobs import jobs
    from odr.platform.permissions import register_rules
    from odr.tenants.policy_settings import register_section

    register_rules(policy.RULES)
    register_kinds(kinds.KINDS)
    register_section(policy.policy_section())
    app.register_blueprint(views.bp)
    api.register_blueprint(blp)
    jobs.register(app, tasks.JOBS)
    settlement_reached.connect(settle.on_settlement, weak=False)
