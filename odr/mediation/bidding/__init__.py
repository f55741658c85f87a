"""Blind bidding: when both sides opt in, each puts in a confidential figure per round, and a disclosed
rule settles the round or says only that it did not."""

from __future__ import annotations

from flask import Flask


def register(app: Flask) -> None:
    """Blind bidding: the room's panel and its forms, the API, the rules, kinds and settings."""
    from odr.mediation.bidding import kinds, policy, views
    from odr.mediation.bidding.api import blp
    from odr.mediation.core.kinds import register_kinds
    from odr.platform.extensions import api
    from odr.platform.permissions import register_rules
    from odr.tenants.policy_settings import register_section

    register_rules(policy.RULES)
    register_kinds(kinds.KINDS)
    register_section(policy.policy_section())
    app.register_blueprint(views.bp)
    api.register_blueprint(blp)
