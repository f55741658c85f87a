"""Eligibility rules for screening, each with a default in the tenant's policy and switchable."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from flask_babel import lazy_gettext as _l

from odr.mediation.core.models import Case
from odr.platform.i18n import day, money

DEFAULT_RULES: dict[str, dict[str, Any]] = {
    "final_response_or_waited": {"enabled": True, "weeks": 8},
    "referred_in_time": {"enabled": True, "months": 6},
    "amount_within_limit": {"enabled": True, "limits_minor": {"EUR": 50_000_000, "GBP": 44_500_000}},
    "file_complete": {"enabled": True},
}

RULE_TITLES = {
    "final_response_or_waited": _l("A final response was issued, or enough time passed"),
    "referred_in_time": _l("Referred in time after the final response"),
    "amount_within_limit": _l("Amount within the limit"),
    "file_complete": _l("The file is complete"),
}


@dataclass(frozen=True)
class RuleResult:
    """One rule's verdict on a case, with the reason in plain words."""

    rule: str
    passed: bool
    reason: str
    enabled: bool = True

    @property
    def title(self) -> str:
        """The rule's name in the reader's language."""
        return str(RULE_TITLES[self.rule])


def add_months(day: date, months: int) -> date:
    """``day`` plus ``months`` calendar months, clamped to the month's last day (31 Aug + 6 = 28/29 Feb)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def rule_settings(policy: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The tenant's rule settings over the defaults."""
    configured = policy.get("screening_rules", {})
    return {name: {**default, **configured.get(name, {})} for name, default in DEFAULT_RULES.items()}


def evaluate(case: Case, policy: dict[str, Any], referred_on: date) -> list[RuleResult]:
    """Every rule's verdict on ``case``, as of the local date ``referred_on``."""
    settings = rule_settings(policy)
    results = [
        _final_response_or_waited(case, settings["final_response_or_waited"], referred_on),
        _referred_in_time(case, settings["referred_in_time"], referred_on),
        _amount_within_limit(case, settings["amount_within_limit"]),
        _file_complete(case),
    ]
    return [
        RuleResult(r.rule, r.passed or not settings[r.rule]["enabled"], r.reason, settings[r.rule]["enabled"])
        for r in results
    ]


def _final_response_or_waited(case: Case, s: dict[str, Any], today: date) -> RuleResult:
    name = "final_response_or_waited"
    if case.final_response_date is not None:
        return RuleResult(name, True, str(_l("The insurer issued its final response on %(date)s.",
                                               date=day(case.final_response_date))))
    waited_until = case.complaint_date + timedelta(weeks=s["weeks"])
    if today >= waited_until:
        return RuleResult(name, True, str(_l("No final response, but %(weeks)s weeks passed since the complaint.",
                                               weeks=s["weeks"])))
    return RuleResult(name, False, str(_l(
        "No final response yet, and %(weeks)s weeks from the complaint end only on %(date)s.",
        weeks=s["weeks"], date=day(waited_until))))


def _referred_in_time(case: Case, s: dict[str, Any], today: date) -> RuleResult:
    name = "referred_in_time"
    if case.final_response_date is None:
        return RuleResult(name, True, str(_l("No final response was issued, so no time limit runs yet.")))
    last_day = add_months(case.final_response_date, s["months"])
    if today <= last_day:
        return RuleResult(name, True, str(_l("Referred within %(months)s months of the final response.",
                                               months=s["months"])))
    return RuleResult(name, False, str(_l(
        "Referred after %(date)s, more than %(months)s months after the final response.",
        date=day(last_day), months=s["months"])))


def _amount_within_limit(case: Case, s: dict[str, Any]) -> RuleResult:
    name = "amount_within_limit"
    limit = s["limits_minor"].get(case.currency)
    if limit is None:
        return RuleResult(name, False, str(_l("There is no limit set for %(currency)s; check the amount by hand.",
                                                currency=case.currency)))
    if case.amount_minor <= limit:
        return RuleResult(name, True, str(_l("The amount in dispute is within the limit.")))
    return RuleResult(name, False, str(_l("The amount in dispute is above the limit of %(limit)s.",
                                            limit=money(limit, case.currency))))


def _file_complete(case: Case) -> RuleResult:
    name = "file_complete"
    missing = []
    if not case.complaint_summary.strip():
        missing.append(str(_l("the complaint summary")))
    if not case.desired_outcome.strip():
        missing.append(str(_l("the customer's desired outcome")))
    if case.final_response_date is None and not (case.no_final_response_reason or "").strip():
        missing.append(str(_l("the final response, or the reason there is none")))
    if missing:
        return RuleResult(name, False, str(_l("Missing: %(items)s.", items=", ".join(missing))))
    return RuleResult(name, True, str(_l("All required information and documents are there.")))
