"""The eligibility rules of screening on the tenant's policy page: each can be switched off, with its limit.

A change applies to referrals screened after it; a case already screened keeps its verdict.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from odr.mediation.cases.rules import DEFAULT_RULES, RULE_TITLES
from odr.tenants.policy_settings import Kind, Section, Setting

_ON = _l("Check this rule when a referral is screened. Switched off, it always passes.")


def _switch(rule: str) -> Setting:
    return Setting(f"screening_rules.{rule}.enabled", RULE_TITLES[rule], _ON, Kind.SWITCH,
                   DEFAULT_RULES[rule]["enabled"])


def section() -> Section:
    """The screening rules' switches and limits."""
    limits = DEFAULT_RULES["amount_within_limit"]["limits_minor"]
    return Section(
        key="screening", order=30, title=_l("Eligibility rules"),
        description=_l("What screening checks before a case is taken on. A change applies to referrals "
                       "screened after it; cases already screened keep their result."),
        settings=(
            _switch("final_response_or_waited"),
            Setting("screening_rules.final_response_or_waited.weeks", _l("Without a final response, wait"),
                    _l("Weeks from the complaint to the insurer after which a customer may come without a "
                       "final response (8 in the UK's DISP rules)."),
                    Kind.WEEKS, DEFAULT_RULES["final_response_or_waited"]["weeks"], 1, 52),
            _switch("referred_in_time"),
            Setting("screening_rules.referred_in_time.months", _l("Refer within"),
                    _l("Months after the insurer's final response within which the customer must refer "
                       "(6 in the UK's DISP rules)."),
                    Kind.MONTHS, DEFAULT_RULES["referred_in_time"]["months"], 1, 72),
            _switch("amount_within_limit"),
            *(Setting(f"screening_rules.amount_within_limit.limits_minor.{currency}",
                      _l("The largest amount in %(currency)s", currency=currency),
                      _l("A dispute about more than this is referred to a person to decide."),
                      Kind.MONEY, limit, 0, 100_000_000_000, currency=currency)
              for currency, limit in sorted(limits.items())),
            _switch("file_complete"),
        ),
    )
