"""Use cases of documents: plan an upload, take its bytes, record it; carry, link, scan. They flush, never commit.

An upload has three steps, so that no database lock is held while bytes travel: ``plan_upload``
checks permission and input and names the key (reads only); ``receive`` streams the bytes into the
store through the checks of ``odr.storage.intake`` (no database); ``record_upload`` writes the row
and the case event. The boundary commits after the first step and after the last, and deletes the
bytes when the last refuses. So a row never points at bytes that are not there, and bytes no row
points at (a crash between the steps) are removed by the orphan sweep.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any, BinaryIO

from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from odr.mediation.core.access import visible_cases
from odr.mediation.core.events import STAFF, actor_label, append_event
from odr.mediation.core.models import Case
from odr.mediation.documents import kinds
from odr.mediation.documents.models import Document, DocumentStatus
from odr.mediation.documents.policy import may_see, upload_channels
from odr.mediation.documents.schemas import (
    CarrySchema,
    CompleteSchema,
    DirectUploadSchema,
    UploadSchema,
)
from odr.platform.db import after_commit, utcnow
from odr.platform.errors import Conflict, NotFound, ServiceError, ValidationFailed, public_key
from odr.platform.permissions import require
from odr.platform.schemas import load
from odr.storage import Storage, StorageUnavailable, document_key
from odr.storage.base import AppUrl
from odr.storage.intake import HEAD_BYTES, Intake, Received, Refused
from odr.storage.scan import Verdict
from odr.storage.types import DEFAULT_CATEGORIES, PREVIEWABLE, SVG, allowed_extensions, extension
from odr.tenants.models import Tenant, User

log = logging.getLogger(__name__)

DEFAULT_MAX_BYTES = 50 * 1024 * 1024
LINK_SECONDS = 120  # a download link works for two minutes (at most five)
UPLOAD_SECONDS = 3600  # a direct upload must be sent and completed within the hour


class DocumentRefused(ValidationFailed):
    """The file was refused: too large, of a type not allowed, not what its name says, infected..."""

    code = "document_refused"


class TooLarge(DocumentRefused):
    """The file is over the tenant's size limit."""

    status = 413
    code = "too_large"


class StorageBusy(ServiceError):
    """The store is unavailable after retries; nothing was kept, and the same request may be tried again."""

    status = 503
    code = "storage_unavailable"
    retry_after = 30


@dataclass(frozen=True)
class Limits:
    """A tenant's limits on documents: the largest size and the categories of file allowed."""

    max_bytes: int
    categories: tuple[str, ...]


def limits_of(tenant: Tenant) -> Limits:
    """The tenant's policy (``policy["documents"]``: ``max_bytes``, ``categories``), else the defaults."""
    policy = (tenant.policy or {}).get("documents", {})
    categories = tuple(policy.get("categories") or DEFAULT_CATEGORIES)
    return Limits(int(policy.get("max_bytes") or DEFAULT_MAX_BYTES), categories)


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


def _refusal_message(refused: Refused) -> str:
    p = refused.params
    messages = {
        "too_large": _l("The file is larger than the limit of %(size)s MB.",
                        size=f"{p.get('max_bytes', 0) / (1024 * 1024):g}"),
        "empty": _l("The file is empty."),
        "extension_not_allowed": _l("Files ending in .%(ext)s cannot be shared here.", ext=p.get("extension", "")),
        "type_not_allowed": _l("This kind of file cannot be shared here (web pages, programs and archives "
                               "are refused)."),
        "type_mismatch": _l("The file's content does not match its name's ending .%(ext)s.",
                            ext=p.get("extension", "")),
        "active_content": _l("The image contains a script or a link to elsewhere, so it is refused."),
        "size_mismatch": _l("The file that arrived is not the size announced."),
        "checksum_mismatch": _l("The file that arrived is not the file announced (its SHA-256 differs)."),
    }
    return str(messages.get(refused.code, _l("The file was refused.")))


def refused_error(refused: Refused) -> DocumentRefused:
    """The intake's refusal as the one error format, with the reason under ``file``."""
    message = _refusal_message(refused)
    cls = TooLarge if refused.code == "too_large" else DocumentRefused
    return cls(message, {"file": [message]})


def _busy() -> StorageBusy:
    return StorageBusy(str(_l("Documents cannot be stored at the moment. Nothing was kept; please try again "
                              "in a minute.")))


# Finding documents ----------------------------------------------------------------------------------


def document_for(session: Session, user: User, public_id: Any) -> Document:
    """The document ``public_id`` if ``user`` may see it; anything else (malformed, foreign, hidden) is not found."""
    key = public_key(public_id, str(_l("We could not find that document.")))
    document = session.scalar(
        select(Document).join(Case, Case.id == Document.case_id)
        .where(Document.public_id == key, Document.tenant_id == user.tenant_id, visible_cases(user))
    )
    if document is None or not may_see(user, document):
        raise NotFound(str(_l("We could not find that document.")))
    return document


def case_documents(session: Session, user: User, case: Case) -> list[Document]:
    """The documents of ``case`` that ``user`` may see, newest first (every version)."""
    documents = session.scalars(
        select(Document).where(Document.case_id == case.id).order_by(Document.created_at.desc(), Document.id.desc())
    )
    return [d for d in documents if may_see(user, d)]


# Uploading ------------------------------------------------------------------------------------------


def _existing(session: Session, actor: User, case: Case, key: str | None) -> Document | None:
    if not key:
        return None
    return session.scalar(select(Document).where(
        Document.case_id == case.id, Document.uploaded_by_id == actor.id, Document.idempotency_key == key))


def _plan(session: Session, actor: User, case: Case, values: dict[str, Any]) -> UploadPlan | Document:
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


def plan_upload(session: Session, actor: User, case: Case, data: dict[str, Any]) -> UploadPlan | Document:
    """Check an upload before its bytes are read; the document itself when its idempotency key was used.

    :param data: name (the file's name), channel, replaces (a document's id: upload a new version of
        it, in its channel), idempotency_key
    """
    return _plan(session, actor, case, load(UploadSchema(), data))


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
        raise _busy() from error
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
        from odr.mediation.documents.tasks import scan_document
        from odr.platform.jobs import jobs

        document_id = document.id
        after_commit(session, lambda: jobs.enqueue(scan_document, document_id))
    else:
        _announce(session, actor, case, document)
    return document, True


def _announce(session: Session, actor: User | None, case: Case, document: Document, *,
              label: str | None = None) -> None:
    """The ``document.shared`` event: in the document's channel, with its SHA-256 in the audit chain."""
    payload = {
        "document": str(document.public_id), "chain": str(document.chain_id), "name": document.file_name,
        "content_type": document.content_type, "size": document.size, "sha256": document.sha256,
        "version": document.version, "uploaded_by": document.uploader_label,
    }
    if document.carried_from is not None:
        payload["carried_from"] = str(document.carried_from.public_id)
        payload["from_channel"] = document.carried_from.channel
    append_event(session, case, kinds.SHARED, actor=actor, channel=document.channel, payload=payload,
                 label=label)


# Direct uploads (from the browser to the store) -----------------------------------------------------


def _signer(secret: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret, salt="odr.documents.direct-upload")


def start_direct_upload(session: Session, actor: User, case: Case, data: dict[str, Any], *, storage: Storage,
                        secret: str, app_url: AppUrl) -> dict[str, Any] | Document:
    """A signed request for the browser to send the bytes to the store, and the token that completes it.

    :param data: name, size, sha256 (hex), channel, replaces, idempotency_key
    :param secret: signs the completion token
    :param app_url: makes the local backend's upload address (an application URL)
    """
    values = load(DirectUploadSchema(), data)
    plan = _plan(session, actor, case, values)
    if isinstance(plan, Document):
        return plan
    if values["size"] > plan.max_bytes:
        raise refused_error(Refused("too_large", max_bytes=plan.max_bytes))
    plan = UploadPlan(**{**asdict(plan), "size": values["size"], "sha256": values["sha256"]})
    upload = storage.upload_url(plan.key, size=values["size"], sha256=values["sha256"],
                                content_type="application/octet-stream", expires_in=UPLOAD_SECONDS, app_url=app_url)
    token = _signer(secret).dumps(asdict(plan))
    return {"url": upload.url, "method": upload.method, "headers": upload.headers, "token": token,
            "expires_in": UPLOAD_SECONDS}


def direct_plan(session: Session, actor: User, case: Case, data: dict[str, Any], *, secret: str) -> UploadPlan:
    """The plan a completion token carries, if it is intact, recent, and the actor's for this case."""
    require(actor, "documents.upload", case)
    values = load(CompleteSchema(), data)
    invalid = ValidationFailed(str(_l("This upload cannot be completed; please upload the file again.")),
                               {"token": [str(_l("The upload's token is not valid or has expired."))]})
    try:
        fields = _signer(secret).loads(values["token"], max_age=UPLOAD_SECONDS + 600)
        plan = UploadPlan(**{**fields, "categories": tuple(fields["categories"])})
    except (SignatureExpired, BadSignature, TypeError, KeyError):
        raise invalid from None
    if plan.case_id != case.id or plan.uploader_id != actor.id or plan.tenant_id != case.tenant_id:
        raise invalid
    return plan


def verify_stored(storage: Storage, plan: UploadPlan) -> Received:
    """Check the bytes a browser sent straight to the store: there, of the announced size, SHA-256 and type.

    When the store itself vouches for the SHA-256 (S3 checked the signed checksum) only the first bytes
    are read, for the type; otherwise the whole object is read again. Refused bytes are deleted.
    """
    assert plan.size is not None and plan.sha256 is not None
    try:
        info = storage.head(plan.key)
        if info is None:
            raise ValidationFailed(str(_l("The file has not arrived yet; send it first, then complete the upload.")))
        trusted = info.sha256 == plan.sha256 and info.size == plan.size
        with storage.open(plan.key, length=HEAD_BYTES if trusted else None) as stream:
            intake = Intake(stream, name=plan.file_name, max_bytes=plan.max_bytes, categories=plan.categories,
                            expected_size=None if trusted else plan.size,
                            expected_sha256=None if trusted else plan.sha256)
            intake.inspect()
            if trusted and intake.content_type != SVG:
                return Received(plan.size, plan.sha256, intake.content_type, intake.category)
            if trusted:  # an SVG is searched whole for scripts
                with storage.open(plan.key) as whole:
                    intake = Intake(whole, name=plan.file_name, max_bytes=plan.max_bytes,
                                    categories=plan.categories)
                    intake.inspect()
                    return intake.drain()
            return intake.drain()
    except Refused as refused:
        _delete_quietly(storage, plan.key)
        raise refused_error(refused) from refused
    except StorageUnavailable as error:
        raise _busy() from error


def _delete_quietly(storage: Storage, key: str) -> None:
    try:
        storage.delete(key)
    except Exception:  # the orphan sweep removes it later
        log.warning("could not delete %s now; the orphan sweep will", key, exc_info=True)


def discard(storage: Storage, plan: UploadPlan) -> None:
    """Delete the bytes of an upload whose record was refused (best effort: the sweep catches the rest)."""
    _delete_quietly(storage, plan.key)


def receive_signed(storage: Storage, token: str, stream: BinaryIO, *, max_bytes: int) -> None:
    """Take the bytes of a local backend's signed upload: exactly the announced size and SHA-256."""
    target = storage.resolve(token, purpose="upload")
    intake = Intake(stream, name="", max_bytes=max_bytes, categories=None, expected_size=target.size,
                    expected_sha256=target.sha256)
    try:
        intake.inspect()
        storage.put(target.key, intake, content_type=target.content_type, sha256=intake.sha256)
    except Refused as refused:
        raise refused_error(refused) from refused
    except StorageUnavailable as error:
        raise _busy() from error


# Carrying, links -----------------------------------------------------------------------------------


def carry(session: Session, actor: User, document: Document, data: dict[str, Any]) -> tuple[Document, bool]:
    """The mediator shares a caucus document in another channel: a copy there, pointing at the same bytes.

    :param data: channel (joint or the other caucus)
    """
    require(actor, "documents.carry", document)
    values = load(CarrySchema(), data)
    target = values["channel"]
    if target == document.channel:
        raise ValidationFailed.on_fields({"channel": [str(_l("The document is already in this channel."))]})
    existing = session.scalar(select(Document).where(
        Document.carried_from_id == document.id, Document.channel == target))
    if existing is not None:
        return existing, False
    copy = Document(
        tenant_id=document.tenant_id, case_id=document.case_id, channel=target,
        uploaded_by_id=document.uploaded_by_id, uploader_label=document.uploader_label,
        file_name=document.file_name, content_type=document.content_type, size=document.size,
        sha256=document.sha256, chain_id=uuid.uuid4(), version=1, carried_from_id=document.id,
        status=DocumentStatus.AVAILABLE, storage_key=document.storage_key, available_at=utcnow(),
    )
    copy.carried_from = document
    session.add(copy)
    session.flush()
    _announce(session, actor, document.case, copy)
    return copy, True


def download_link(document: Document, actor: User, *, storage: Storage, inline: bool, app_url: AppUrl) -> str:
    """A link to the bytes for two minutes: an attachment, or inline for PDFs and pictures.

    Access is checked now; the local backend checks it again when the link is followed.
    """
    require(actor, "documents.view", document)
    if document.status is not DocumentStatus.AVAILABLE or not document.storage_key:
        raise Conflict(str(_l("This document is not available yet.")))
    if inline and document.content_type not in PREVIEWABLE:
        raise Conflict(str(_l("This kind of document cannot be previewed; download it instead.")))
    try:
        return storage.download_url(document.storage_key, filename=document.file_name,
                                    content_type=document.content_type, inline=inline, expires_in=LINK_SECONDS,
                                    app_url=app_url)
    except StorageUnavailable as error:
        raise _busy() from error


# The malware scan ---------------------------------------------------------------------------------


def apply_verdict(session: Session, document: Document, verdict: Verdict, *, storage: Storage) -> None:
    """Share a pending document the scan found clean; refuse (and delete the bytes of) an infected one."""
    if document.status is not DocumentStatus.PENDING:
        return
    case = document.case
    if verdict.clean:
        document.status = DocumentStatus.AVAILABLE
        document.available_at = utcnow()
        session.flush()
        _announce(session, document.uploaded_by, case, document, label=document.uploader_label)
        return
    log.warning("document %s of case %s is infected (%s); refused", document.public_id, case.reference,
                verdict.signature)
    key = document.storage_key
    document.status = DocumentStatus.REFUSED
    document.refusal = f"malware: {verdict.signature}"[:200]
    document.storage_key = None
    session.flush()
    append_event(session, case, kinds.REFUSED, actor=None, channel=STAFF, payload={
        "document": str(document.public_id), "name": document.file_name, "sha256": document.sha256,
        "reason": "malware", "signature": verdict.signature, "uploaded_by": document.uploader_label})
    if key:
        after_commit(session, lambda: _delete_quietly(storage, key))


def pending_documents(session: Session, *, older_than: datetime) -> list[int]:
    """Ids of documents still waiting for their scan since before ``older_than`` (their job was lost)."""
    return list(session.scalars(
        select(Document.id).where(Document.status == DocumentStatus.PENDING, Document.created_at < older_than)
        .execution_options(all_tenants=True)
    ))


def count_versions(session: Session, chain_id: uuid.UUID) -> int:
    """How many versions a document has."""
    return int(session.scalar(select(func.count()).where(Document.chain_id == chain_id)) or 0)
