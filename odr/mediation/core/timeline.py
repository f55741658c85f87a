"""A case's stream as its record reads: each entry in words, in the reader's language."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _

from odr.mediation.core.channels import JOINT
from odr.mediation.core.events import CaseEvent
from odr.mediation.core.kinds import describe
from odr.mediation.core.labels import CHANNELS, REPRESENTATIVE_OF
from odr.mediation.core.models import Case
from odr.tenants.models import Tenant
from odr.tenants.web import role_label


@dataclass(frozen=True)
class TimelineEntry:
    """One event of the case, in words."""

    seq: int
    at: datetime
    actor: str
    title: str
    detail: str
    channel: str
    private: bool


def actor_name(event: CaseEvent, case: Case, tenant: Tenant) -> str:
    """Who did it: a name with the role, a representative named as such, or the service itself."""
    user = event.actor
    if user is None:
        return _("%(tenant)s (automatic)", tenant=tenant.name) if event.actor_label == "system" else event.actor_label
    for rep in case.representatives:
        if rep.user_id == user.id:
            return _("%(name)s, %(role)s", name=user.full_name, role=REPRESENTATIVE_OF[rep.side])
    return _("%(name)s (%(role)s)", name=user.full_name, role=role_label(user.role))


def timeline_entries(events: list[CaseEvent], case: Case, tenant: Tenant) -> list[TimelineEntry]:
    """The events as the case page lists them."""
    entries = []
    for event in events:
        title, detail = describe(event.kind, event.payload, case)
        entries.append(TimelineEntry(
            seq=event.seq, at=event.created_at, actor=actor_name(event, case, tenant), title=title,
            detail=detail, channel=str(CHANNELS.get(event.channel, event.channel)),
            private=event.channel != JOINT,
        ))
    return entries
