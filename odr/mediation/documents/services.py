"""Use cases of documents that fit in one transaction: find, carry, link; and what the others share.

What the other modules share lives here: a tenant's limits, the refusals in the one error format,
the ``document.shared`` event, and deleting bytes on a best-effort basis. The upload's steps are in
``uploads`` (through the server) and ``direct`` (straight to the store); the scan's outcome is in
``scanning``. They flush, never commit.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from odr.mediation.core.access import visible_cases
from odr.mediation.core.events import append_event
from odr.mediation.core.models import Case
from odr.mediation.documents import kinds
from odr.mediation.documents.models import Document, DocumentStatus
from odr.mediation.documents.policy import may_see
from odr.platform.db import utcnow
from odr.platform.errors import Conflict, NotFound, Unavailable, ValidationFailed, public_key
from odr.platform.i18n import number
from odr.platform.permissions import require
from odr.storage import Storage, StorageUnavailable
from odr.storage.base import AppUrl
from odr.storage.intake import Refused
from odr.storage.types import DEFAULT_CATEGORIES, PREVIEWABLE
from odr.tenants.models import Tenant, User

log = logging.getLogger(__name__)

DEFAULT_MAX_BYTES = 50 * 1024 * 1024
LINK_SECONDS = 120  # a download link works for two minutes (at most five)


class DocumentRefused(ValidationFailed):
    """The file was refused: too large, of a type not allowed, not what its name says, infected..."""

    code = "document_refused"


class TooLarge(DocumentRefused):
    """The file is over the tenant's size limit."""

    status = 413
    code = "too_large"


class StorageBusy(Unavailable):
    """The store is unavailable after retries; nothing was kept, and the same request may be tried again."""

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


def _refusal_message(refused: Refused) -> str:
    p = refused.params
    messages = {
        "too_large": _l("The file is larger than the limit of %(size)s MB.",
                        size=number(round(p.get("max_bytes", 0) / (1024 * 1024), 1))),
        "empty": _l("The file is empty."),
        "extension_not_allowed": _l("Files ending in .%(ext)s cannot be shared here.", ext=p.get("extension", "")),
        "type_not_allowed": _l("This kind of file cannot be shared here (web pages, programs and archives "
                               "are refused)."),
        "type_mismatch": _l("The file's content does not match its name's ending .%(ext)s.",
                            ext=p.get("extension", "")),
        "svg_refused": _l("SVG drawings cannot be shared here, as they can carry programs. Send a photo (JPEG or "
                          "PNG) or a PDF instead."),
        "size_mismatch": _l("The file that arrived is not the size announced."),
        "checksum_mismatch": _l("The file that arrived is not the file announced (its SHA-256 differs)."),
    }
    return str(messages.get(refused.code, _l("The file was refused.")))


def refused_error(refused: Refused) -> DocumentRefused:
    """The intake's refusal as the one error format, with the reason under ``file``."""
    message = _refusal_message(refused)
    cls = TooLarge if refused.code == "too_large" else DocumentRefused
    return cls(message, {"file": [message]})


def storage_busy() -> StorageBusy:
    """The store's failure as the one error format: nothing was kept, try again in a minute."""
    return StorageBusy(str(_l("Documents cannot be stored at the moment. Nothing was kept; please try again "
                              "in a minute.")))


def delete_quietly(storage: Storage, key: str) -> None:
    """Delete the bytes at ``key`` if the store can now; otherwise the orphan sweep removes them later."""
    try:
        storage.delete(key)
    except Exception:  # the orphan sweep removes it later
        log.warning("could not delete %s now; the orphan sweep will", key, exc_info=True)


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


# Sharing, carrying, links ----------------------------------------------------------------------------


def announce(session: Session, actor: User | None, case: Case, document: Document, *,
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


def carry(session: Session, actor: User, document: Document, values: dict[str, Any]) -> tuple[Document, bool]:
    """The mediator shares a caucus document in another channel: a copy there, pointing at the same bytes.

    :param values: loaded by ``CarrySchema``: channel (joint or the other caucus)
    """
    require(actor, "documents.carry", document)
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
    announce(session, actor, document.case, copy)
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
        raise storage_busy() from error
