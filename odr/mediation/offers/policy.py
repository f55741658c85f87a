"""Who may do what with offers, registered into the one ``can()``; the offers' settings on the policy page.

Making and answering are for the parties (and their representatives) of a case in mediation; which
side may answer which offer is the service's rule (the other side only; the maker may withdraw).
Conveying a caucus offer and putting a proposal to both parties are for the case's mediator.
"""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

from odr.mediation.core.access import acts_for_a_party, may_view, mediates
from odr.mediation.core.states import CaseState
from odr.platform.permissions import Rules
from odr.tenants.policy_settings import Kind, Section, Setting

RULES = Rules()

DEFAULT_EXPIRY_DAYS = 14


@RULES.rule("offers.view", target="case", description="See the offers of a case")
def _view(user: Any, case: Any) -> bool:
    return may_view(user, case)


@RULES.rule("offers.make", target="case", description="Make an offer or a counter-offer for one's side")
def _make(user: Any, case: Any) -> bool:
    return acts_for_a_party(user, case) and (case is None or case.state is CaseState.OPEN)


@RULES.rule("offers.respond", target="case",
            description="Accept, reject or withdraw an offer; answer the mediator's proposal")
def _respond(user: Any, case: Any) -> bool:
    return acts_for_a_party(user, case) and (case is None or case.state is CaseState.OPEN)


@RULES.rule("offers.convey", target="case", description="Convey a party's caucus offer to the other side")
def _convey(user: Any, case: Any) -> bool:
    return mediates(user, case) and (case is None or case.state is CaseState.OPEN)


@RULES.rule("offers.propose", target="case", description="Put a mediator's proposal to both parties")
def _propose(user: Any, case: Any) -> bool:
    return mediates(user, case) and (case is None or case.state is CaseState.OPEN)


def policy_section() -> Section:
    """How long an offer stays open unless its maker says otherwise."""
    return Section(
        key="offers", order=25, title=_l("Offers"),
        description=_l("How offers between the parties work."),
        settings=(
            Setting("offers.expiry_days", _l("An offer stays open for"),
                    _l("Days an offer can be accepted, unless its maker chooses fewer. It expires after."),
                    Kind.DAYS, DEFAULT_EXPIRY_DAYS, 1, 90),
        ),
    )
