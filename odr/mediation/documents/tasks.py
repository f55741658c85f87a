"""Jobs of documents: the malware scan, its pick-up of lost scans, and the sweep of orphaned bytes."""

from __future__ import annotations

import logging
from datetime import timedelta

from flask import current_app

from odr.mediation.documents import integrity, scanning
from odr.mediation.documents.models import Document
from odr.platform.db import utcnow
from odr.platform.extensions import db
from odr.platform.jobs import JobSet, jobs
from odr.platform.tenancy import set_tenant
from odr.storage import Storage, StorageUnavailable
from odr.storage.scan import Scanner, ScannerUnavailable

JOBS = JobSet()

log = logging.getLogger(__name__)


def storage() -> Storage:
    """The application's document store."""
    return current_app.extensions["odr.storage"]


def scanner() -> Scanner | None:
    """The application's malware scanner, if one is configured."""
    return current_app.extensions.get("odr.scanner")


@JOBS.task(retries=10, retry_delay=60)
def scan_document(document_id: int) -> None:
    """Scan a pending document; clean: shared, infected: refused. Scanner down: it stays pending (retried)."""
    engine = scanner()
    with db.new_session() as session:
        document = session.get(Document, document_id)
        if document is None or document.status.value != "pending" or not document.storage_key:
            return
        set_tenant(session, document.tenant_id)
        if engine is None:
            log.warning("document %s waits for a scan but no scanner is configured", document.public_id)
            return
        try:
            with storage().open(document.storage_key) as stream:
                verdict = engine.scan(stream)
        except (ScannerUnavailable, StorageUnavailable) as error:
            # Never passed unscanned: the document stays pending and huey tries again.
            log.warning("scan of document %s failed: %s", document.public_id, error)
            raise
        scanning.apply_verdict(session, document, verdict, storage=storage())
        session.commit()


@JOBS.periodic(minute="*/10")
def rescan_pending() -> None:
    """Queue a scan for documents pending for more than ten minutes (their job was lost or gave up)."""
    if scanner() is None:
        return
    with db.new_session(write=False) as session:
        ids = scanning.pending_documents(session, older_than=utcnow() - timedelta(minutes=10))
    for document_id in ids:
        jobs.enqueue(scan_document, document_id)


@JOBS.periodic(minute="23")
def sweep_orphans() -> None:
    """Remove stored bytes that no document points at (once a day old), every hour."""
    with db.new_session(write=False) as session:
        removed = integrity.remove_orphans(session, storage())
    if removed:
        log.info("removed %d orphaned objects", removed)
