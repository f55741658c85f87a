"""Blind bidding: both sides opt in, then each puts in one confidential figure per round."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, Enum, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from odr.mediation.core.models import Case
from odr.platform.db import Base, PublicIdMixin, TimestampMixin
from odr.platform.tenancy import TenantScoped


class BiddingStatus(enum.StrEnum):
    """Where a case's blind bidding stands; only a running one takes figures."""

    OPTING_IN = "opting_in"  # one side has opted in, the other not yet
    BIDDING = "bidding"  # both opted in: the rounds run
    SETTLED = "settled"  # a round settled
    NOT_SETTLED = "not_settled"  # every round ended apart


class BlindBidding(TenantScoped, PublicIdMixin, TimestampMixin, Base):
    """A case's blind bidding: who opted in for each side and when, the rule both agreed to, the round
    that takes figures now, and the result.

    The rule is taken from the tenant's policy when the first side opts in and shown to the other
    side from here, so both opt in to the same rule; it is final once both have. ``version`` moves
    with every change, by conditional updates, so that racing requests serialise on this row.
    """

    __tablename__ = "blind_biddings"
    __table_args__ = (
        UniqueConstraint("case_id"),
        CheckConstraint("rounds >= 1", name="rounds_at_least_one"),
        CheckConstraint("percent >= 0 AND percent <= 100", name="percent_in_range"),
        CheckConstraint("gap_minor >= 0", name="gap_not_negative"),
        CheckConstraint("current_round >= 1", name="current_round_at_least_one"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    status: Mapped[BiddingStatus] = mapped_column(
        Enum(BiddingStatus, name="blind_bidding_status", native_enum=False, create_constraint=True, length=12,
             values_callable=lambda items: [i.value for i in items]), default=BiddingStatus.OPTING_IN)
    customer_opted_in_at: Mapped[datetime | None]
    customer_opted_in_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    insurer_opted_in_at: Mapped[datetime | None]
    insurer_opted_in_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # The rule: at most ``rounds`` rounds; a gap within ``percent`` of the customer's figure or within
    # ``gap_minor`` (minor units of ``currency``) settles at the midpoint.
    rounds: Mapped[int]
    percent: Mapped[int]
    gap_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    mediator_sees_figures: Mapped[bool] = mapped_column(default=False)
    started_at: Mapped[datetime | None]
    current_round: Mapped[int] = mapped_column(default=1)
    version: Mapped[int] = mapped_column(default=0)
    settled_round: Mapped[int | None]
    settled_amount_minor: Mapped[int | None] = mapped_column(BigInteger)
    ended_at: Mapped[datetime | None]

    case: Mapped[Case] = relationship(lazy="joined")

    def opted_in_at(self, side: str) -> datetime | None:
        """When ``side`` (customer, insurer) opted in, if it has."""
        return self.customer_opted_in_at if side == "customer" else self.insurer_opted_in_at


class BlindBid(TenantScoped, PublicIdMixin, TimestampMixin, Base):
    """One side's confidential figure for one round, in minor units of the bidding's currency.

    Only its own side reads it (and the mediator, when the rule says so): nothing else carries it.
    """

    __tablename__ = "blind_bids"
    __table_args__ = (
        UniqueConstraint("bidding_id", "round_no", "side"),  # one figure per round and side
        CheckConstraint("figure_minor > 0", name="figure_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    bidding_id: Mapped[int] = mapped_column(ForeignKey("blind_biddings.id", ondelete="CASCADE"))
    round_no: Mapped[int]
    side: Mapped[str] = mapped_column(String(20))  # customer, insurer
    figure_minor: Mapped[int] = mapped_column(BigInteger)
    made_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    bidding: Mapped[BlindBidding] = relationship()
