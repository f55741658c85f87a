"""Offers: a figure and terms one side puts to the other, answered once."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, CheckConstraint, Enum, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from odr.mediation.core.models import Case
from odr.platform.db import Base, PublicIdMixin, TimestampMixin
from odr.platform.tenancy import TenantScoped
from odr.tenants.models import User


class OfferStatus(enum.StrEnum):
    """Where an offer stands; only an open one can change, and then only once."""

    OPEN = "open"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    COUNTERED = "countered"  # answered by a counter-offer of the other side
    WITHDRAWN = "withdrawn"
    EXPIRED = "expired"


class Offer(TenantScoped, PublicIdMixin, TimestampMixin, Base):
    """An offer of one side of a case to the other: an amount in the case's currency, terms beyond
    money, an expiry, and the offer it answers (a counter-offer answers exactly one open offer)."""

    __tablename__ = "offers"
    __table_args__ = (
        CheckConstraint("amount_minor >= 0", name="amount_not_negative"),
        Index("ix_offers_case_id_status", "case_id", "status"),
        Index("ix_offers_status_expires_at", "status", "expires_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    side: Mapped[str] = mapped_column(String(20))  # customer, insurer
    made_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    made_by_label: Mapped[str] = mapped_column(String(300))
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    terms: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)  # [{"kind": ..., "text": ...}]
    expires_at: Mapped[datetime]
    replies_to_id: Mapped[int | None] = mapped_column(ForeignKey("offers.id", ondelete="SET NULL"))
    status: Mapped[OfferStatus] = mapped_column(
        Enum(OfferStatus, name="offer_status", native_enum=False, create_constraint=True, length=12,
             values_callable=lambda items: [i.value for i in items]), default=OfferStatus.OPEN)
    answered_at: Mapped[datetime | None]
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    case: Mapped[Case] = relationship(lazy="joined")
    made_by: Mapped[User | None] = relationship(foreign_keys=[made_by_id])
    replies_to: Mapped[Offer | None] = relationship(remote_side=[id])
