"""The rule of blind bidding, as arithmetic: when a round's two figures settle, and at what amount.

The customer's figure is what they would accept, the insurer's what it would pay. A round settles
at the customer's figure when the insurer's is at or above it; at the midpoint when the gap is
within ``percent`` of the customer's figure or within the set amount (both inclusive, as
Cybersettle's rule of 30% or 5,000); otherwise it does not settle. All in integer minor units: a
midpoint of half a minor unit is rounded up, in the customer's favour.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass


class Basis(enum.StrEnum):
    """Why a round ended as it did."""

    MET = "met"  # the insurer's figure reached the customer's
    PERCENT = "percent"  # the gap was within the percentage
    AMOUNT = "amount"  # the gap was within the set amount
    APART = "apart"  # too far apart: no settlement


@dataclass(frozen=True)
class Rule:
    """The rule both sides opted in to."""

    rounds: int
    percent: int
    gap_minor: int  # the set amount, in minor units of the case's currency
    mediator_sees_figures: bool = False


@dataclass(frozen=True)
class Outcome:
    """A round's result: whether it settles, at what amount, and why."""

    basis: Basis
    amount_minor: int | None = None

    @property
    def settles(self) -> bool:
        """True when the round settles the case."""
        return self.basis is not Basis.APART


def decide(rule: Rule, customer_minor: int, insurer_minor: int) -> Outcome:
    """The result of a round with these two figures."""
    if insurer_minor >= customer_minor:
        return Outcome(Basis.MET, customer_minor)
    gap = customer_minor - insurer_minor
    midpoint = (customer_minor + insurer_minor + 1) // 2
    if gap * 100 <= rule.percent * customer_minor:
        return Outcome(Basis.PERCENT, midpoint)
    if gap <= rule.gap_minor:
        return Outcome(Basis.AMOUNT, midpoint)
    return Outcome(Basis.APART)


def percent_of(rule: Rule, customer_minor: int) -> int:
    """The gap the percentage allows for this customer's figure (rounded down)."""
    return rule.percent * customer_minor // 100


@dataclass(frozen=True)
class Example:
    """Two figures and what the rule makes of them, to show the rule before anyone opts in."""

    customer_minor: int
    insurer_minor: int
    outcome: Outcome

    @property
    def gap_minor(self) -> int:
        """How far apart the two figures are (none when the insurer's reaches the customer's)."""
        return max(self.customer_minor - self.insurer_minor, 0)


BASE_MINOR = 1_000_000  # 10,000 in major units: the customer's figure of the examples


def examples(rule: Rule) -> tuple[Example | None, Example | None, Example]:
    """Worked examples of ``rule``: one settling at the midpoint, one not settling (None when the rule
    has no such case), and one where the insurer's figure is above the customer's.

    The customer asks 10,000 (more when the set amount is that large); with the defaults the insurer
    offers 8,000 and the case settles at 9,000.
    """
    customer = BASE_MINOR
    if rule.gap_minor + BASE_MINOR // 10 >= customer:
        step = BASE_MINOR
        customer = -(-2 * (rule.gap_minor + BASE_MINOR // 10) // step) * step
    unit = customer // 10
    allowed = max(percent_of(rule, customer), rule.gap_minor)
    midpoint = None
    if allowed > 0:
        gap = 2 * unit if 2 * unit <= allowed else (allowed // (unit // 10) * (unit // 10) or allowed)
        midpoint = Example(customer, customer - gap, decide(rule, customer, customer - gap))
    apart = None
    if allowed + unit < customer:
        low = customer - allowed - unit
        apart = Example(customer, low, decide(rule, customer, low))
    met = Example(customer, customer + unit // 2, decide(rule, customer, customer + unit // 2))
    return midpoint, apart, met
