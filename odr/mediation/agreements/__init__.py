"""The settlement agreement: drafted when the parties agree, signed by each, sealed in a PDF."""

from __future__ import annotations

from flask import Flask


def register(app: Flask) -> None:
    """Agreements: the drafting on settlement, the pages, the API, the CLI, the rules, kinds and settings."""
    from flask_babel import lazy_gettext as _l

    from odr.mediation.agreements import cli, kinds, policy, services, views
    from odr.mediation.agreements.api import blp
    from odr.mediation.core.kinds import register_kinds
    from odr.mediation.core.signals import settlement_reached
    from odr.platform.extensions import api
    from odr.platform.permissions import register_rules
    from odr.tenants.admin_views import add_admin_page
    from odr.tenants.policy_settings import register_section

    register_rules(policy.RULES)
    register_kinds(kinds.KINDS)
    register_section(policy.policy_section())
    settlement_reached.connect(services.on_settlement, weak=False)
    app.register_blueprint(views.bp)
    api.register_blueprint(blp)
    app.cli.add_command(cli.agreements)
    add_admin_page("agreement_templates.manage", "agreements.template_default",
                   _l("Settlement agreement"), _l("The wording each new settlement agreement starts from."))
