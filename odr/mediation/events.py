"""A case's event stream, which is also its audit chain.

Every event of a case (referral, screening, state changes, assignments, reminders, escalations,
and later messages, documents, offers, signatures) gets the case's next sequence number and is
chained: each entry holds the SHA-256 of the previous entry and the SHA-256 of its own canonical
JSON together with that previous hash. Appends are serialised per case by the one
``UPDATE cases SET last_seq = last_seq + 1 ... RETURNING`` that hands out the number.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship
from sqlalchemy.orm.attributes import set_committed_value

from odr.mediation.cases.models import Case
from odr.platform.db import Base, after_commit, utcnow
from odr.platform.tenancy import TenantScoped
from odr.tenants.models import User

log = logging.getLogger(__name__)

GENESIS = "0" * 64

# Channels: who may see an event. Parties never see the other party's caucus, nor staff notes.
JOINT = "joint"
CAUCUS_INSURER = "caucus:insurer"
CAUCUS_CUSTOMER = "caucus:customer"
STAFF = "staff"
CHANNELS = (JOINT, CAUCUS_INSURER, CAUCUS_CUSTOMER, STAFF)


class CaseEvent(TenantScoped, Base):
    """One entry of a case's stream and audit chain."""

    __tablename__ = "case_events"
    __table_args__ = (UniqueConstraint("case_id", "seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    seq: Mapped[int]
    kind: Mapped[str] = mapped_column(String(60))
    channel: Mapped[str] = mapped_column(String(20), default=JOINT)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    actor_label: Mapped[str] = mapped_column(String(250))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))

    actor: Mapped[User | None] = relationship(lazy="joined")


def canonical(entry: dict[str, Any]) -> bytes:
    """The canonical JSON of an entry: sorted keys, no spaces, UTF-8."""
    return json.dumps(entry, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str).encode()


def entry_body(event: CaseEvent, case_public_id: str) -> dict[str, Any]:
    """What the hash covers: everything that says what happened, when, by whom, where."""
    return {
        "case": case_public_id,
        "seq": event.seq,
        "kind": event.kind,
        "channel": event.channel,
        "actor": event.actor_id,
        "actor_label": event.actor_label,
        "payload": event.payload,
        "at": event.created_at.isoformat(),
    }


def chain_hash(prev_hash: str, body: dict[str, Any]) -> str:
    """SHA-256 over the previous hash and the SHA-256 of the entry's canonical JSON."""
    own = hashlib.sha256(canonical(body)).hexdigest()
    return hashlib.sha256(f"{prev_hash}:{own}".encode()).hexdigest()


def actor_label(actor: User | None, on_behalf: str | None = None) -> str:
    """How an actor is named in the record (``None``: the system)."""
    if actor is None:
        return "system"
    label = f"{actor.full_name} ({actor.role.value})"
    return f"{label}, {on_behalf}" if on_behalf else label


# Called with each event once its transaction has committed (the room broadcasts them).
Publisher = Callable[["CaseEvent", dict[str, Any]], None]
_publishers: list[Publisher] = []


def on_committed(publisher: Publisher) -> Publisher:
    """Register ``publisher(event, live)`` to run after each event's transaction commits."""
    _publishers.append(publisher)
    return publisher


def _publish(event: CaseEvent, live: dict[str, Any]) -> None:
    for publisher in _publishers:
        try:
            publisher(event, live)
        except Exception:  # a broadcast that fails loses nothing: clients resync from the database
            log.exception("publishing event %s of case %s failed", event.seq, event.case_id)


def append_event(
    session: Session,
    case: Case,
    kind: str,
    *,
    actor: User | None,
    payload: dict[str, Any] | None = None,
    channel: str = JOINT,
    label: str | None = None,
    live: dict[str, Any] | None = None,
) -> CaseEvent:
    """Append an event to ``case``'s stream and chain, in the caller's transaction.

    Once the transaction commits, the event is published (to the room); a rollback publishes nothing.

    :param kind: what happened, e.g. ``case.referred``, ``case.state_changed``
    :param actor: who did it (None: the system)
    :param payload: JSON-friendly details
    :param channel: who may see it (``joint``, a caucus, or ``staff``)
    :param label: the actor's name as recorded, when it differs from the default
    :param live: objects the publishers need beside the event (a message), not recorded in the chain
    """
    if channel not in CHANNELS:
        raise ValueError(f"unknown channel {channel!r}")
    seq = session.execute(
        update(Case)
        .where(Case.id == case.id)
        .values(last_seq=Case.last_seq + 1)
        .returning(Case.last_seq)
        .execution_options(synchronize_session=False)
    ).scalar_one()
    prev_hash = GENESIS
    if seq > 1:
        prev_hash = session.scalar(
            select(CaseEvent.hash).where(CaseEvent.case_id == case.id, CaseEvent.seq == seq - 1)
        ) or GENESIS
    event = CaseEvent(
        tenant_id=case.tenant_id,
        case_id=case.id,
        seq=seq,
        kind=kind,
        channel=channel,
        actor_id=actor.id if actor else None,
        actor_label=label or actor_label(actor),
        payload=payload or {},
        created_at=utcnow(),
        prev_hash=prev_hash,
    )
    event.hash = chain_hash(prev_hash, entry_body(event, str(case.public_id)))
    session.add(event)
    session.flush()
    # The UPDATE above already wrote the number: record it as loaded state, or the next flush
    # would write the same value again (one more statement in every event's transaction).
    set_committed_value(case, "last_seq", seq)
    if _publishers:
        context = {"case": str(case.public_id), **(live or {})}
        after_commit(session, lambda: _publish(event, context))
    return event


@dataclass(frozen=True)
class ChainReport:
    """The verdict on a case's chain: ``ok``, or the first broken entry and why."""

    ok: bool
    entries: int
    broken_seq: int | None = None
    reason: str = ""


def verify_chain(session: Session, case: Case) -> ChainReport:
    """Re-read ``case``'s chain and check numbering, links and hashes; name the first break."""
    events = session.scalars(
        select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.seq)
    ).all()
    prev_hash = GENESIS
    for expected_seq, event in enumerate(events, start=1):
        if event.seq != expected_seq:
            return ChainReport(False, len(events), expected_seq, f"entry {expected_seq} is missing")
        if event.prev_hash != prev_hash:
            return ChainReport(False, len(events), event.seq, "its link to the previous entry is broken")
        if event.hash != chain_hash(prev_hash, entry_body(event, str(case.public_id))):
            return ChainReport(False, len(events), event.seq, "its content does not match its hash")
        prev_hash = event.hash
    if len(events) != case.last_seq:
        return ChainReport(False, len(events), len(events) + 1, f"entry {len(events) + 1} is missing")
    return ChainReport(True, len(events))
