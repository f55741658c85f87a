"""The unread digest: someone away from a room with messages waiting gets one e-mail about them.

A message counts once: each read mark remembers the last message an e-mail was sent about, and
that mark is moved with a conditional update before the e-mail is queued, so two workers sweeping
at once send it once. The e-mail names the cases and how many messages wait, never their words.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import force_locale, ngettext
from sqlalchemy import and_, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from odr.mediation.core.access import visible_channels
from odr.mediation.core.models import Case
from odr.mediation.rooms.models import Message, Presence, ReadMark
from odr.platform.db import utcnow
from odr.platform.tenancy import set_tenant
from odr.tenants.models import Tenant, User
from odr.tenants.notifications.services import send_templated
from odr.tenants.policy import DEFAULT_POLICY

LOOK_BACK = timedelta(days=2)  # older unread messages were either read or e-mailed about already
PRESENT = timedelta(minutes=2)


@dataclass(frozen=True)
class Waiting:
    """Messages waiting for one person in one case."""

    case: Case
    count: int


def delay_of(tenant: Tenant) -> timedelta:
    """How long messages wait unread before the e-mail (the tenant's policy, 15 minutes by default)."""
    minutes = tenant.policy.get("room_digest_minutes", DEFAULT_POLICY["room_digest_minutes"])
    return timedelta(minutes=max(1, int(minutes)))


def participants(session: Session, case: Case) -> list[User]:
    """Who may be told about a case's room (by e-mail or the bell): its parties, representatives, insurer agents who
    referred or opened it, and its mediator."""
    people: list[User | None] = [case.customer, case.mediator, case.referred_by]
    people += [rep.user for rep in case.representatives]
    people += session.scalars(select(User).where(User.id.in_(
        select(ReadMark.user_id).where(ReadMark.case_id == case.id)))).all()
    seen: dict[int, User] = {}
    for user in people:
        if user is not None and user.is_active and user.id not in seen:
            seen[user.id] = user
    return list(seen.values())


def _claim(session: Session, case: Case, user: User, channel: str, cutoff: datetime) -> int:
    """Claim the messages of one channel to e-mail ``user`` about; returns how many (0: none, or
    another worker took them)."""
    mark = session.scalar(select(ReadMark).where(
        ReadMark.case_id == case.id, ReadMark.user_id == user.id, ReadMark.channel == channel))
    if mark is None:
        try:
            with session.begin_nested():
                mark = ReadMark(tenant_id=case.tenant_id, case_id=case.id, user_id=user.id, channel=channel)
                session.add(mark)
        except IntegrityError:
            mark = session.scalar(select(ReadMark).where(
                ReadMark.case_id == case.id, ReadMark.user_id == user.id, ReadMark.channel == channel))
            if mark is None:
                return 0
    since = max(mark.seq, mark.notified_seq)
    waiting = session.execute(
        select(func.count(), func.max(Message.seq)).where(
            Message.case_id == case.id, Message.channel == channel, Message.seq > since,
            Message.retracted_at.is_(None), Message.author_id.is_distinct_from(user.id),
            Message.created_at <= cutoff)
    ).one()
    count, newest = int(waiting[0] or 0), waiting[1]
    if not count:
        return 0
    claimed = session.execute(
        update(ReadMark).where(ReadMark.id == mark.id, ReadMark.notified_seq == mark.notified_seq,
                               ReadMark.seq == mark.seq)
        .values(notified_seq=newest).execution_options(synchronize_session=False))
    return count if claimed.rowcount == 1 else 0  # type: ignore[attr-defined]


def _summary(tenant: Tenant, waiting: list[Waiting]) -> str:
    base = current_app.config["ODR"].base_url.rstrip("/")
    lines = []
    for item in waiting:
        lines.append(ngettext("%(reference)s: %(num)s new message", "%(reference)s: %(num)s new messages",
                              item.count, reference=item.case.reference))
        lines.append(f"{base}/t/{tenant.slug}/cases/{item.case.public_id}/room")
    return "\n".join(lines)


def send_digests(session: Session, *, now: datetime | None = None) -> int:
    """E-mail everyone who has been away while messages waited; returns how many e-mails were queued."""
    now = now or utcnow()
    sent = 0
    for tenant in session.scalars(select(Tenant).where(Tenant.is_active.is_(True))).all():
        set_tenant(session, tenant.id)
        cutoff = now - delay_of(tenant)
        case_ids = session.scalars(
            select(Message.case_id).where(Message.created_at <= cutoff, Message.created_at >= now - LOOK_BACK,
                                          Message.retracted_at.is_(None)).distinct()).all()
        per_user: dict[int, list[Waiting]] = defaultdict(list)
        users: dict[int, User] = {}
        for case in session.scalars(select(Case).where(Case.id.in_(case_ids)).order_by(Case.id)).all():
            here = set(session.scalars(select(Presence.user_id).where(
                and_(Presence.case_id == case.id, Presence.seen_at >= now - PRESENT))).all())
            for user in participants(session, case):
                if user.id in here:
                    continue
                count = sum(_claim(session, case, user, channel, cutoff)
                            for channel in sorted(visible_channels(user, case)))
                if count:
                    per_user[user.id].append(Waiting(case, count))
                    users[user.id] = user
        for user_id, waiting in per_user.items():
            user = users[user_id]
            locale = user.locale or tenant.default_locale
            with force_locale(locale):
                summary = _summary(tenant, waiting)
            send_templated(session, tenant, user.email, user.full_name, locale, "room_unread",
                           {"summary": summary, "case_reference": waiting[0].case.reference,
                            "link": f"{current_app.config['ODR'].base_url.rstrip('/')}/t/{tenant.slug}/cases/"
                                    f"{waiting[0].case.public_id}/room"})
            sent += 1
        session.commit()
    set_tenant(session, None)
    return sent
