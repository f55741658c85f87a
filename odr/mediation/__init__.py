"""Mediation: cases and referrals, escalation and deadlines, rooms, offers, agreements, the audit chain."""
