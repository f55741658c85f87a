"""The deadlines' command: ``odr deadlines sweep``."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from odr.mediation.deadlines.sweep import sweep
from odr.platform.extensions import db

deadlines_cli = AppGroup("deadlines", help="Deadlines and their reminders.")


@deadlines_cli.command("sweep")
def deadlines_sweep() -> None:
    """Send due reminders and escalate passed deadlines now (the jobs do this every minute)."""
    with db.new_session() as session:
        result = sweep(session)
    click.echo(f"reminders {result.reminders}, chases {result.chases}, escalations {result.escalations}"
               + (f", failed {result.failed} (see the log; tried again later)" if result.failed else ""))
