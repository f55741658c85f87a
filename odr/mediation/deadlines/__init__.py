"""Deadlines: tiers, parties' turns and the regulatory clock; reminders before, escalation after."""
