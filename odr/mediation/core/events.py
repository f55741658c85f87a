"""A case's event stream, which is also its audit chain.

Every event of a case (referral, screening, state changes, assignments, reminders, escalations,
and later messages, documents, offers, signatures) gets the case's next sequence number and is
chained: each entry holds the SHA-256 of the previous entry and the SHA-256 of its own canonical
JSON together with that previous hash. Appends are serialised per case by the one
``UPDATE cases SET last_seq = last_seq + 1 ... RETURNING`` that hands out the number. An event is
written with three Core statements on the session's connection, in its transaction.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint, bindparam, insert, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship
from sqlalchemy.orm.attributes import set_committed_value

# The channels are re-exported: writers of events name them with the stream they write to.
from odr.mediation.core.channels import CAUCUS_CUSTOMER, CAUCUS_INSURER, CHANNELS, JOINT, STAFF  # noqa: F401
from odr.mediation.core.kinds import check_writable
from odr.mediation.core.models import Case
from odr.platform.db import Base, after_commit, utcnow
from odr.platform.tenancy import TenantScoped, guard_write
from odr.tenants.models import User

log = logging.getLogger(__name__)

GENESIS = "0" * 64



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


def on_committed(publisher: Publisher) -> None:
    """Run ``publisher(event, live)`` after each event's transaction commits; once per publisher."""
    if publisher not in _publishers:
        _publishers.append(publisher)


def _publish(event: CaseEvent, live: dict[str, Any]) -> None:
    for publisher in _publishers:
        try:
            publisher(event, live)
        except Exception:  # a broadcast that fails loses nothing: clients resync from the database
            log.exception("publishing event %s of case %s failed", event.seq, event.case_id)


class AccessMoved(Exception):  # noqa: N818 - a signal to judge again, not an error
    """The case's access moved since the ``Stream``'s ``access_version`` was read: nothing was written."""


@dataclass(frozen=True)
class Stream:
    """What appending to a case's stream needs to know of the case: a ``Case`` gives it, and so does
    a room's seat, which keeps it between a socket's events without loading the case.

    With ``access_version``, the append happens only while the case's access is still at that
    version (one condition on the numbering UPDATE); otherwise ``AccessMoved`` is raised.
    """

    case_id: int
    tenant_id: int
    case_public_id: str
    access_version: int | None = None


def stream_of(case: Case) -> Stream:
    """The stream of a loaded case."""
    return Stream(case.id, case.tenant_id, str(case.public_id))


# Prepared once: an event is three small statements on the connection, without the ORM's unit of
# work, which cost more than the statements themselves (a message's send is mostly this).
_cases = Case.__table__
_events = CaseEvent.__table__
_NEXT_SEQ = (
    update(_cases)
    .where(_cases.c.id == bindparam("case"), _cases.c.tenant_id == bindparam("tenant"))
    .values(last_seq=_cases.c.last_seq + 1)
    .returning(_cases.c.last_seq)
)
_NEXT_SEQ_AT_VERSION = _NEXT_SEQ.where(_cases.c.access_version == bindparam("version"))
# A statement of its own, not a subquery of the UPDATE's RETURNING: on PostgreSQL a writer that
# waited for the row lock sees the row as the other writer committed it, but its subquery would
# still see the events as they were when its statement began, without the other writer's entry.
_PREVIOUS_HASH = select(_events.c.hash).where(_events.c.case_id == bindparam("case"), _events.c.seq == bindparam("seq"))
_INSERT = insert(_events)


def _next_link(connection: Connection, stream: Stream) -> tuple[int, str]:
    """The stream's next sequence number and the hash of the entry before it.

    The numbering UPDATE serialises appends per case: a second writer waits here until the first
    commits. With an ``access_version``, nothing is numbered once the case's access has moved.
    """
    if stream.access_version is None:
        seq = connection.execute(_NEXT_SEQ, {"case": stream.case_id, "tenant": stream.tenant_id}).scalar_one()
    else:
        seq = connection.execute(_NEXT_SEQ_AT_VERSION, {
            "case": stream.case_id, "tenant": stream.tenant_id, "version": stream.access_version}).scalar()
        if seq is None:
            raise AccessMoved(stream.case_public_id)
    prev_hash = GENESIS
    if seq > 1:
        prev_hash = connection.execute(_PREVIOUS_HASH, {"case": stream.case_id, "seq": seq - 1}).scalar() or GENESIS
    return seq, prev_hash


def _insert(connection: Any, event: CaseEvent, stream: Stream) -> None:
    """Seal ``event`` with its hash and write its row."""
    event.hash = chain_hash(event.prev_hash, entry_body(event, stream.case_public_id))
    connection.execute(_INSERT, {
        "tenant_id": event.tenant_id, "case_id": event.case_id, "seq": event.seq, "kind": event.kind,
        "channel": event.channel, "actor_id": event.actor_id, "actor_label": event.actor_label,
        "payload": event.payload, "created_at": event.created_at, "prev_hash": event.prev_hash,
        "hash": event.hash,
    })


def append_event(
    session: Session,
    case: Case | Stream,
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
    The returned event is not in the session: the row is written at once, and later reads load it.

    :param case: the case, or its ``Stream``
    :raises AccessMoved: the stream carries an ``access_version`` the case has moved from
    :param kind: what happened, e.g. ``case.referred``, ``case.state_changed``
    :param actor: who did it (None: the system)
    :param payload: JSON-friendly details
    :param channel: who may see it (``joint``, a caucus, or ``staff``)
    :param label: the actor's name as recorded, when it differs from the default
    :param live: objects the publishers need beside the event (a message), not recorded in the chain
    """
    if channel not in CHANNELS:
        raise ValueError(f"unknown channel {channel!r}")
    check_writable(kind, channel)
    # The ORM's pending changes go first: a case made in this transaction needs its row, and
    # whatever the caller changed before the event happened before it.
    session.flush()
    stream = case if isinstance(case, Stream) else stream_of(case)
    guard_write(session, stream.tenant_id)
    connection = session.connection()
    seq, prev_hash = _next_link(connection, stream)
    event = CaseEvent(
        tenant_id=stream.tenant_id,
        case_id=stream.case_id,
        seq=seq,
        kind=kind,
        channel=channel,
        actor_id=actor.id if actor else None,
        actor_label=label or actor_label(actor),
        payload=payload or {},
        created_at=utcnow(),
        prev_hash=prev_hash,
    )
    _insert(connection, event, stream)
    event.actor = actor
    if isinstance(case, Case):
        # The UPDATE above wrote the number: record it as loaded state, or the next flush would
        # write the same value again.
        set_committed_value(case, "last_seq", seq)
    if _publishers:
        context = {"case": stream.case_public_id, **(live or {})}
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
