"""Who may do what to a case's documents, registered into the one ``can()``.

A document is seen by whoever sees its channel of its case (the same rule as the room's messages);
a pending or refused one only by its uploader and the provider's staff.
"""

from __future__ import annotations

from typing import Any

from odr.mediation.core.access import STAFF, is_party, may_post_in, visible_channels
from odr.mediation.core.events import CAUCUS_CUSTOMER, CAUCUS_INSURER, JOINT
from odr.mediation.core.models import Case
from odr.mediation.core.states import ACTIVE
from odr.mediation.documents.models import Document, DocumentStatus
from odr.platform.permissions import Rules
from odr.tenants.models import Role

RULES = Rules()

# Documents are shared in the room's channels; staff notes have none.
DOCUMENT_CHANNELS = (JOINT, CAUCUS_INSURER, CAUCUS_CUSTOMER)


def upload_channels(user: Any, case: Case) -> list[str]:
    """The channels of ``case`` that ``user`` may share a document in, joint first."""
    if Role(user.role) not in STAFF and case.mediator_id != user.id and not is_party(user, case):
        return []
    visible = visible_channels(user, case)
    # The room's rule for messages holds for documents: no joint channel for parties in shuttle-only mode.
    return [channel for channel in DOCUMENT_CHANNELS if channel in visible and may_post_in(user, case, channel)]


def may_see(user: Any, document: Document) -> bool:
    """``user`` sees the document's channel, and the document is available (or theirs, or they are staff)."""
    case = document.case
    if document.channel not in visible_channels(user, case):
        return False
    if document.status is DocumentStatus.AVAILABLE:
        return True
    return Role(user.role) in STAFF or document.uploaded_by_id == user.id


@RULES.rule("documents.view", target="document", description="See a document of a case and download it")
def _view(user: Any, document: Document | None) -> bool:
    if document is None:
        return True
    return may_see(user, document)


@RULES.rule("documents.upload", target="case", description="Share a document, or a new version of one, in a case")
def _upload(user: Any, case: Case | None) -> bool:
    if case is None:
        return True
    return case.state in ACTIVE and bool(upload_channels(user, case))


@RULES.rule("documents.carry", target="document", description="Carry a caucus document across to another channel")
def _carry(user: Any, document: Document | None) -> bool:
    if Role(user.role) is not Role.MEDIATOR:
        return False
    if document is None:
        return True
    case = document.case
    return (case.mediator_id == user.id and case.state in ACTIVE and document.channel != JOINT
            and document.status is DocumentStatus.AVAILABLE)
