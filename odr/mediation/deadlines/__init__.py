"""Deadlines: tiers, parties' turns and the regulatory clock; reminders before, escalation after."""

from __future__ import annotations

from flask import Flask


def register(app: Flask) -> None:
    """Deadlines: their kinds, the sweep job, the overdue column, the stalemate trigger, ending with the case."""
    from odr.mediation.core.kinds import register_kinds
    from odr.mediation.core.signals import offer_answered, state_changed
    from odr.mediation.deadlines import kinds, overdue, policy_section, services, tasks
    from odr.mediation.deadlines.cli import deadlines_cli
    from odr.platform.jobs import jobs
    from odr.tenants.policy_settings import register_section

    register_kinds(kinds.KINDS)
    register_section(policy_section.section())
    jobs.register(app, tasks.JOBS)
    overdue.init()
    state_changed.connect(services.cancel_when_case_ends, weak=False)
    offer_answered.connect(services.count_offer_answer, weak=False)
    app.cli.add_command(deadlines_cli)
