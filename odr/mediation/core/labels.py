"""The words a reader sees for the codes of a case: product lines, categories, tiers, parties."""

from __future__ import annotations

import re
from datetime import datetime

from flask_babel import lazy_gettext as _l

from odr.mediation.core.models import (
    ComplaintCategory,
    EscalationLevel,
    ProductLine,
    ServiceKind,
    Side,
)
from odr.mediation.core.states import LABELS as STATE_LABELS
from odr.mediation.core.states import CaseState
from odr.platform.i18n import day
from odr.tenants.models import Role
from odr.tenants.web import role_label

PRODUCT_LINES = {
    ProductLine.MOTOR: _l("Motor"),
    ProductLine.HOME: _l("Home"),
    ProductLine.TRAVEL: _l("Travel"),
    ProductLine.HEALTH: _l("Health"),
    ProductLine.LIFE: _l("Life"),
    ProductLine.PET: _l("Pet"),
    ProductLine.COMMERCIAL: _l("Commercial"),
    ProductLine.OTHER: _l("Other"),
}

CATEGORIES = {
    ComplaintCategory.CLAIM_DECLINED: _l("Claim declined"),
    ComplaintCategory.DELAY: _l("Delay"),
    ComplaintCategory.SETTLEMENT_AMOUNT: _l("Settlement amount"),
    ComplaintCategory.PREMIUM: _l("Premium"),
    ComplaintCategory.CANCELLATION: _l("Cancellation"),
    ComplaintCategory.SERVICE: _l("Service"),
    ComplaintCategory.OTHER: _l("Other"),
}

SERVICES = {
    ServiceKind.MEDIATION: _l("Mediation"),
    ServiceKind.CONCILIATION: _l("Conciliation"),
    ServiceKind.ARBITRATION: _l("Arbitration"),
}

LEVELS = {
    EscalationLevel.FRONTLINE: _l("Frontline"),
    EscalationLevel.TEAM_LEADER: _l("Team leader or supervisor"),
    EscalationLevel.INTERNAL_REVIEW: _l("Internal review"),
}

TIERS = {
    1: _l("Tier 1: screening"),
    2: _l("Tier 2: mediation"),
    3: _l("Tier 3: senior review"),
    4: _l("Tier 4: arbitration or the regulator"),
}

# The same, inside a sentence ("a reminder was sent to the insurer").
PARTIES_IN_TEXT = {
    "customer": _l("the customer"),
    "insurer": _l("the insurer"),
    "case_manager": _l("the case manager"),
    "mediator": _l("the mediator"),
    "provider": _l("the service"),
}

REPRESENTATIVE_OF = {
    Side.CUSTOMER: _l("representative of the customer"),
    Side.INSURER: _l("representative of the insurer"),
}

# The parties a deadline can wait for (``Deadline.party``).
PARTIES = {
    "customer": _l("The customer"),
    "insurer": _l("The insurer"),
    "case_manager": _l("The case manager"),
    "mediator": _l("The mediator"),
    "provider": _l("The service"),
}

CHANNELS = {
    "joint": _l("Everyone"),
    "caucus:insurer": _l("Private: mediator and insurer"),
    "caucus:customer": _l("Private: mediator and customer"),
    "staff": _l("Staff only"),
}

# Plain-language descriptions of where a case is, for everyone in it.
STATE_EXPLANATIONS = {
    CaseState.REFERRED: _l("The complaint has arrived. A case manager will check whether we can take it on."),
    CaseState.SCREENING: _l("A case manager is checking whether we can take the complaint on."),
    CaseState.OPEN: _l("The case is in mediation: the mediator helps the customer and the insurer reach an "
                       "agreement."),
    CaseState.SETTLED: _l("An agreement was signed. We follow up until it is carried out."),
    CaseState.NOT_SETTLED: _l("The mediation ended without an agreement. The case will be closed."),
    CaseState.WITHDRAWN: _l("The case was withdrawn. It will be closed."),
    CaseState.REJECTED: _l("We could not take the case on. It will be closed."),
    CaseState.CLOSED: _l("The case is closed. Nothing else will happen in it."),
}


def state_label(state: CaseState | str) -> str:
    """A state in plain words."""
    return str(STATE_LABELS[CaseState(state)])


def tier_label(tier: int) -> str:
    """A tier with its name."""
    return str(TIERS.get(tier, tier))


def party_text(party: object) -> str:
    """A deadline's party inside a sentence ("a reminder was sent to the insurer")."""
    return str(PARTIES_IN_TEXT.get(party, party))  # type: ignore[call-overload]


def date_text(value: object) -> str:
    """A date an event's payload carries as ISO text, in the reader's long format."""
    try:
        return day(datetime.fromisoformat(str(value)))
    except ValueError:
        return str(value or "")


# The record names a person as "<name> (<role code>)" (``events.actor_label``): it is what the audit
# chain holds, in no one's language. Shown to a reader, the code becomes the role's word.
_RECORDED_ROLE = re.compile(r" \((" + "|".join(role.value for role in Role) + r")\)(?=,|$)")


def readable_label(label: str | None) -> str:
    """A recorded actor label with its role code put into the reader's words: "Nils Northwind
    (insurer_agent)" reads "Nils Northwind (Insurer agent)"."""
    if not label:
        return ""
    return _RECORDED_ROLE.sub(lambda match: f" ({role_label(match.group(1))})", label)


# Terms of a settlement beyond money: what an offer, a proposal and the agreement name.
TERM_KINDS = {
    "apology": _l("An apology"),
    "repair": _l("A repair"),
    "reinstate_policy": _l("The policy reinstated"),
    "premium_refund": _l("A refund of premium"),
    "ex_gratia": _l("An ex-gratia payment"),
    "other": _l("Something else"),
}
