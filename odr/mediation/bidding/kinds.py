"""The event kinds of blind bidding, all in the joint channel: opted in, started, a round that did not
settle, settled. No payload carries a figure of either side; the settled one carries the amount agreed."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from flask_babel import ngettext

from odr.mediation.core.channels import JOINT
from odr.mediation.core.kinds import EventKinds
from odr.platform.i18n import money

KINDS = EventKinds()


def _round(p: dict[str, Any]) -> int:
    return int(p.get("round") or 1)


def _left(p: dict[str, Any]) -> str:
    left = int(p.get("rounds_left") or 0)
    if left == 0:
        return _("No rounds are left: blind bidding has ended without a settlement.")
    return ngettext("%(num)s round is left.", "%(num)s rounds are left.", left)


def _started(p: dict[str, Any]) -> tuple[str, str]:
    rounds = int(p.get("rounds") or 1)
    return (_("Blind bidding started"),
            ngettext("Both sides opted in. Each puts in a figure in confidence, for at most %(num)s round.",
                     "Both sides opted in. Each puts in a figure in confidence, for at most %(num)s rounds.",
                     rounds))


OPTED_IN = KINDS.declare(
    "bidding.opted_in",
    lambda p, case: (_("The insurer opted in to blind bidding") if p.get("side") == "insurer" else
                     _("The customer opted in to blind bidding"), ""), channels=(JOINT,))
STARTED = KINDS.declare("bidding.started", lambda p, case: _started(p), channels=(JOINT,))
ROUND_FAILED = KINDS.declare(
    "bidding.round_failed",
    lambda p, case: (_("Round %(round)s of blind bidding did not settle", round=_round(p)), _left(p)),
    channels=(JOINT,))
SETTLED = KINDS.declare(
    "bidding.settled",
    lambda p, case: (_("Blind bidding settled in round %(round)s at %(amount)s", round=_round(p),
                       amount=money(int(p.get("amount_minor") or 0), str(p.get("currency") or "EUR"))), ""),
    channels=(JOINT,))
