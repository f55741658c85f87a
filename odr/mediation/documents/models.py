"""A document: one version of a file shared in a channel of a case; its bytes live in the store."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, Enum, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from odr.mediation.core.models import Case
from odr.platform.db import Base, PublicIdMixin, TimestampMixin
from odr.platform.tenancy import TenantScoped
from odr.tenants.models import User


class DocumentStatus(enum.StrEnum):
    """Pending until the malware scan (when one is configured) says clean; refused when it does not."""

    PENDING = "pending"
    AVAILABLE = "available"
    REFUSED = "refused"


class Document(TenantScoped, PublicIdMixin, TimestampMixin, Base):
    """One version of a document. Versions share ``chain_id``; a carried copy points at its source.

    ``storage_key`` is set only while the bytes are in the store: a row never points at bytes that are
    not there (a refused document's bytes are deleted and its key cleared).
    """

    __tablename__ = "documents"
    __table_args__ = (
        UniqueConstraint("chain_id", "version"),
        UniqueConstraint("case_id", "uploaded_by_id", "idempotency_key"),
        CheckConstraint("size >= 0", name="size_not_negative"),
        CheckConstraint("version >= 1", name="version_positive"),
        Index("ix_documents_case_id_channel_status", "case_id", "channel", "status"),
        Index("ix_documents_storage_key", "storage_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    channel: Mapped[str] = mapped_column(String(20))
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    uploader_label: Mapped[str] = mapped_column(String(250))
    file_name: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(120))
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    chain_id: Mapped[uuid.UUID] = mapped_column(index=True)
    version: Mapped[int] = mapped_column(default=1)
    previous_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id", ondelete="SET NULL"))
    carried_from_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id", ondelete="SET NULL"))
    status: Mapped[DocumentStatus] = mapped_column(
        Enum(DocumentStatus, name="document_status", native_enum=False, create_constraint=True, length=20,
             values_callable=lambda items: [i.value for i in items]),
        default=DocumentStatus.AVAILABLE,
    )
    refusal: Mapped[str | None] = mapped_column(String(200))
    storage_key: Mapped[str | None] = mapped_column(String(400))
    idempotency_key: Mapped[str | None] = mapped_column(String(100))
    available_at: Mapped[datetime | None]

    case: Mapped[Case] = relationship()
    uploaded_by: Mapped[User | None] = relationship()
    carried_from: Mapped[Document | None] = relationship(remote_side=[id], foreign_keys=[carried_from_id])

    def __repr__(self) -> str:
        return f"<Document {self.public_id} v{self.version} {self.status.value}>"
