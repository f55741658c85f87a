"""The event kinds of intake and screening: how a referral, its screening and its people read."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _

from odr.mediation.cases.rules import RULE_TITLES
from odr.mediation.core.channels import JOINT, STAFF
from odr.mediation.core.kinds import EventKinds
from odr.mediation.core.labels import party_text
from odr.mediation.core.models import Case

KINDS = EventKinds()


def _referred(p: dict[str, Any], case: Case) -> tuple[str, str]:
    detail = _("It may repeat an earlier case (same policy and complaint date).") if p.get(
        "possible_duplicate") else ""
    return _("Referred by %(insurer)s", insurer=p.get("organisation") or case.organisation.name), detail


def _rule_overridden(p: dict[str, Any], case: Case) -> tuple[str, str]:
    rule = RULE_TITLES.get(p.get("rule", ""), p.get("rule", ""))
    return _("A screening rule was overridden: %(rule)s", rule=rule), p.get("reason") or ""


def _mediator_assigned(p: dict[str, Any], case: Case) -> tuple[str, str]:
    if p.get("previous"):
        return _("%(name)s is the mediator now, instead of %(previous)s",
                 name=p.get("mediator", ""), previous=p["previous"]), ""
    return _("%(name)s is the mediator", name=p.get("mediator", "")), ""


REFERRED = KINDS.declare("case.referred", _referred, channels=(JOINT,))
RULE_OVERRIDDEN = KINDS.declare("screening.rule_overridden", _rule_overridden, channels=(STAFF,))
CUSTOMER_INVITED = KINDS.declare(
    "customer.invited", lambda p, case: (_("The customer was invited to the case by e-mail"), ""), channels=(STAFF,))
CUSTOMER_LINKED = KINDS.declare(
    "customer.linked", lambda p, case: (_("The customer's account was linked to the case"), ""), channels=(STAFF,))
MEDIATOR_ASSIGNED = KINDS.declare("case.mediator_assigned", _mediator_assigned, channels=(JOINT,))
REPRESENTATIVE_ADDED = KINDS.declare(
    "representative.added",
    lambda p, case: (_("%(name)s represents %(side)s", name=p.get("name", ""), side=party_text(p.get("side"))), ""),
    channels=(JOINT,))
REPRESENTATIVE_REMOVED = KINDS.declare(
    "representative.removed",
    lambda p, case: (_("%(name)s no longer represents %(side)s", name=p.get("name", ""),
                       side=party_text(p.get("side"))), ""),
    channels=(JOINT,))
