"""Use cases of the room: write, retract, carry across, shuttle-only mode, read marks, sync, presence.

Like every service they take the session and the acting user, check permission, change data,
append the case event and flush; the socket handlers and pages commit once at their boundary, and
the event stream broadcasts what was committed.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, bindparam, insert, select
from sqlalchemy.orm import Session, joinedload

from odr.mediation.core.access import may_post_in, visible_channels
from odr.mediation.core.events import CAUCUS_CUSTOMER, CAUCUS_INSURER, JOINT, CaseEvent, append_event
from odr.mediation.core.models import Case
from odr.mediation.rooms import bell, kinds
from odr.mediation.rooms.models import Message, ReadMark
from odr.mediation.rooms.schemas import (
    CarrySchema,
    ModeSchema,
    ReadSchema,
    RetractSchema,
    SendSchema,
    SyncSchema,
)
from odr.mediation.rooms.seats import Seat, seat_for
from odr.platform.db import utcnow
from odr.platform.errors import Conflict, Forbidden, NotFound, public_key
from odr.platform.permissions import can, require
from odr.platform.schemas import load
from odr.tenants.models import User

RETRACT_WINDOW = timedelta(minutes=10)
MESSAGE_KINDS = kinds.MESSAGE_KINDS


def text_hash(text: str) -> str:
    """The SHA-256 of a message's text, which its event records in the audit chain."""
    return hashlib.sha256(text.encode()).hexdigest()


def room_case(session: Session, actor: User, public_id: Any) -> Case:
    """The case ``public_id`` if ``actor`` may be in its room; anything else (malformed, another tenant's,
    not theirs, no room yet) is not found.

    Every socket event comes through here, so it is one statement: the case with its insurer and its
    representatives (whom the access rules ask about), judged by the room's rule in Python.
    """
    key = public_key(public_id, str(_l("We could not find that case.")))
    case = session.scalars(
        select(Case).options(joinedload(Case.representatives))
        .where(Case.public_id == key, Case.tenant_id == actor.tenant_id)
    ).unique().one_or_none()
    if case is None or not can(actor, "rooms.join", case):
        raise NotFound(str(_l("We could not find that case.")))
    return case


@dataclass(frozen=True)
class RoomState:
    """What a participant learns on entering: their channels, where the stream stands, what is unread."""

    channels: list[str]
    postable: list[str]
    last_seq: int
    unread: dict[str, int]
    shuttle_only: bool


def postable_channels(actor: User, case: Case) -> list[str]:
    """The channels ``actor`` may write in now."""
    if not can(actor, "rooms.post", case):
        return []
    return [c for c in sorted(visible_channels(actor, case)) if may_post_in(actor, case, c)]


def room_state(session: Session, actor: User, case: Case) -> RoomState:
    """The room as ``actor`` enters it."""
    require(actor, "rooms.join", case)
    return RoomState(
        channels=sorted(visible_channels(actor, case)),
        postable=postable_channels(actor, case),
        last_seq=case.last_seq,
        unread=unread_counts(session, actor, case),
        shuttle_only=case.shuttle_only,
    )


# Writing ---------------------------------------------------------------------------------------------


_messages = Message.__table__
_EXISTING = select(_messages.c.id).where(
    _messages.c.case_id == bindparam("case"), _messages.c.author_id == bindparam("author"),
    _messages.c.client_id == bindparam("client_id"))
_INSERT = insert(_messages)
_SEND = SendSchema()  # one instance: making a schema copies its fields, and loading changes nothing of it


def post_message(session: Session, actor: User, where: Case | Seat, data: dict[str, Any]) -> tuple[Message, bool]:
    """Store a message once per client id; returns it and whether it is new.

    :param where: the case, or the seat a socket keeps in it (``seats.py``), judged for ``actor``
    :param data: ``channel``, ``client_id`` (chosen by the sender's browser) and ``text``
    """
    seat = where if isinstance(where, Seat) else seat_for(actor, where)
    values = load(_SEND, {**data, "case": seat.case_public_id})
    existing = session.connection().execute(
        _EXISTING, {"case": seat.case_id, "author": actor.id, "client_id": values["client_id"]}).scalar()
    if existing is not None:
        return session.get_one(Message, existing), False
    if not seat.may_post:
        raise Forbidden(str(_l("You are not allowed to do this.")))
    channel = values["channel"]
    if channel not in seat.postable:
        if channel == JOINT and seat.joint_closed():
            raise Forbidden(str(_l("The mediator is speaking with each side separately for now; write in your "
                                   "private channel with the mediator.")))
        raise Forbidden(str(_l("You cannot write in that channel.")))
    loaded = where if isinstance(where, Case) else None
    return _store(session, actor, seat, channel, values["text"], client_id=values["client_id"], case=loaded), True


def _store(session: Session, actor: User, seat: Seat, channel: str, text: str, *, client_id: str,
           kind: str = kinds.POSTED, carried_from: Message | None = None, case: Case | None = None) -> Message:
    """Write the message and its event: two Core INSERTs beside the numbering, no unit of work.

    The returned message is not in the session (later reads load it); it carries what the views show.
    :param case: the case when the caller has it loaded (its ``last_seq`` is kept up to date)
    """
    message_id = uuid.uuid4()
    payload: dict[str, Any] = {"message": str(message_id), "sha256": text_hash(text), "length": len(text)}
    if carried_from is not None:
        payload.update(from_seq=carried_from.seq, from_channel=carried_from.channel,
                       original_author=carried_from.author_label)
    message = Message(
        public_id=message_id, tenant_id=seat.stream.tenant_id, case_id=seat.case_id, channel=channel,
        author_id=actor.id, author_label=seat.label, client_id=client_id, text=text,
        carried_from_seq=carried_from.seq if carried_from else None,
        carried_from_channel=carried_from.channel if carried_from else None,
        original_author_label=carried_from.author_label if carried_from else None,
        retracted_at=None,
    )
    message.author = actor
    event = append_event(session, case or seat.stream, kind, actor=actor, channel=channel, payload=payload,
                         label=seat.label, live={"message": message, "author_role": seat.role})
    message.seq = event.seq
    message.created_at = event.created_at
    session.connection().execute(_INSERT, {
        "public_id": message_id, "tenant_id": message.tenant_id, "case_id": message.case_id, "seq": message.seq,
        "channel": channel, "author_id": actor.id, "author_label": message.author_label, "client_id": client_id,
        "text": text, "retracted_at": None, "carried_from_seq": message.carried_from_seq,
        "carried_from_channel": message.carried_from_channel,
        "original_author_label": message.original_author_label,
        "created_at": message.created_at,
    })
    return message


def message_at(session: Session, actor: User, case: Case, seq: int) -> Message:
    """The message at ``seq`` if ``actor`` may see it; another channel's is not found."""
    message = session.scalar(select(Message).where(Message.case_id == case.id, Message.seq == seq))
    if message is None or message.channel not in visible_channels(actor, case):
        raise NotFound(str(_l("We could not find that message.")))
    return message


def retract(session: Session, actor: User, case: Case, data: dict[str, Any], *, now: datetime | None = None) -> Message:
    """Take back one's own message within ten minutes; the record keeps that it was said and taken back."""
    require(actor, "rooms.post", case)
    values = load(RetractSchema(), {**data, "case": str(case.public_id)})
    message = message_at(session, actor, case, values["seq"])
    if message.author_id != actor.id:
        raise Forbidden(str(_l("Only its author can take back a message.")))
    if message.retracted_at is not None:
        return message
    now = now or utcnow()
    if now - message.created_at > RETRACT_WINDOW:
        raise Conflict(str(_l("A message can be taken back only in the first 10 minutes after it was sent.")))
    message.retracted_at = now
    append_event(session, case, kinds.RETRACTED, actor=actor, channel=message.channel,
                 payload={"message": str(message.public_id), "seq": message.seq})
    return message


def carry(session: Session, actor: User, case: Case, data: dict[str, Any]) -> Message:
    """The mediator carries a message to another channel: a new message, attributed and recorded."""
    require(actor, "rooms.moderate", case)
    values = load(CarrySchema(), {**data, "case": str(case.public_id)})
    source = message_at(session, actor, case, values["seq"])
    target = values["to"]
    if source.retracted_at is not None:
        raise Conflict(str(_l("That message was taken back by its author.")))
    if target == source.channel or target not in visible_channels(actor, case) or target not in (
            JOINT, CAUCUS_INSURER, CAUCUS_CUSTOMER):
        raise Conflict(str(_l("Choose another channel to carry the message to.")))
    return _store(session, actor, seat_for(actor, case), target, source.text,
                  client_id=f"carry-{source.seq}-{target}"[:64], case=case,
                  kind=kinds.CARRIED, carried_from=source)


def set_shuttle_only(session: Session, actor: User, case: Case, data: dict[str, Any]) -> bool:
    """Switch shuttle-only mode; both parties are told. Returns whether anything changed."""
    require(actor, "rooms.moderate", case)
    values = load(ModeSchema(), {**data, "case": str(case.public_id)})
    if case.shuttle_only == values["shuttle_only"]:
        return False
    case.shuttle_only = values["shuttle_only"]
    append_event(session, case, kinds.MODE_CHANGED, actor=actor,
                 payload={"shuttle_only": case.shuttle_only, "reason": values["reason"].strip()})
    return True


# Reading ---------------------------------------------------------------------------------------------


def mark_read(session: Session, actor: User, case: Case, data: dict[str, Any]) -> int:
    """Move ``actor``'s read mark in a channel forward (never back); returns the mark."""
    values = load(ReadSchema(), {**data, "case": str(case.public_id)})
    require(actor, "rooms.join", case)
    channel = values["channel"]
    if channel not in visible_channels(actor, case):
        raise NotFound(str(_l("There is no such channel.")))
    seq = min(values["seq"], case.last_seq)
    mark = session.scalar(select(ReadMark).where(
        ReadMark.case_id == case.id, ReadMark.user_id == actor.id, ReadMark.channel == channel))
    if mark is None:
        mark = ReadMark(tenant_id=case.tenant_id, case_id=case.id, user_id=actor.id, channel=channel, seq=0)
        session.add(mark)
    if seq > mark.seq:
        mark.seq = seq
        mark.updated_at = utcnow()
    bell.opened(session, actor, case, channel)
    session.flush()
    return mark.seq


def unread_counts(session: Session, user: User, case: Case) -> dict[str, int]:
    """Per channel ``user`` sees: messages by others after their read mark, not taken back."""
    channels = sorted(visible_channels(user, case))
    if not channels:
        return {}
    counts = {channel: 0 for channel in channels}
    counts.update({channel: count for channel, (count, _newest) in bell.waiting(session, case, user, channels).items()})
    return counts


@dataclass(frozen=True)
class Batch:
    """Events after a sequence number: in order, each with its message if it is one."""

    events: list[tuple[CaseEvent, Message | None]]
    last_seq: int
    more: bool


def events_after(session: Session, actor: User, case: Case, data: dict[str, Any]) -> Batch:
    """Every event ``actor`` may see after ``after``, oldest first, up to ``limit``; ``last_seq`` is
    where to continue from (it moves past events the actor does not see)."""
    values = load(SyncSchema(), {**data, "case": str(case.public_id)})
    require(actor, "rooms.join", case)
    channels = sorted(visible_channels(actor, case))
    # Events are committed in sequence order (the number is handed out under the case's row lock),
    # so everything up to the case's last number, read now, is already there.
    last_seq = session.scalar(select(Case.last_seq).where(Case.id == case.id)) or 0
    after, limit = values["after"], values["limit"]
    rows = session.execute(
        select(CaseEvent, Message)
        .outerjoin(Message, and_(Message.case_id == CaseEvent.case_id, Message.seq == CaseEvent.seq))
        .where(CaseEvent.case_id == case.id, CaseEvent.seq > after, CaseEvent.seq <= last_seq,
               CaseEvent.channel.in_(channels))
        .order_by(CaseEvent.seq)
        .limit(limit + 1)
    ).all()
    more = len(rows) > limit
    rows = rows[:limit]
    through = rows[-1][0].seq if more else last_seq
    return Batch(events=list(rows), last_seq=max(through, after), more=more)


def channel_history(session: Session, actor: User, case: Case, channel: str, *, limit: int = 200
                    ) -> list[tuple[CaseEvent, Message | None]]:
    """The latest ``limit`` events of one channel ``actor`` sees, oldest first (the room page's start)."""
    require(actor, "rooms.join", case)
    if channel not in visible_channels(actor, case):
        raise NotFound(str(_l("There is no such channel.")))
    rows = session.execute(
        select(CaseEvent, Message)
        .outerjoin(Message, and_(Message.case_id == CaseEvent.case_id, Message.seq == CaseEvent.seq))
        .where(CaseEvent.case_id == case.id, CaseEvent.channel == channel)
        .order_by(CaseEvent.seq.desc())
        .limit(limit)
    ).all()
    return [(event, message) for event, message in reversed(rows)]
