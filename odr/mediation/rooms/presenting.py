"""Events as the room's clients receive them: live (the same for everyone in a channel) or synced
(rendered for one reader, in their language)."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from markupsafe import Markup, escape

from odr.mediation.core.events import CaseEvent
from odr.mediation.core.kinds import describe
from odr.mediation.core.models import Case
from odr.mediation.rooms.kinds import RETRACTED
from odr.mediation.rooms.models import Message
from odr.tenants.models import Role, User


def role_key(user: User | None, case: Case) -> str:
    """How the room labels an author: their role, or whose representative they are."""
    if user is None:
        return "system"
    for rep in case.representatives:
        if rep.user_id == user.id:
            return f"representative:{rep.side.value}"
    return Role(user.role).value


def actor_view(user: User | None, label: str, role: str) -> dict[str, Any]:
    """The author as clients show it."""
    if user is None:
        return {"id": None, "name": label, "role": role}
    return {"id": str(user.public_id), "name": user.full_name, "role": role}


def message_view(message: Message) -> dict[str, Any]:
    """A message; a retracted one keeps its place but not its words."""
    retracted = message.retracted_at is not None
    view: dict[str, Any] = {
        "id": str(message.public_id),
        "client_id": message.client_id,
        "text": None if retracted else message.text,
        "retracted": retracted,
    }
    if message.carried_from_channel:
        view["carried_from"] = message.carried_from_channel
        view["original_author"] = message.original_author_label
    return view


def live_view(event: CaseEvent, case_public_id: str, message: Message | None = None,
              author_role: str = "system") -> dict[str, Any]:
    """What a channel's sockets are sent when ``event`` commits: a message whole, anything else as a
    notice to sync (its words depend on the reader's language)."""
    view: dict[str, Any] = {
        "case": case_public_id,
        "seq": event.seq,
        "kind": event.kind,
        "channel": event.channel,
        "at": event.created_at.isoformat(),
    }
    if message is not None:
        view["actor"] = actor_view(message.author, message.author_label, author_role)
        view["message"] = message_view(message)
    elif event.kind == RETRACTED:
        view["retracts"] = event.payload.get("seq")
    else:
        view["sync"] = True
    return view


def synced_view(event: CaseEvent, message: Message | None, case: Case) -> dict[str, Any]:
    """One event for one reader: a message, or a titled entry of the case's record."""
    view: dict[str, Any] = {
        "case": str(case.public_id),
        "seq": event.seq,
        "kind": event.kind,
        "channel": event.channel,
        "at": event.created_at.isoformat(),
        "actor": actor_view(event.actor, event.actor_label, role_key(event.actor, case)),
    }
    if message is not None:
        view["message"] = message_view(message)
    elif event.kind == RETRACTED:
        view["retracts"] = event.payload.get("seq")
    else:
        title, detail = describe(event.kind, event.payload, case)
        view["title"] = str(title)
        view["detail"] = str(detail)
    return view



# Web addresses become links; everything else stays text. Trailing punctuation is not part of a link.
_URL = re.compile(r"\bhttps?://[^\s<>\"']+", re.IGNORECASE)
_TRAILING = ".,;:!?)]}'\""


def linkify(text: str) -> Markup:
    """A message's text, escaped, with its web addresses as links that open a new tab without a referrer."""
    parts: list[Markup] = []
    position = 0
    for match in _URL.finditer(text):
        url = match.group(0).rstrip(_TRAILING)
        parts.append(escape(text[position:match.start()]))
        parts.append(Markup('<a href="{0}" rel="noopener noreferrer nofollow" target="_blank">{0}</a>').format(url))
        position = match.start() + len(url)
    parts.append(escape(text[position:]))
    return Markup("").join(parts)


def parse_iso(value: str) -> datetime:
    """A time the room's views carry as ISO text, back as a datetime (for the page's formatting)."""
    return datetime.fromisoformat(value)
