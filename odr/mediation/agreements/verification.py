"""``verify``: a sealed settlement agreement checked end to end, as ``odr agreements verify`` runs it."""

from __future__ import annotations

import hashlib

from sqlalchemy import select
from sqlalchemy.orm import Session

from odr.mediation.agreements import kinds, sealing
from odr.mediation.agreements.models import AgreementStatus
from odr.mediation.agreements.services import (
    Sealing,
    agreement_of,
    current_signatures,
    record_digest,
    required_roles,
    text_hash,
)
from odr.mediation.core.events import CaseEvent, verify_chain
from odr.mediation.core.models import Case
from odr.mediation.documents.models import Document
from odr.tenants.models import Tenant


def verify(session: Session, case: Case, sealing_with: Sealing) -> list[str]:
    """Check the sealed agreement of ``case`` end to end; the failures found, the first first.

    The text against its recorded hash; each signature of the last round against that hash and
    against its record in the audit chain; the chain itself; the PDF in the store against its
    recorded hash and its seal against the tenant's certificate.
    """
    agreement = agreement_of(session, case)
    if agreement is None:
        return ["the case has no settlement agreement"]
    if agreement.status is not AgreementStatus.SEALED:
        return [f"the agreement is {agreement.status.value}, not sealed"]
    failures: list[str] = []
    if text_hash(agreement.text) != agreement.text_sha256:
        failures.append("the agreement's text does not match the hash it was signed with")
    signed = current_signatures(agreement)
    for role in required_roles(session, agreement):
        if role not in signed:
            failures.append(f"the {role}'s signature is missing")
    events = {e.seq: e for e in session.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id,
                                                                       CaseEvent.kind == kinds.SIGNED))}
    for role, signature in signed.items():
        if signature.text_sha256 != agreement.text_sha256:
            failures.append(f"the {role}'s signature is of another text")
        event = events.get(signature.event_seq or -1)
        if event is None or event.payload.get("record_sha256") != record_digest(agreement, signature):
            failures.append(f"the {role}'s signature record does not match the audit chain")
    chain = verify_chain(session, case)
    if not chain.ok:
        failures.append(f"the audit chain is broken at entry {chain.broken_seq}: {chain.reason}")
    document = session.get(Document, agreement.document_id) if agreement.document_id else None
    if document is None or not document.storage_key:
        failures.append("the sealed PDF is missing")
        return failures
    try:
        with sealing_with.storage.open(document.storage_key) as stream:
            pdf = stream.read()
    except Exception as error:  # noqa: BLE001 - any failure to read is a failure to verify
        failures.append(f"the sealed PDF cannot be read from the store ({type(error).__name__})")
        return failures
    if hashlib.sha256(pdf).hexdigest() != agreement.pdf_sha256 or document.sha256 != agreement.pdf_sha256:
        failures.append("the stored PDF does not match its recorded SHA-256")
    tenant = session.get(Tenant, case.tenant_id)
    assert tenant is not None
    report = sealing.validate(pdf, sealing.seal_key(sealing_with.settings, tenant.id, tenant.name))
    if not report.ok:
        failures.append(f"the PDF's seal is not valid: {report.problem}")
    return failures
