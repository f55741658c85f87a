"""Offers: a figure and terms one side puts to the other, answered once; the mediator's proposals."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, CheckConstraint, Enum, ForeignKey, Index, String, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from odr.mediation.core.channels import JOINT
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
    # Closed unanswered because the parties settled on another offer or on the mediator's proposal:
    # neither withdrawn (its maker did nothing) nor rejected (nobody answered it, so it is no
    # rejection in the stalemate's count).
    CLOSED = "closed"


class ProposalStatus(enum.StrEnum):
    """Where a mediator's proposal stands; its outcome is disclosed once, and never who rejected it."""

    OPEN = "open"  # waiting for the parties' answers
    ACCEPTED = "accepted"  # both parties accepted
    NOT_ACCEPTED = "not_accepted"  # a party rejected it, or it expired before both had answered
    CLOSED = "closed"  # the parties settled on an offer before both had answered


def _status_enum(cls: type[enum.Enum], name: str) -> Enum:
    return Enum(cls, name=name, native_enum=False, create_constraint=True, length=12,
                values_callable=lambda items: [i.value for i in items])


class Offer(TenantScoped, PublicIdMixin, TimestampMixin, Base):
    """An offer of one side of a case to the other: an amount in the case's currency, terms beyond
    money, an expiry, and the offer it answers (a counter-offer answers exactly one open offer).

    ``channel`` is where it was made: the joint channel (the other side may answer it), or the maker's
    caucus, to the mediator only, until the mediator conveys it. Conveyed with the figure, the other
    side sees it and may answer it; conveyed without, they learn only that a move was made.
    """

    __tablename__ = "offers"
    __table_args__ = (
        CheckConstraint("amount_minor >= 0", name="amount_not_negative"),
        Index("ix_offers_case_id_status", "case_id", "status"),
        Index("ix_offers_status_expires_at", "status", "expires_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    side: Mapped[str] = mapped_column(String(20))  # customer, insurer
    channel: Mapped[str] = mapped_column(String(20), default=JOINT, server_default=JOINT)
    made_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    made_by_label: Mapped[str] = mapped_column(String(300))
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    terms: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)  # [{"kind": ..., "text": ...}]
    expires_at: Mapped[datetime]
    replies_to_id: Mapped[int | None] = mapped_column(ForeignKey("offers.id", ondelete="SET NULL"))
    status: Mapped[OfferStatus] = mapped_column(_status_enum(OfferStatus, "offer_status"), default=OfferStatus.OPEN)
    answered_at: Mapped[datetime | None]
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # A caucus offer the mediator conveyed: when, by whom, and whether with its figure.
    conveyed_at: Mapped[datetime | None]
    conveyed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    conveyed_figure: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # When the other side's turn to answer falls due, and whether a late counter-offer moved it (once).
    answer_by: Mapped[datetime | None]
    answer_extended: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    case: Mapped[Case] = relationship(lazy="joined")
    made_by: Mapped[User | None] = relationship(foreign_keys=[made_by_id])
    replies_to: Mapped[Offer | None] = relationship(remote_side=[id])

    @property
    def before_the_other_side(self) -> bool:
        """Whether the other side sees the figure: made in the joint channel, or conveyed with it."""
        return self.channel == JOINT or self.conveyed_figure

    @property
    def shown_in(self) -> str:
        """The channel its events are written in: joint once the other side sees it, else its caucus."""
        return JOINT if self.before_the_other_side else self.channel


class Proposal(TenantScoped, PublicIdMixin, TimestampMixin, Base):
    """A mediator's proposal: an amount and terms put to both parties at once, with an expiry.

    Each party answers privately; the outcome is disclosed once both have answered or it expired,
    as accepted by both or not accepted, never saying who rejected it.
    """

    __tablename__ = "offer_proposals"
    __table_args__ = (
        CheckConstraint("amount_minor >= 0", name="amount_not_negative"),
        Index("ix_offer_proposals_case_id_status", "case_id", "status"),
        Index("ix_offer_proposals_status_expires_at", "status", "expires_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    made_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    made_by_label: Mapped[str] = mapped_column(String(300))
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    terms: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    expires_at: Mapped[datetime]
    status: Mapped[ProposalStatus] = mapped_column(_status_enum(ProposalStatus, "proposal_status"),
                                                  default=ProposalStatus.OPEN)
    customer_answer: Mapped[str | None] = mapped_column(String(6))  # accept, reject
    customer_answered_at: Mapped[datetime | None]
    insurer_answer: Mapped[str | None] = mapped_column(String(6))
    insurer_answered_at: Mapped[datetime | None]
    disclosed_at: Mapped[datetime | None]

    case: Mapped[Case] = relationship(lazy="joined")

    def answer_of(self, side: str) -> str | None:
        """The answer of ``side`` (customer, insurer), if it gave one."""
        return self.customer_answer if side == "customer" else self.insurer_answer if side == "insurer" else None
