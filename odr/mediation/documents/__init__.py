"""Documents of a case: evidence shared in a channel of the room, stored as bytes in ``odr.storage``."""

from __future__ import annotations

from flask import Flask


def register(app: Flask) -> None:
    """Documents: their pages and API, the scan and sweep jobs, their rules, kinds and command."""
    from odr.mediation.core.kinds import register_kinds
    from odr.mediation.documents import kinds, policy, policy_section, tasks, views
    from odr.mediation.documents.api import blp
    from odr.mediation.documents.cli import documents_cli
    from odr.platform.extensions import api
    from odr.platform.jobs import jobs
    from odr.platform.permissions import register_rules
    from odr.tenants.policy_settings import register_section

    register_rules(policy.RULES)
    register_kinds(kinds.KINDS)
    register_section(policy_section.section())
    app.register_blueprint(views.bp)
    api.register_blueprint(blp)
    jobs.register(app, tasks.JOBS)
    app.cli.add_command(documents_cli)
