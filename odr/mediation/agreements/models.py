"""The settlement agreement: its text and rounds, each party's signature, the consent to sign
electronically, the one-time codes customers sign with, and the tenant's own template."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Enum, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from odr.mediation.core.models import Case
from odr.platform.db import Base, PublicIdMixin, TimestampMixin
from odr.platform.tenancy import TenantScoped
from odr.tenants.models import User


class AgreementStatus(enum.StrEnum):
    """Where an agreement stands: drafted, out for signature, or signed by all and sealed."""

    DRAFT = "draft"
    SENT = "sent"
    SEALED = "sealed"


def _enum(kind: type[enum.StrEnum], name: str) -> Enum:
    return Enum(kind, name=name, native_enum=False, create_constraint=True, length=12,
                values_callable=lambda items: [i.value for i in items])


class Agreement(TenantScoped, PublicIdMixin, TimestampMixin, Base):
    """The settlement agreement of a case, drafted when the parties agreed.

    Its text is the tenant's template filled in; the mediator may change it while it is a draft.
    Sending fixes the text and records its SHA-256; changing it afterwards starts a new ``round``
    and voids every signature of the last one. The last signature seals it (a PDF in the documents).
    """

    __tablename__ = "agreements"
    __table_args__ = (UniqueConstraint("case_id", name="uq_agreements_case_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    status: Mapped[AgreementStatus] = mapped_column(_enum(AgreementStatus, "agreement_status"),
                                                    default=AgreementStatus.DRAFT)
    source: Mapped[str] = mapped_column(String(20))  # offer, proposal, blind_bid
    source_id: Mapped[str | None] = mapped_column(String(64))
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    terms: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    payment_days: Mapped[int] = mapped_column(Integer)
    payment_method: Mapped[str] = mapped_column(String(300), default="")
    locale: Mapped[str] = mapped_column(String(10))
    text: Mapped[str] = mapped_column(Text)
    round: Mapped[int] = mapped_column(Integer, default=1)
    text_sha256: Mapped[str | None] = mapped_column(String(64))  # set when sent
    sent_at: Mapped[datetime | None]
    sent_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    sealed_at: Mapped[datetime | None]
    chain_seq: Mapped[int | None] = mapped_column(BigInteger)  # the audit chain's position when frozen
    chain_hash: Mapped[str | None] = mapped_column(String(64))
    document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id", ondelete="SET NULL"))
    pdf_sha256: Mapped[str | None] = mapped_column(String(64))

    case: Mapped[Case] = relationship(lazy="joined")
    signatures: Mapped[list[Signature]] = relationship(back_populates="agreement", order_by="Signature.id")


class Signature(TenantScoped, PublicIdMixin, Base):
    """One person's signature of one round of an agreement, and how they proved who they were."""

    __tablename__ = "agreement_signatures"
    __table_args__ = (
        # one signature per role and round: two at once for the same side leave one
        UniqueConstraint("agreement_id", "round", "role", name="uq_agreement_signatures_agreement_id_round_role"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(ForeignKey("agreements.id", ondelete="CASCADE"))
    round: Mapped[int] = mapped_column(Integer)
    role: Mapped[str] = mapped_column(String(20))  # customer, insurer, mediator
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    full_name: Mapped[str] = mapped_column(String(200))  # as typed
    method: Mapped[str] = mapped_column(String(20))  # password, email_code
    signed_at: Mapped[datetime]
    ip_address: Mapped[str | None] = mapped_column(String(45))
    user_agent: Mapped[str | None] = mapped_column(String(300))
    text_sha256: Mapped[str] = mapped_column(String(64))
    event_seq: Mapped[int | None] = mapped_column(BigInteger)  # its event in the case's audit chain
    voided_at: Mapped[datetime | None]

    agreement: Mapped[Agreement] = relationship(back_populates="signatures")
    user: Mapped[User | None] = relationship()


class ElectronicConsent(TenantScoped, Base):
    """A person's consent to sign and receive records electronically, to one version of its text."""

    __tablename__ = "electronic_consents"
    __table_args__ = (UniqueConstraint("user_id", "version", name="uq_electronic_consents_user_id_version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    version: Mapped[str] = mapped_column(String(20))
    given_at: Mapped[datetime]
    ip_address: Mapped[str | None] = mapped_column(String(45))


class SigningCode(TenantScoped, Base):
    """A one-time code e-mailed to a customer to sign with: 6 digits, 10 minutes, 5 tries, used once."""

    __tablename__ = "signing_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(ForeignKey("agreements.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    expires_at: Mapped[datetime]
    tries: Mapped[int] = mapped_column(Integer, default=0)
    used_at: Mapped[datetime | None]
    created_at: Mapped[datetime]


class AgreementTemplate(TenantScoped, TimestampMixin, Base):
    """The tenant's own wording of the settlement agreement in one language."""

    __tablename__ = "agreement_templates"
    __table_args__ = (UniqueConstraint("tenant_id", "locale", name="uq_agreement_templates_tenant_id_locale"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    locale: Mapped[str] = mapped_column(String(10))
    body: Mapped[str] = mapped_column(Text)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
