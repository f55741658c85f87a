"""Cases: referral intake, eligibility screening, the lifecycle and assignment."""

from __future__ import annotations

from flask import Flask


def register(app: Flask) -> None:
    """Intake and screening: the case pages and API, their rules and kinds, linking new customers."""
    from odr.mediation.cases import kinds, policy, policy_section, services, views, web
    from odr.mediation.cases.api import blp
    from odr.mediation.core.kinds import register_kinds
    from odr.platform.extensions import api
    from odr.platform.permissions import register_rules
    from odr.tenants.policy_settings import register_section
    from odr.tenants.signals import account_created
    from odr.tenants.web import register_landing

    register_rules(policy.RULES)
    register_kinds(kinds.KINDS)
    register_section(policy_section.section())
    app.register_blueprint(views.bp)
    api.register_blueprint(blp)
    account_created.connect(services.link_customer, weak=False)
    register_landing(web.customer_landing)
