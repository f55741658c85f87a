"""Who may do what with the settlement agreement, and the agreements' settings on the policy page.

The case's mediator prepares and sends the agreement (a case manager may step in); the parties and,
when the policy says so, the mediator sign it. Everyone who sees the case sees the agreement.
"""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

from odr.mediation.core.access import acts_for_a_party, may_view, mediates
from odr.platform.permissions import Rules
from odr.tenants.models import Role
from odr.tenants.policy_settings import Kind, Section, Setting

RULES = Rules()

DEFAULT_PAYMENT_DAYS = 14
DEFAULT_MEDIATOR_SIGNS = True


@RULES.rule("agreements.view", target="case", description="See the settlement agreement of a case")
def _view(user: Any, case: Any) -> bool:
    return may_view(user, case)


@RULES.rule("agreements.prepare", target="case", description="Edit the draft agreement and send it for signature")
def _prepare(user: Any, case: Any) -> bool:
    return mediates(user, case) or Role(user.role) is Role.CASE_MANAGER


@RULES.rule("agreements.sign", target="case", description="Sign the settlement agreement")
def _sign(user: Any, case: Any) -> bool:
    return acts_for_a_party(user, case) or mediates(user, case)


@RULES.rule("agreement_templates.manage", description="Edit the tenant's settlement-agreement template")
def _templates(user: Any, case: Any = None) -> bool:
    return Role(user.role) is Role.ADMIN


def setting(policy: dict[str, Any] | None, name: str, default: Any) -> Any:
    """One value of the agreements' section of a tenant's policy."""
    return ((policy or {}).get("agreements") or {}).get(name, default)


def policy_section() -> Section:
    """How long the insurer has to pay, and whether the mediator signs too."""
    return Section(
        key="agreements", order=27, title=_l("Settlement agreements"),
        description=_l("How a settlement agreement is drafted and signed."),
        settings=(
            Setting("agreements.payment_days", _l("The insurer pays within"),
                    _l("Days after the last signature, written into each new agreement; the mediator may "
                       "change it in the draft."),
                    Kind.DAYS, DEFAULT_PAYMENT_DAYS, 1, 90),
            Setting("agreements.mediator_signs", _l("The mediator signs too"),
                    _l("When on, the agreement is sealed only after the mediator has signed as well as "
                       "both parties."),
                    Kind.SWITCH, DEFAULT_MEDIATOR_SIGNS),
        ),
    )
