"""The deadline sweep as a periodic job; safe to run in several workers at once."""

from __future__ import annotations

from odr.mediation.deadlines.sweep import sweep
from odr.platform.extensions import db
from odr.platform.jobs import JobSet

JOBS = JobSet()


@JOBS.periodic(minute="*")
def sweep_deadlines() -> None:
    """Take the due reminders and escalations."""
    with db.new_session() as session:
        sweep(session)
