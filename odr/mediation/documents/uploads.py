"""Uploading a document through the server: plan, receive, record, as one use case across transactions.

An upload has three steps, so that no database lock is held while bytes travel: ``plan_upload``
checks permission and input and names the key (reads only); ``receive`` streams the bytes into the
store through the checks of ``odr.storage.intake`` (no database); ``record_upload`` writes the row
and the case event. ``upload`` runs them: it commits after the first step and after the last, and
deletes the bytes when the last refuses. So a row never points at bytes that are not there, and
bytes no row points at (a crash between the steps) are removed by the orphan sweep.

This is the one use case that commits: its steps are transactions of their own, so it takes the
boundary's session and ends each of them; the steps themselves only flush.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from typing import Any, BinaryIO

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from odr.mediation.core.events import actor_label
from odr.mediation.core.models import Case
from odr.mediation.documents.models import Document, DocumentStatus
from odr.mediation.documents.policy import upload_channels
from odr.mediation.documents.services import (
    announce,
    delete_quietly,
    document_for,
    limits_of,
    refused_error,
    storage_busy,
)
from odr.mediation.documents.tasks import scan_document
from odr.platform.db import after_commit, retry_on_conflict, utcnow
from odr.platform.errors import NotFound, ValidationFailed
from odr.platform.jobs import jobs
from odr.platform.permissions import require
from odr.storage import Storage, StorageUnavailable, document_key
from odr.storage.intake import Intake, Received, Refused
from odr.storage.types import allowed_extensions, extension
from odr.tenants.models import Tenant, User

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class UploadPlan:
    """Everything an upload needs between its checks and its record, with the key its bytes go to."""

    tenant_id: int
    case_id: int
    uploader_id: int
    channel: str
    file_name: str
    chain_id: str
    version_id: str
    key: str
    idempotency_key: str | None
    max_bytes: int
    categories: tuple[str, ...]
    size: int | None = None
    sha256: str | None = None


def upload(session: Session, actor: User, case: Case, values: dict[str, Any], stream: BinaryIO, *,
           storage: Storage, scanning: bool) -> tuple[Document, bool]:
    """Plan, receive and record an upload whose bytes are ``stream``; returns the document and whether it is new.

    :param values: loaded by ``UploadSchema``: name, channel, replaces, idempotency_key
    :param stream: the file's bytes, read once in constant memory
    :param storage: where the bytes go
    :param scanning: a malware scanner is configured
    """
    try:
        plan = plan_upload(session, actor, case, values)
    finally:
        # Nothing is written yet: end the transaction (and SQLite's write lock) before the bytes travel.
        session.commit()
    if isinstance(plan, Document):
        return plan, False
    received = receive(storage, plan, stream)
    return finish_upload(session, actor, case, plan, received, storage=storage, scanning=scanning)


def finish_upload(session: Session, actor: User, case: Case, plan: UploadPlan, received: Received, *,
                  storage: Storage, scanning: bool) -> tuple[Document, bool]:
    """Record an upload whose bytes are stored, and commit; a refusal deletes the bytes, a lost race finds the winner.

    :param plan: the upload's plan, whose key holds the bytes
    :param received: what ``receive`` (or the check of a direct upload) found in them
    :param storage: the store holding the bytes
    :param scanning: a malware scanner is configured
    """

    def record() -> tuple[Document, bool]:
        try:
            result = record_upload(session, actor, case, plan, received, scanning=scanning)
            session.commit()
        except Exception:
            session.rollback()
            raise
        return result

    try:
        document, created = retry_on_conflict(session, record)
    except Exception:
        discard(storage, plan)
        raise
    if not created and document.storage_key != plan.key:
        discard(storage, plan)  # this upload was recorded before, with the bytes sent then
    return document, created


def _existing(session: Session, actor: User, case: Case, key: str | None) -> Document | None:
    if not key:
        return None
    return session.scalar(select(Document).where(
        Document.case_id == case.id, Document.uploaded_by_id == actor.id, Document.idempotency_key == key))


def plan_upload(session: Session, actor: User, case: Case, values: dict[str, Any]) -> UploadPlan | Document:
    """Check an upload before its bytes are read; the document itself when its idempotency key was used.

    :param values: loaded by ``UploadSchema``: name (the file's name), channel, replaces (a document's
        id: upload a new version of it, in its channel), idempotency_key
    """
    require(actor, "documents.upload", case)
    existing = _existing(session, actor, case, values.get("idempotency_key"))
    if existing is not None:
        return existing
    channel = values["channel"]
    chain_id = uuid.uuid4()
    if values.get("replaces"):
        previous = document_for(session, actor, values["replaces"])
        if previous.case_id != case.id or previous.status is not DocumentStatus.AVAILABLE:
            raise NotFound(str(_l("We could not find that document.")))
        channel, chain_id = previous.channel, previous.chain_id  # a new version stays where the document is
    if channel not in upload_channels(actor, case):
        raise ValidationFailed.on_fields({"channel": [str(_l("You cannot share documents in this channel."))]})
    tenant = session.get(Tenant, case.tenant_id)
    assert tenant is not None
    limits = limits_of(tenant)
    name = values["name"]
    if extension(name) not in allowed_extensions(limits.categories):
        raise refused_error(Refused("extension_not_allowed", extension=extension(name)))
    version_id = uuid.uuid4()
    return UploadPlan(
        tenant_id=tenant.id, case_id=case.id, uploader_id=actor.id, channel=channel, file_name=name,
        chain_id=str(chain_id), version_id=str(version_id),
        key=document_key(tenant.public_id, case.public_id, chain_id, version_id),
        idempotency_key=values.get("idempotency_key"), max_bytes=limits.max_bytes, categories=limits.categories,
    )


def receive(storage: Storage, plan: UploadPlan, stream: BinaryIO) -> Received:
    """Stream the bytes into the store through the checks; a refusal or a failure keeps nothing."""
    intake = Intake(stream, name=plan.file_name, max_bytes=plan.max_bytes, categories=plan.categories,
                    expected_size=plan.size, expected_sha256=plan.sha256)
    try:
        intake.inspect()
        storage.put(plan.key, intake, content_type=intake.content_type, sha256=intake.sha256)
    except Refused as refused:
        raise refused_error(refused) from refused
    except StorageUnavailable as error:
        log.warning("storing %s failed: %s", plan.key, error)
        raise storage_busy() from error
    return intake.received()


def record_upload(session: Session, actor: User, case: Case, plan: UploadPlan, received: Received, *,
                  scanning: bool) -> tuple[Document, bool]:
    """Write the document whose bytes ``receive`` stored; returns it and whether it is new.

    Permission is asked again: access may have ended while the bytes travelled. With a malware scanner
    the document is pending until the scan (a job after commit) finds it clean; without one it is
    shared at once.

    :param scanning: a malware scanner is configured
    """
    require(actor, "documents.upload", case)
    if plan.case_id != case.id or plan.uploader_id != actor.id:
        raise NotFound(str(_l("We could not find that document.")))
    if plan.channel not in upload_channels(actor, case):
        raise ValidationFailed.on_fields({"channel": [str(_l("You cannot share documents in this channel."))]})
    existing = _existing(session, actor, case, plan.idempotency_key) or session.scalar(
        select(Document).where(Document.public_id == uuid.UUID(plan.version_id)))
    if existing is not None:
        return existing, False
    chain_id = uuid.UUID(plan.chain_id)
    latest = session.scalar(select(Document).where(Document.chain_id == chain_id)
                            .order_by(Document.version.desc()).limit(1))
    now = utcnow()
    document = Document(
        public_id=uuid.UUID(plan.version_id), tenant_id=case.tenant_id, case_id=case.id, channel=plan.channel,
        uploaded_by_id=actor.id, uploader_label=actor_label(actor), file_name=plan.file_name,
        content_type=received.content_type, size=received.size, sha256=received.sha256, chain_id=chain_id,
        version=(latest.version + 1) if latest else 1, previous_id=latest.id if latest else None,
        status=DocumentStatus.PENDING if scanning else DocumentStatus.AVAILABLE,
        storage_key=plan.key, idempotency_key=plan.idempotency_key, available_at=None if scanning else now,
    )
    session.add(document)
    session.flush()
    if scanning:
        document_id = document.id
        after_commit(session, lambda: jobs.enqueue(scan_document, document_id))
    else:
        announce(session, actor, case, document)
    return document, True


def discard(storage: Storage, plan: UploadPlan) -> None:
    """Delete the bytes of an upload whose record was refused (best effort: the sweep catches the rest)."""
    delete_quietly(storage, plan.key)
