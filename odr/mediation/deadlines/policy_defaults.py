"""The tenant policy's deadline settings, with defaults (days are calendar days)."""

from __future__ import annotations

from typing import Any

DEFAULTS: dict[str, Any] = {
    "tier_days": {"1": 14, "2": 60, "3": 30, "4": 60},
    "response_days": 14,
    "reminder_days": [3, 1],
    "outcome_days": 90,  # EU ADR Directive, Art. 8(e)
    "extension_days": 30,
    "silence_days": 10,
    "stalemate_rejections": 3,
}

TIER_OWNERS = {1: "case_manager", 2: "mediator", 3: "provider", 4: "provider"}


def setting(policy: dict[str, Any], key: str) -> Any:
    """The tenant's value for ``key``, else the default."""
    return policy.get("deadlines", {}).get(key, DEFAULTS[key])


def tier_days(policy: dict[str, Any], tier: int) -> int:
    """Days allowed in ``tier``."""
    return int(setting(policy, "tier_days").get(str(tier), DEFAULTS["tier_days"][str(tier)]))
