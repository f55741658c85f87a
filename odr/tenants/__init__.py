"""Tenants (ADR providers), insurer organisations, users, invitations and sign-in."""

from __future__ import annotations

from flask import Flask


def register(app: Flask) -> None:
    """Sign-in, the tenant's pages and API, notifications, the tenants' rules and commands."""
    from odr.platform.extensions import api
    from odr.platform.gateway import connect_check
    from odr.platform.permissions import register_rules
    from odr.tenants import auth, policy, second_factor_views, views
    from odr.tenants.api import blp
    from odr.tenants.cli import policy_cli, tenant_cli, user_cli
    from odr.tenants.notifications import template_views
    from odr.tenants.notifications import views as notification_views
    from odr.tenants.policy_settings import register_section

    # The pages of the tenant's web area are routes of one blueprint, in modules by subject.
    del template_views, notification_views
    auth.init_app(app)
    register_rules(policy.RULES)
    connect_check(second_factor_views.refuse_socket_without_second_factor)
    register_section(policy.policy_section())
    app.register_blueprint(views.bp)
    api.register_blueprint(blp)
    app.cli.add_command(tenant_cli)
    app.cli.add_command(user_cli)
    app.cli.add_command(policy_cli)
