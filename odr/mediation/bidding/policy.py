"""Who may do what in blind bidding, registered into the one ``can()``; the rule's settings on the policy page.

Anyone who may see the case sees that blind bidding exists and how it stands; opting in and putting
in figures is for the parties (and their representatives) of a case in mediation. Which figures a
reader sees is the service's rule: their own side's, and the mediator (and the service's staff) both
sides' only when the rule both opted in to says so.
"""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

from odr.mediation.bidding.rule import Rule
from odr.mediation.core.access import acts_for_a_party, may_view
from odr.mediation.core.states import CaseState
from odr.platform.permissions import Rules
from odr.tenants.policy_settings import Kind, Section, Setting

RULES = Rules()

DEFAULT_ROUNDS = 3
DEFAULT_PERCENT = 30
DEFAULT_GAP = 5_000  # in major units of the case's currency
DEFAULT_MEDIATOR_SEES = False
MAX_GAP = 10_000_000


@RULES.rule("bidding.view", target="case", description="See how a case's blind bidding stands")
def _view(user: Any, case: Any) -> bool:
    return may_view(user, case)


@RULES.rule("bidding.take_part", target="case", description="Opt in to blind bidding and put in one's side's figures")
def _take_part(user: Any, case: Any) -> bool:
    return acts_for_a_party(user, case) and (case is None or case.state is CaseState.OPEN)


def policy_section() -> Section:
    """The rule of blind bidding: how many rounds, how close the figures must come, who sees them."""
    return Section(
        key="bidding", order=26, title=_l("Blind bidding"),
        description=_l("The rule the parties opt in to. A change applies to blind bidding that starts after "
                       "it; a case where one side has opted in keeps the rule it was shown."),
        settings=(
            Setting("bidding.rounds", _l("How many rounds"),
                    _l("How many times each side may put in a figure before blind bidding ends unsettled."),
                    Kind.COUNT, DEFAULT_ROUNDS, 1, 10),
            Setting("bidding.percent", _l("Settles at the midpoint within this percentage"),
                    _l("A round settles halfway between the figures when the gap is at most this percentage "
                       "of the customer's figure (30 in Cybersettle's rule). 0 turns this test off."),
                    Kind.COUNT, DEFAULT_PERCENT, 0, 100),
            Setting("bidding.gap_amount", _l("Or within this amount"),
                    _l("A round also settles at the midpoint when the gap is at most this amount, in whole "
                       "units of the case's currency. 0 turns this test off."),
                    Kind.COUNT, DEFAULT_GAP, 0, MAX_GAP),
            Setting("bidding.mediator_sees_figures", _l("The mediator sees the figures"),
                    _l("Switched on, the mediator and the service's staff see both sides' figures. The parties "
                       "are told before they opt in. Neither side ever sees the other's."),
                    Kind.SWITCH, DEFAULT_MEDIATOR_SEES),
        ),
    )


def tenant_rule(policy: dict[str, Any] | None) -> Rule:
    """The rule the tenant's policy sets now (the set amount in minor units)."""
    values = (policy or {}).get("bidding") or {}
    return Rule(rounds=int(values.get("rounds", DEFAULT_ROUNDS)),
                percent=int(values.get("percent", DEFAULT_PERCENT)),
                gap_minor=int(values.get("gap_amount", DEFAULT_GAP)) * 100,
                mediator_sees_figures=bool(values.get("mediator_sees_figures", DEFAULT_MEDIATOR_SEES)))
