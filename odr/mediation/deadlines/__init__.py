"""Deadlines: tiers, parties' turns and the regulatory clock; reminders before, escalation after."""

from odr.mediation.deadlines import overdue  # noqa: F401 - keeps Case.overdue_from in step with the deadlines
