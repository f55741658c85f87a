"""Unread messages per case, for the case lists and dashboards: what waits for the reader where.

A message waits for someone when it is in a room channel they may read, after their read mark in
that channel, by someone else, and not taken back. A list asks for its whole page at once: one
aggregate statement, whatever the number of cases.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, func, select
from sqlalchemy.orm import Session

from odr.mediation.core.access import visible_channels
from odr.mediation.core.channels import ROOM_CHANNELS
from odr.mediation.core.models import Case
from odr.mediation.rooms.models import Message, ReadMark


def _waiting_for(user: Any) -> ColumnElement[bool]:
    """A WHERE clause on ``Message`` (joined to the reader's marks): it waits for ``user``."""
    return and_(Message.channel.in_(ROOM_CHANNELS), Message.retracted_at.is_(None),
                Message.author_id.is_distinct_from(user.id), Message.seq > func.coalesce(ReadMark.seq, 0))


def _marks_of(user: Any) -> ColumnElement[bool]:
    return and_(ReadMark.case_id == Message.case_id, ReadMark.user_id == user.id, ReadMark.channel == Message.channel)


def unread_counts(session: Session, user: Any, cases: Sequence[Case]) -> dict[int, int]:
    """How many messages wait for ``user`` in each of ``cases`` that has any, by case id.

    Counted per case and channel in one statement; the channels ``user`` may not read in a case (the
    other party's caucus) are then left out by the same rule the room applies.
    """
    if not cases:
        return {}
    rows = session.execute(
        select(Message.case_id, Message.channel, func.count())
        .outerjoin(ReadMark, _marks_of(user))
        .where(Message.case_id.in_([case.id for case in cases]), _waiting_for(user))
        .group_by(Message.case_id, Message.channel)
    ).all()
    readable = {case.id: visible_channels(user, case) for case in cases}
    counts: dict[int, int] = {}
    for case_id, channel, count in rows:
        if channel in readable[case_id]:
            counts[case_id] = counts.get(case_id, 0) + int(count)
    return counts


def has_unread_for_mediator(user: Any) -> ColumnElement[bool]:
    """A clause on ``Case`` for a mediator's own cases: a message waits for them in one of its channels.

    A mediator reads every room channel of the cases they mediate, so no rule per case is needed.
    """
    return exists(select(Message.id).outerjoin(ReadMark, _marks_of(user))
                  .where(Message.case_id == Case.id, _waiting_for(user)))
