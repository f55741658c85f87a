"""Cases: the referral as the insurer sent it, and the case it becomes."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Enum,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    update,
)
from sqlalchemy.orm import Mapped, Session, attributes, mapped_column, relationship

from odr.mediation.core.states import CaseState
from odr.platform.db import Base, PublicIdMixin, TimestampMixin, only_on, utcnow
from odr.platform.i18n import rendered
from odr.platform.tenancy import TenantScoped
from odr.tenants.models import Organisation, User


def _enum(cls: type[enum.Enum], name: str, length: int = 20) -> Enum:
    return Enum(
        cls,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=length,
        values_callable=lambda items: [i.value for i in items],
    )


class ProductLine(enum.StrEnum):
    """The kind of policy."""

    MOTOR = "motor"
    HOME = "home"
    TRAVEL = "travel"
    HEALTH = "health"
    LIFE = "life"
    PET = "pet"
    COMMERCIAL = "commercial"
    OTHER = "other"


class ComplaintCategory(enum.StrEnum):
    """What the complaint is about."""

    CLAIM_DECLINED = "claim_declined"
    DELAY = "delay"
    SETTLEMENT_AMOUNT = "settlement_amount"
    PREMIUM = "premium"
    CANCELLATION = "cancellation"
    SERVICE = "service"
    OTHER = "other"


class ServiceKind(enum.StrEnum):
    """The ADR service asked for."""

    MEDIATION = "mediation"
    CONCILIATION = "conciliation"
    ARBITRATION = "arbitration"


class EscalationLevel(enum.StrEnum):
    """A step of the insurer's own complaint handling."""

    FRONTLINE = "frontline"
    TEAM_LEADER = "team_leader"
    INTERNAL_REVIEW = "internal_review"


class Case(TenantScoped, PublicIdMixin, TimestampMixin, Base):
    """A complaint referred to the ADR provider, from referral to closure."""

    __tablename__ = "cases"
    __table_args__ = (
        UniqueConstraint("tenant_id", "reference"),
        UniqueConstraint("tenant_id", "organisation_id", "idempotency_key"),
        CheckConstraint("amount_minor >= 0", name="amount_not_negative"),
        CheckConstraint("tier BETWEEN 1 AND 4", name="tier_range"),
        Index("ix_cases_tenant_id_state_tier", "tenant_id", "state", "tier"),
        Index("ix_cases_tenant_id_policy_number_complaint_date", "tenant_id", "policy_number", "complaint_date"),
        # The case list: newest referral first, a page at a time, without sorting the tenant's cases.
        Index("ix_cases_tenant_id_referred_at_id", "tenant_id", "referred_at", "id"),
        # One insurer's cases, newest first: the staff's most used filter.
        Index("ix_cases_tenant_id_organisation_id_referred_at_id", "tenant_id", "organisation_id", "referred_at", "id"),
        # The overdue filter: a range of one indexed column instead of a search through the deadlines.
        Index("ix_cases_tenant_id_overdue_from", "tenant_id", "overdue_from"),
        # Search matches any part of a reference or a name: trigram indexes serve ILIKE '%...%' on PostgreSQL.
        # Without GIN's pending list (fastupdate), which every search would read through until a vacuum.
        only_on("postgresql", Index("ix_cases_reference_trgm", "reference", postgresql_using="gin",
                                    postgresql_ops={"reference": "gin_trgm_ops"},
                                    postgresql_with={"fastupdate": "off"})),
        only_on("postgresql", Index("ix_cases_customer_name_trgm", "customer_name", postgresql_using="gin",
                                    postgresql_ops={"customer_name": "gin_trgm_ops"},
                                    postgresql_with={"fastupdate": "off"})),
        # Search by the start of a policy number in any letter case (ILIKE 'abc%'), served the same way.
        only_on("postgresql", Index("ix_cases_policy_number_trgm", "policy_number", postgresql_using="gin",
                                    postgresql_ops={"policy_number": "gin_trgm_ops"},
                                    postgresql_with={"fastupdate": "off"})),
        # Search by the customer's whole address (stored in lower case).
        Index("ix_cases_tenant_id_customer_email", "tenant_id", "customer_email"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(32))
    state: Mapped[CaseState] = mapped_column(_enum(CaseState, "case_state"), default=CaseState.REFERRED)
    tier: Mapped[int] = mapped_column(default=1)
    service: Mapped[ServiceKind] = mapped_column(_enum(ServiceKind, "service_kind"))

    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="RESTRICT"), index=True)
    referred_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    case_manager_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    mediator_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)

    customer_name: Mapped[str] = mapped_column(String(200))
    customer_email: Mapped[str] = mapped_column(String(254))
    customer_phone: Mapped[str | None] = mapped_column(String(40))
    customer_language: Mapped[str] = mapped_column(String(10), default="en")
    customer_needs: Mapped[str | None] = mapped_column(Text)

    policy_number: Mapped[str] = mapped_column(String(60))
    product_line: Mapped[ProductLine] = mapped_column(_enum(ProductLine, "product_line"))
    complaint_category: Mapped[ComplaintCategory] = mapped_column(_enum(ComplaintCategory, "complaint_category"))
    complaint_summary: Mapped[str] = mapped_column(Text)
    complaint_date: Mapped[date]
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    desired_outcome: Mapped[str] = mapped_column(Text)
    final_response_date: Mapped[date | None]
    final_response_summary: Mapped[str | None] = mapped_column(Text)
    no_final_response_reason: Mapped[str | None] = mapped_column(Text)

    idempotency_key: Mapped[str | None] = mapped_column(String(100))
    possible_duplicate_of_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id", ondelete="SET NULL"))
    referred_at: Mapped[datetime] = mapped_column(default=utcnow)
    screening: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    rejection_reason: Mapped[str | None] = mapped_column(Text)

    # The regulatory clock: from the complete file to the tenant's outcome limit.
    file_complete_at: Mapped[datetime | None]
    outcome_due_at: Mapped[datetime | None]
    clock_paused_at: Mapped[datetime | None]
    clock_pause_reason: Mapped[str | None] = mapped_column(Text)
    clock_extended: Mapped[bool] = mapped_column(default=False)

    rejections_in_a_row: Mapped[int] = mapped_column(default=0)
    attention_reason: Mapped[str | None] = mapped_column(Text)
    attention_message: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # the reason, for each reader
    attention_since: Mapped[datetime | None]
    # The earliest due time of the case's open or passed deadlines while the case is in progress
    # (None otherwise): the case is overdue from then on. Kept by odr.mediation.deadlines.overdue.
    overdue_from: Mapped[datetime | None]

    last_seq: Mapped[int] = mapped_column(default=0)
    # Moves whenever who may see or write what in the case may have changed (its state, mediator,
    # customer, insurer, shuttle-only mode, representatives): whoever keeps a judgement of access
    # between requests (a room's socket) compares it with this. Kept by the flush hook below.
    access_version: Mapped[int] = mapped_column(default=0, server_default="0")
    # The room: parties speak only in their caucus while the mediator keeps it shuttle-only.
    shuttle_only: Mapped[bool] = mapped_column(default=False)
    closed_at: Mapped[datetime | None]

    organisation: Mapped[Organisation] = relationship(lazy="joined")
    referred_by: Mapped[User | None] = relationship(foreign_keys=[referred_by_id])
    case_manager: Mapped[User | None] = relationship(foreign_keys=[case_manager_id])
    mediator: Mapped[User | None] = relationship(foreign_keys=[mediator_id])
    customer: Mapped[User | None] = relationship(foreign_keys=[customer_id])
    escalation_steps: Mapped[list[EscalationStep]] = relationship(
        back_populates="case", order_by="EscalationStep.step_date", cascade="all, delete-orphan"
    )
    representatives: Mapped[list[Representative]] = relationship(
        primaryjoin="and_(Representative.case_id == Case.id, Representative.removed_at.is_(None))",
        viewonly=True,
        lazy="selectin",
    )

    @property
    def attention_text(self) -> str | None:
        """Why the case needs attention, in the reader's language (the stored text for older rows)."""
        return rendered(self.attention_message) if self.attention_message else self.attention_reason

    def __repr__(self) -> str:
        return f"<Case {self.reference} {self.state.value}>"


class EscalationStep(TenantScoped, Base):
    """One step of the insurer's internal handling before the referral."""

    __tablename__ = "case_escalation_steps"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    level: Mapped[EscalationLevel] = mapped_column(_enum(EscalationLevel, "escalation_level"))
    step_date: Mapped[date]
    outcome: Mapped[str] = mapped_column(Text)

    case: Mapped[Case] = relationship(back_populates="escalation_steps")


class ReferenceCounter(TenantScoped, Base):
    """The last case number given in a tenant's year (references are ``PREFIX-YEAR-000042``)."""

    __tablename__ = "case_reference_counters"
    __table_args__ = (UniqueConstraint("tenant_id", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int]
    last_number: Mapped[int] = mapped_column(default=0)


class Side(enum.StrEnum):
    """The two parties of a case."""

    CUSTOMER = "customer"
    INSURER = "insurer"


class Representative(TenantScoped, TimestampMixin, Base):
    """Someone acting for one party of one case (a lawyer, an adviser, a relative)."""

    __tablename__ = "case_representatives"
    __table_args__ = (UniqueConstraint("case_id", "email"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    email: Mapped[str] = mapped_column(String(254))
    full_name: Mapped[str] = mapped_column(String(200))
    # Set when the invited person joins (or at once when they already have an account).
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    side: Mapped[Side] = mapped_column(_enum(Side, "case_side", 10))
    relationship_note: Mapped[str | None] = mapped_column(String(200))
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    removed_at: Mapped[datetime | None]

    user: Mapped[User | None] = relationship(foreign_keys=[user_id], lazy="joined")


# What the access rules (``odr.mediation.core.access``) read of a case.
ACCESS_FIELDS = ("state", "mediator_id", "customer_id", "organisation_id", "shuttle_only", "tenant_id")
_REPRESENTATIVE_FIELDS = ("user_id", "side", "removed_at", "case_id")


def move_access_versions(session: Session, flush_context: Any, instances: Any) -> None:
    """Move ``access_version`` of every case whose access changes in this flush.

    The version is raised in SQL (``access_version + 1``), so two transactions changing one case
    at once both move it. Bulk UPDATEs of these columns must move it themselves.
    """
    through_representatives: set[int] = set()
    for obj in session.dirty:
        if isinstance(obj, Case):
            if any(attributes.get_history(obj, key).has_changes() for key in ACCESS_FIELDS):
                obj.access_version = Case.access_version + 1  # type: ignore[assignment]
        elif isinstance(obj, Representative) and any(
                attributes.get_history(obj, key).has_changes() for key in _REPRESENTATIVE_FIELDS):
            moved = attributes.get_history(obj, "case_id")
            through_representatives.update(i for i in (obj.case_id, *moved.deleted) if i is not None)
    for obj in (*session.new, *session.deleted):
        if isinstance(obj, Representative) and obj.case_id is not None:
            through_representatives.add(obj.case_id)
    if through_representatives:
        session.connection().execute(
            update(Case.__table__)
            .where(Case.__table__.c.id.in_(sorted(through_representatives)))
            .values(access_version=Case.__table__.c.access_version + 1)
        )
