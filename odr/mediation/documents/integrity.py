"""Proving documents are what was uploaded: re-reading stored bytes, and removing bytes no row points at."""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from odr.mediation.core.models import Case
from odr.mediation.documents.models import Document
from odr.platform.db import utcnow
from odr.storage import ObjectMissing, Storage, StorageUnavailable

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Finding:
    """A stored document whose bytes are missing or differ from the SHA-256 recorded at upload."""

    document: Document
    problem: str  # "missing", "changed", "unavailable"
    actual_sha256: str | None = None


def verify_bytes(session: Session, storage: Storage, *, case: Case | None = None) -> tuple[int, list[Finding]]:
    """Re-read every stored document (of ``case``, or all) and compare it with its recorded SHA-256.

    Returns how many were checked and what was wrong. A key shared by a carried copy is read once.
    """
    query = select(Document).where(Document.storage_key.is_not(None)).order_by(Document.id)
    if case is not None:
        query = query.where(Document.case_id == case.id)
    findings: list[Finding] = []
    checked: dict[str, tuple[str | None, str]] = {}
    count = 0
    for document in session.scalars(query.execution_options(all_tenants=True)):
        count += 1
        key = document.storage_key
        assert key is not None
        if key not in checked:
            digest = hashlib.sha256()
            try:
                with storage.open(key) as stream:
                    while chunk := stream.read(1024 * 1024):
                        digest.update(chunk)
                checked[key] = (digest.hexdigest(), "")
            except ObjectMissing:
                checked[key] = (None, "missing")
            except StorageUnavailable:
                checked[key] = (None, "unavailable")
        actual, problem = checked[key]
        if problem:
            findings.append(Finding(document, problem))
        elif actual != document.sha256:
            findings.append(Finding(document, "changed", actual))
    return count, findings


def remove_orphans(session: Session, storage: Storage, *, now: datetime | None = None,
                   grace: timedelta = timedelta(hours=24), batch: int = 500) -> int:
    """Delete stored bytes that no document points at and that are older than ``grace``; how many.

    The grace covers uploads in flight: bytes are stored before their row is written, and a direct
    upload may be completed up to an hour after it started.
    """
    now = now or utcnow()
    cutoff = now - grace
    removed = 0
    candidates: list[str] = []

    def flush_batch() -> int:
        referenced = set(session.scalars(
            select(Document.storage_key).where(Document.storage_key.in_(candidates))
            .execution_options(all_tenants=True)))
        gone = 0
        for key in candidates:
            if key not in referenced:
                storage.delete(key)
                log.info("removed orphaned bytes %s", key)
                gone += 1
        candidates.clear()
        return gone

    for info in storage.list("tenants/"):
        if info.modified >= cutoff:
            continue
        candidates.append(info.key)
        if len(candidates) >= batch:
            removed += flush_batch()
    if candidates:
        removed += flush_batch()
    return removed
