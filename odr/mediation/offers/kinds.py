"""The event kinds of offers, all in the joint channel: made, accepted, rejected, withdrawn, expired."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _

from odr.mediation.core.channels import JOINT
from odr.mediation.core.kinds import EventKinds
from odr.mediation.core.labels import party_text
from odr.platform.i18n import money

KINDS = EventKinds()


def _who(p: dict[str, Any]) -> str:
    text = party_text(p.get("side"))
    return text[:1].upper() + text[1:]


def _figure(p: dict[str, Any]) -> str:
    return money(int(p.get("amount_minor") or 0), str(p.get("currency") or "EUR"))


MADE = KINDS.declare(
    "offer.made",
    lambda p, case: (
        (_("%(party)s made a counter-offer of %(amount)s", party=_who(p), amount=_figure(p))
         if p.get("replies_to") else
         _("%(party)s made an offer of %(amount)s", party=_who(p), amount=_figure(p))),
        "; ".join(t.get("text", "") for t in p.get("terms") or [])),
    channels=(JOINT,))
ACCEPTED = KINDS.declare(
    "offer.accepted",
    lambda p, case: (_("The offer of %(amount)s was accepted", amount=_figure(p)), ""), channels=(JOINT,))
REJECTED = KINDS.declare(
    "offer.rejected",
    lambda p, case: (_("The offer of %(amount)s was rejected", amount=_figure(p)), ""), channels=(JOINT,))
WITHDRAWN = KINDS.declare(
    "offer.withdrawn",
    lambda p, case: (_("The offer of %(amount)s was withdrawn", amount=_figure(p)), ""), channels=(JOINT,))
EXPIRED = KINDS.declare(
    "offer.expired",
    lambda p, case: (_("The offer of %(amount)s expired", amount=_figure(p)), ""), channels=(JOINT,))
