"""Calendar arithmetic in the tenant's time zone, safe across daylight-saving changes."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo


def local_date(moment: datetime, zone: str) -> date:
    """The calendar date of ``moment`` in ``zone``."""
    return moment.astimezone(ZoneInfo(zone)).date()


def end_of_local_day(day: date, zone: str) -> datetime:
    """The last second of ``day`` in ``zone``, as UTC (a deadline falls due then)."""
    return datetime.combine(day, time(23, 59, 59), tzinfo=ZoneInfo(zone)).astimezone(UTC)


def due_after_days(start: datetime, days: int, zone: str) -> datetime:
    """The end of the local day ``days`` calendar days after ``start``'s local date."""
    return end_of_local_day(local_date(start, zone) + timedelta(days=days), zone)


def days_before(due: datetime, days: int, zone: str) -> datetime:
    """The same local wall-clock time ``days`` calendar days before ``due`` (not 24-hour steps)."""
    local = due.astimezone(ZoneInfo(zone))
    earlier = (local.replace(tzinfo=None) - timedelta(days=days)).replace(tzinfo=ZoneInfo(zone))
    return earlier.astimezone(UTC)


def days_left(due: datetime, now: datetime, zone: str) -> int:
    """Whole local calendar days from ``now`` until ``due`` (negative when overdue)."""
    return (local_date(due, zone) - local_date(now, zone)).days
