"""The event kinds of offers and of the mediator's proposals, each in the channel of who may know it.

An offer made in the joint channel is written there from the start; one made in a caucus, to the
mediator only, is written in that caucus until the mediator conveys it. Conveying, a late counter-
offer's extra days and a proposal's outcome are joint; a party's answer to a proposal stays in its
caucus, so the other side never reads it.
"""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _

from odr.mediation.core.channels import CAUCUS_CUSTOMER, CAUCUS_INSURER, JOINT, ROOM_CHANNELS
from odr.mediation.core.kinds import EventKinds
from odr.mediation.core.labels import date_text, party_text
from odr.platform.i18n import money

KINDS = EventKinds()


def _who(p: dict[str, Any]) -> str:
    text = party_text(p.get("side"))
    return text[:1].upper() + text[1:]


def _figure(p: dict[str, Any]) -> str:
    return money(int(p.get("amount_minor") or 0), str(p.get("currency") or "EUR"))


def _terms(p: dict[str, Any]) -> str:
    return "; ".join(t.get("text", "") for t in p.get("terms") or [] if t.get("text"))


def _made(p: dict[str, Any], case: Any) -> tuple[str, str]:
    if p.get("channel", JOINT) != JOINT:
        return _("An offer of %(amount)s was made to the mediator only by %(party)s", amount=_figure(p),
                 party=party_text(p.get("side"))), _terms(p)
    amount, counter, side = _figure(p), bool(p.get("replies_to")), p.get("side")
    # The party is the sentence's subject: a sentence of its own for each side, as German needs.
    if side == "insurer":
        text = (_("The insurer made a counter-offer of %(amount)s", amount=amount) if counter
                else _("The insurer made an offer of %(amount)s", amount=amount))
    elif side == "customer":
        text = (_("The customer made a counter-offer of %(amount)s", amount=amount) if counter
                else _("The customer made an offer of %(amount)s", amount=amount))
    elif counter:
        text = _("%(party)s made a counter-offer of %(amount)s", party=_who(p), amount=amount)
    else:
        text = _("%(party)s made an offer of %(amount)s", party=_who(p), amount=amount)
    return text, _terms(p)


def _conveyed(p: dict[str, Any], case: Any) -> tuple[str, str]:
    if p.get("with_figure"):
        return _("The mediator conveyed an offer of %(amount)s from %(party)s", amount=_figure(p),
                 party=party_text(p.get("side"))), _terms(p)
    return _("The mediator says %(party)s is prepared to move", party=party_text(p.get("side"))), ""


def _proposal_answered(p: dict[str, Any], case: Any) -> tuple[str, str]:
    if p.get("answer") == "accept":
        return _("The mediator's proposal was accepted by %(party)s", party=party_text(p.get("side"))), ""
    return _("The mediator's proposal was rejected by %(party)s", party=party_text(p.get("side"))), ""


def _disclosed(p: dict[str, Any], case: Any) -> tuple[str, str]:
    if p.get("outcome") == "accepted":
        return _("Both parties accepted the mediator's proposal of %(amount)s", amount=_figure(p)), _terms(p)
    return _("The mediator's proposal of %(amount)s was not accepted by both parties", amount=_figure(p)), ""


MADE = KINDS.declare("offer.made", _made, channels=ROOM_CHANNELS)
ACCEPTED = KINDS.declare(
    "offer.accepted",
    lambda p, case: (_("The offer of %(amount)s was accepted", amount=_figure(p)), ""), channels=(JOINT,))
REJECTED = KINDS.declare(
    "offer.rejected",
    lambda p, case: (_("The offer of %(amount)s was rejected", amount=_figure(p)), ""), channels=(JOINT,))
WITHDRAWN = KINDS.declare(
    "offer.withdrawn",
    lambda p, case: (_("The offer of %(amount)s was withdrawn", amount=_figure(p)), ""), channels=ROOM_CHANNELS)
EXPIRED = KINDS.declare(
    "offer.expired",
    lambda p, case: (_("The offer of %(amount)s expired", amount=_figure(p)), ""), channels=ROOM_CHANNELS)
CLOSED = KINDS.declare(
    "offer.closed",
    lambda p, case: (_("The offer of %(amount)s closed unanswered: the parties settled", amount=_figure(p)), ""),
    channels=ROOM_CHANNELS)
CONVEYED = KINDS.declare("offer.conveyed", _conveyed, channels=(JOINT,))
ANSWER_EXTENDED = KINDS.declare(
    "offer.answer_extended",
    lambda p, case: (_("Because this counter-offer came late, %(party)s has until %(date)s to answer",
                       party=party_text(p.get("party")), date=date_text(p.get("answer_by"))), ""),
    channels=(JOINT,))

PROPOSAL_MADE = KINDS.declare(
    "proposal.made",
    lambda p, case: (_("The mediator proposed a settlement of %(amount)s to both parties", amount=_figure(p)),
                     _terms(p)),
    channels=(JOINT,))
PROPOSAL_ANSWERED = KINDS.declare("proposal.answered", _proposal_answered, channels=(CAUCUS_CUSTOMER, CAUCUS_INSURER))
PROPOSAL_DISCLOSED = KINDS.declare("proposal.disclosed", _disclosed, channels=(JOINT,))
PROPOSAL_CLOSED = KINDS.declare(
    "proposal.closed",
    lambda p, case: (_("The mediator's proposal of %(amount)s closed: the parties settled on an offer",
                       amount=_figure(p)), ""),
    channels=(JOINT,))
