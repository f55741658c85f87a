"""The screening rules on their own: each verdict and its reason in plain words, the tenant's
settings over the defaults, and a switched-off rule that passes but says it is off."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from odr.mediation.cases import rules
from odr.mediation.cases.rules import DEFAULT_RULES, RuleResult, evaluate, rule_settings
from odr.mediation.core.models import Case

COMPLAINED = date(2026, 1, 5)
FINAL = date(2026, 2, 10)


def a_case(**overrides: Any) -> Case:
    """A complete file, not saved: the rules read only its fields."""
    values: dict[str, Any] = {
        "complaint_summary": "Water damage claim declined as wear and tear.",
        "desired_outcome": "Pay the claim in full.",
        "complaint_date": COMPLAINED,
        "final_response_date": FINAL,
        "no_final_response_reason": None,
        "amount_minor": 425_000,
        "currency": "GBP",
    }
    values.update(overrides)
    return Case(**values)


def verdicts(case: Case, on: date = date(2026, 3, 2), policy: dict[str, Any] | None = None) -> dict[str, RuleResult]:
    return {result.rule: result for result in evaluate(case, policy or {}, on)}


def test_every_rule_is_judged_in_order_and_a_complete_timely_file_passes_them_all():
    results = evaluate(a_case(), {}, date(2026, 3, 2))
    assert [r.rule for r in results] == ["final_response_or_waited", "referred_in_time", "amount_within_limit",
                                         "file_complete"]
    assert all(r.passed and r.enabled for r in results)
    assert [r.title for r in results] == [
        "A final response was issued, or enough time passed",
        "Referred in time after the final response",
        "Amount within the limit",
        "The file is complete",
    ]


# The file is complete -------------------------------------------------------------------------------


def test_a_complete_file_says_so():
    assert verdicts(a_case())["file_complete"] == RuleResult(
        "file_complete", True, "All required information and documents are there.")


@pytest.mark.parametrize(("overrides", "missing"), [
    ({"complaint_summary": "  "}, "the complaint summary"),
    ({"desired_outcome": "\n"}, "the customer's desired outcome"),
    ({"final_response_date": None}, "the final response, or the reason there is none"),
    ({"final_response_date": None, "no_final_response_reason": " "}, "the final response, or the reason there is none"),
    ({"complaint_summary": "", "desired_outcome": "", "final_response_date": None},
     "the complaint summary, the customer's desired outcome, the final response, or the reason there is none"),
], ids=["summary", "outcome", "final-response", "blank-reason", "all-three"])
def test_an_incomplete_file_names_what_is_missing(overrides, missing):
    result = verdicts(a_case(**overrides))["file_complete"]
    assert (result.passed, result.reason) == (False, f"Missing: {missing}.")


def test_a_stated_reason_stands_in_for_a_final_response():
    case = a_case(final_response_date=None, no_final_response_reason="The insurer is still reviewing it.")
    result = verdicts(case)["file_complete"]
    assert (result.passed, result.reason) == (True, "All required information and documents are there.")


def test_a_final_response_needs_no_reason():
    assert verdicts(a_case(no_final_response_reason=None))["file_complete"].passed


# A final response, or enough time ---------------------------------------------------------------------


def test_a_final_response_is_enough_and_its_date_is_named():
    result = verdicts(a_case(), on=date(2026, 2, 11))["final_response_or_waited"]
    assert (result.passed, result.reason) == (True, "The insurer issued its final response on 10 Feb 2026.")


@pytest.mark.parametrize(("on", "passed", "reason"), [
    (date(2026, 3, 1), False, "No final response yet, and 8 weeks from the complaint end only on 2 Mar 2026."),
    (date(2026, 3, 2), True, "No final response, but 8 weeks passed since the complaint."),
    (date(2026, 3, 3), True, "No final response, but 8 weeks passed since the complaint."),
])
def test_without_a_final_response_the_weeks_since_the_complaint_decide(on, passed, reason):
    result = verdicts(a_case(final_response_date=None, no_final_response_reason="Still reviewing."), on=on)
    assert (result["final_response_or_waited"].passed, result["final_response_or_waited"].reason) == (passed, reason)


def test_the_tenant_sets_the_weeks_to_wait():
    policy = {"screening_rules": {"final_response_or_waited": {"weeks": 2}}}
    case = a_case(final_response_date=None, no_final_response_reason="Still reviewing.")
    early = verdicts(case, on=date(2026, 1, 18), policy=policy)["final_response_or_waited"]
    assert (early.passed, early.reason) == (
        False, "No final response yet, and 2 weeks from the complaint end only on 19 Jan 2026.")
    assert verdicts(case, on=date(2026, 1, 19), policy=policy)["final_response_or_waited"].reason == (
        "No final response, but 2 weeks passed since the complaint.")


# Referred in time ---------------------------------------------------------------------------------


def test_without_a_final_response_no_time_limit_runs():
    case = a_case(final_response_date=None, no_final_response_reason="Still reviewing.")
    result = verdicts(case, on=date(2030, 1, 1))["referred_in_time"]
    assert (result.passed, result.reason) == (True, "No final response was issued, so no time limit runs yet.")


@pytest.mark.parametrize(("on", "passed", "reason"), [
    (date(2026, 8, 10), True, "Referred within 6 months of the final response."),
    (date(2026, 8, 11), False, "Referred after 10 Aug 2026, more than 6 months after the final response."),
])
def test_six_months_from_the_final_response_include_the_last_day(on, passed, reason):
    result = verdicts(a_case(), on=on)["referred_in_time"]
    assert (result.passed, result.reason) == (passed, reason)


def test_the_tenant_sets_the_months_allowed():
    policy = {"screening_rules": {"referred_in_time": {"months": 1}}}
    result = verdicts(a_case(), on=date(2026, 3, 11), policy=policy)["referred_in_time"]
    assert (result.passed, result.reason) == (
        False, "Referred after 10 Mar 2026, more than 1 months after the final response.")


@pytest.mark.parametrize(("day", "months", "expected"), [
    (date(2026, 1, 31), 1, date(2026, 2, 28)),
    (date(2026, 11, 30), 3, date(2027, 2, 28)),
    (date(2026, 12, 15), 12, date(2027, 12, 15)),
    (date(2026, 1, 15), 12, date(2027, 1, 15)),
    (date(2026, 1, 15), 24, date(2028, 1, 15)),
    (date(2026, 5, 15), 0, date(2026, 5, 15)),
])
def test_months_are_added_across_years_and_clamped(day, months, expected):
    assert rules.add_months(day, months) == expected


# The amount -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(("amount", "passed"), [(44_500_000, True), (44_500_001, False)])
def test_the_amount_may_reach_the_limit_but_not_pass_it(amount, passed):
    result = verdicts(a_case(amount_minor=amount))["amount_within_limit"]
    assert result.passed is passed
    assert result.reason == ("The amount in dispute is within the limit." if passed
                             else "The amount in dispute is above the limit of £445,000.00.")


def test_the_limit_is_the_one_of_the_cases_currency():
    result = verdicts(a_case(amount_minor=50_000_001, currency="EUR"))["amount_within_limit"]
    assert (result.passed, result.reason) == (False, "The amount in dispute is above the limit of €500,000.00.")
    assert verdicts(a_case(amount_minor=50_000_000, currency="EUR"))["amount_within_limit"].passed


def test_a_currency_without_a_limit_is_checked_by_hand():
    result = verdicts(a_case(currency="USD", amount_minor=1))["amount_within_limit"]
    assert (result.passed, result.reason) == (False, "There is no limit set for USD; check the amount by hand.")


def test_the_tenant_sets_its_own_limits():
    policy = {"screening_rules": {"amount_within_limit": {"limits_minor": {"USD": 123_456}}}}
    result = verdicts(a_case(currency="USD", amount_minor=123_457), policy=policy)["amount_within_limit"]
    assert (result.passed, result.reason) == (False, "The amount in dispute is above the limit of $1,234.56.")
    gbp = verdicts(a_case(currency="GBP", amount_minor=1), policy=policy)["amount_within_limit"]
    assert (gbp.passed, gbp.reason) == (False, "There is no limit set for GBP; check the amount by hand.")


# Settings -------------------------------------------------------------------------------------------


def test_the_tenants_settings_lie_over_the_defaults_rule_by_rule():
    assert rule_settings({}) == DEFAULT_RULES
    settings = rule_settings({"screening_rules": {"referred_in_time": {"months": 12}, "file_complete":
                                                  {"enabled": False}}})
    assert settings["referred_in_time"] == {"enabled": True, "months": 12}
    assert settings["file_complete"] == {"enabled": False}
    assert settings["final_response_or_waited"] == {"enabled": True, "weeks": 8}
    assert DEFAULT_RULES["referred_in_time"] == {"enabled": True, "months": 6}  # the defaults stay as they were


def test_a_switched_off_rule_passes_keeps_its_reason_and_says_it_is_off():
    policy = {"screening_rules": {"file_complete": {"enabled": False}, "amount_within_limit": {"enabled": False}}}
    results = verdicts(a_case(complaint_summary="", amount_minor=1), policy=policy)
    assert results["file_complete"] == RuleResult("file_complete", True, "Missing: the complaint summary.", False)
    assert results["amount_within_limit"] == RuleResult(
        "amount_within_limit", True, "The amount in dispute is within the limit.", False)
    assert results["referred_in_time"].enabled is True


def test_a_switched_on_rule_that_fails_stays_failed():
    results = verdicts(a_case(complaint_summary=""))
    assert results["file_complete"] == RuleResult("file_complete", False, "Missing: the complaint summary.", True)
