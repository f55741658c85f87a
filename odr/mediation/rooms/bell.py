"""The bell for room messages: one entry per case and channel for whoever is away from the room.

The room's job looks, every minute, at the channels with recent messages. Someone who may read a
channel, is not in the room and has messages waiting there gets one notification for it, which
later messages update (its count, its time, unread again) instead of adding more. Opening the
channel (its read mark moves) marks the entry read; the next message after that makes it new again.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from odr.mediation.core.access import visible_channels
from odr.mediation.core.channels import ROOM_CHANNELS
from odr.mediation.core.models import Case
from odr.mediation.core.parties import case_path
from odr.mediation.rooms.digest import PRESENT, participants
from odr.mediation.rooms.models import Message, Presence, ReadMark
from odr.platform.db import utcnow
from odr.platform.i18n import _m, _mn
from odr.platform.tenancy import set_tenant
from odr.tenants.models import Tenant, User
from odr.tenants.notifications.services import mark_group_read, update_group

KIND = "room.unread"
LOOK_BACK = timedelta(minutes=15)  # the job runs every minute; a few missed runs lose nothing
CHANNEL_WORDS = {"joint": _m("Everyone"), "caucus:insurer": _m("Private: mediator and insurer"),
                 "caucus:customer": _m("Private: mediator and customer")}


def group_key(case: Case, channel: str) -> str:
    """The key of the one bell entry of ``channel`` of ``case`` for each person."""
    return f"room:{case.id}:{channel}"


def waiting(session: Session, case: Case, user: User, channels: list[str]) -> dict[str, tuple[int, int]]:
    """Per channel with any: how many messages by others, not taken back, wait for ``user`` after their
    read mark, and the newest one's number."""
    rows = session.execute(
        select(Message.channel, func.count(), func.max(Message.seq))
        .outerjoin(ReadMark, and_(ReadMark.case_id == Message.case_id, ReadMark.user_id == user.id,
                                  ReadMark.channel == Message.channel))
        .where(Message.case_id == case.id, Message.channel.in_(channels), Message.retracted_at.is_(None),
               Message.author_id.is_distinct_from(user.id), Message.seq > func.coalesce(ReadMark.seq, 0))
        .group_by(Message.channel)
    ).all()
    return {channel: (int(count), int(newest)) for channel, count, newest in rows}


def ring_for_case(session: Session, tenant: Tenant, case: Case, now: datetime) -> int:
    """Bring the bell entries of ``case`` up to date for everyone away from its room; returns how many changed."""
    here = set(session.scalars(select(Presence.user_id).where(
        Presence.case_id == case.id, Presence.seen_at >= now - PRESENT)).all())
    changed = 0
    for user in participants(session, case):
        if user.id in here:
            continue
        channels = sorted(c for c in visible_channels(user, case) if c in ROOM_CHANNELS)
        if not channels:
            continue
        unread = waiting(session, case, user, channels)
        for channel in channels:
            count, newest = unread.get(channel, (0, 0))
            title = _mn("%(num)s new message in case %(ref)s (%(channel)s)",
                        "%(num)s new messages in case %(ref)s (%(channel)s)", count,
                        ref=case.reference, channel=CHANNEL_WORDS[channel])
            changed += update_group(session, tenant, user, kind=KIND, group_key=group_key(case, channel),
                                    version=newest, count=count, title=title,
                                    link=f"{case_path(tenant, case)}/room?channel={channel}")
    return changed


def ring_bells(session: Session, *, now: datetime | None = None) -> int:
    """Update the room-message bell entries of every case with recent messages; returns how many changed."""
    now = now or utcnow()
    changed = 0
    for tenant in session.scalars(select(Tenant).where(Tenant.is_active.is_(True))).all():
        set_tenant(session, tenant.id)
        case_ids = select(Message.case_id).where(Message.created_at >= now - LOOK_BACK).distinct()
        for case in session.scalars(select(Case).where(Case.id.in_(case_ids)).order_by(Case.id)).all():
            changed += ring_for_case(session, tenant, case, now)
        session.commit()
    set_tenant(session, None)
    return changed


def opened(session: Session, user: User, case: Case, channel: str) -> None:
    """``user`` opened ``channel`` of ``case``: its bell entry is read."""
    mark_group_read(session, user, group_key(case, channel))
