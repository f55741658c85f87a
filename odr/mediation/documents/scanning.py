"""The malware scan's outcome: a clean document is shared, an infected one refused; lost scans found again.

The scan itself is a job (``tasks.scan_document``); these are the use cases it runs. They flush,
never commit.
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from odr.mediation.core.events import STAFF, append_event
from odr.mediation.documents import kinds
from odr.mediation.documents.models import Document, DocumentStatus
from odr.mediation.documents.services import announce, delete_quietly
from odr.platform.db import after_commit, utcnow
from odr.storage import Storage
from odr.storage.scan import Verdict

log = logging.getLogger(__name__)


def apply_verdict(session: Session, document: Document, verdict: Verdict, *, storage: Storage) -> None:
    """Share a pending document the scan found clean; refuse (and delete the bytes of) an infected one."""
    if document.status is not DocumentStatus.PENDING:
        return
    case = document.case
    if verdict.clean:
        document.status = DocumentStatus.AVAILABLE
        document.available_at = utcnow()
        session.flush()
        announce(session, document.uploaded_by, case, document, label=document.uploader_label)
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
        after_commit(session, lambda: delete_quietly(storage, key))


def pending_documents(session: Session, *, older_than: datetime) -> list[int]:
    """Ids of documents still waiting for their scan since before ``older_than`` (their job was lost)."""
    return list(session.scalars(
        select(Document.id).where(Document.status == DocumentStatus.PENDING, Document.created_at < older_than)
        .execution_options(all_tenants=True)
    ))
