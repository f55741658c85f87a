"""The event kinds of the room: messages, taking one back, and the room's mode."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _

from odr.mediation.core.channels import JOINT, ROOM_CHANNELS, STAFF
from odr.mediation.core.kinds import EventKinds
from odr.mediation.core.models import Case

KINDS = EventKinds()


def _mode_changed(p: dict[str, Any], case: Case) -> tuple[str, str]:
    if p.get("shuttle_only"):
        return _("The mediator now speaks with each side separately. You can write only in your private "
                 "channel with the mediator; the other side cannot read it."), p.get("reason") or ""
    return _("Everyone can write in the shared conversation again."), p.get("reason") or ""


def _message(p: dict[str, Any], case: Case) -> tuple[str, str]:
    return _("A message in the room"), ""


# Messages are the room's; the case page's record leaves them out. Staff notes are messages too.
POSTED = KINDS.declare("message.posted", _message, channels=(*ROOM_CHANNELS, STAFF), timeline=False)
CARRIED = KINDS.declare("message.carried", _message, channels=(*ROOM_CHANNELS, STAFF), timeline=False)
RETRACTED = KINDS.declare(
    "message.retracted", lambda p, case: (_("A message was taken back by its author"), ""),
    channels=(*ROOM_CHANNELS, STAFF), timeline=False)
MODE_CHANGED = KINDS.declare("room.mode_changed", _mode_changed, channels=(JOINT,))
MESSAGE_KINDS = (POSTED, CARRIED)
