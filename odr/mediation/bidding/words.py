"""The rule of blind bidding in plain words, with a worked example from the tenant's own settings, as
both sides read it before they opt in."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import ngettext

from odr.mediation.bidding.rule import Basis, Example, Rule, examples, percent_of
from odr.platform.i18n import money


@dataclass(frozen=True)
class RuleWords:
    """The rule as sentences: how a round works, its three outcomes, who sees the figures, an example."""

    how: str
    outcomes: tuple[str, ...]
    who_sees: str
    example: tuple[str, ...]


def _midpoint(rule: Rule, currency: str) -> str | None:
    amount = money(rule.gap_minor, currency)
    if rule.percent and rule.gap_minor:
        return _("If the insurer's figure is below it, but the gap between the two is at most %(percent)s%% of "
                 "the customer's figure or at most %(amount)s, the case settles halfway between them.",
                 percent=rule.percent, amount=amount)
    if rule.percent:
        return _("If the insurer's figure is below it, but the gap between the two is at most %(percent)s%% of "
                 "the customer's figure, the case settles halfway between them.", percent=rule.percent)
    if rule.gap_minor:
        return _("If the insurer's figure is below it, but the gap between the two is at most %(amount)s, the "
                 "case settles halfway between them.", amount=amount)
    return None


def _worked(rule: Rule, currency: str, example: Example) -> str:
    values = {"customer": money(example.customer_minor, currency), "insurer": money(example.insurer_minor, currency),
              "gap": money(example.gap_minor, currency), "amount": money(example.outcome.amount_minor or 0, currency)}
    if example.outcome.basis is Basis.PERCENT:
        return _("For example, the customer asks for %(customer)s and the insurer offers %(insurer)s. The gap of "
                 "%(gap)s is within %(percent)s%% of %(customer)s (%(limit)s), so the case settles at %(amount)s.",
                 percent=rule.percent, limit=money(percent_of(rule, example.customer_minor), currency), **values)
    return _("For example, the customer asks for %(customer)s and the insurer offers %(insurer)s. The gap of "
             "%(gap)s is within %(limit)s, so the case settles at %(amount)s.",
             limit=money(rule.gap_minor, currency), **values)


def rule_words(rule: Rule, currency: str) -> RuleWords:
    """``rule`` in the reader's language, amounts in ``currency``."""
    how = ngettext(
        "In each round, each side puts in one figure, in confidence: the customer the least they would accept, "
        "the insurer the most it would pay. There is %(num)s round at most.",
        "In each round, each side puts in one figure, in confidence: the customer the least they would accept, "
        "the insurer the most it would pay. There are %(num)s rounds at most.", rule.rounds)
    outcomes = [_("If the insurer's figure is at or above the customer's, the case settles at the customer's "
                  "figure.")]
    midpoint = _midpoint(rule, currency)
    if midpoint:
        outcomes.append(midpoint)
    outcomes.append(_("Otherwise the round does not settle. Both sides learn only that, and how many rounds are "
                      "left."))
    who_sees = (_("Neither side ever sees the other's figure. The mediator sees both.")
                if rule.mediator_sees_figures else
                _("Neither side ever sees the other's figure, and the mediator does not see them either."))
    settling, apart, met = examples(rule)
    example = []
    if settling is not None:
        example.append(_worked(rule, currency, settling))
    if apart is not None:
        example.append(_("Had the insurer offered %(insurer)s, the gap of %(gap)s would be too large and the round "
                         "would not settle.", insurer=money(apart.insurer_minor, currency),
                         gap=money(apart.gap_minor, currency)))
    example.append(_("Had the insurer offered %(insurer)s, at or above what the customer asks, the case would "
                     "settle at %(customer)s.", insurer=money(met.insurer_minor, currency),
                     customer=money(met.customer_minor, currency)))
    return RuleWords(how, tuple(outcomes), who_sees, tuple(example))
