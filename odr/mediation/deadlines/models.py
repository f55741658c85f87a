"""Deadlines are rows with a due time; each reminder or escalation is recorded once."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Enum, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from odr.mediation.core.models import Case
from odr.platform.db import Base, PublicIdMixin, TimestampMixin
from odr.platform.i18n import rendered
from odr.platform.tenancy import TenantScoped
from odr.tenants.models import User


class DeadlineKind(enum.StrEnum):
    """What the deadline measures."""

    TIER = "tier"  # the days allowed in the current tier
    RESPONSE = "response"  # a party's turn to answer
    OUTCOME = "outcome"  # the regulatory clock


class DeadlineStatus(enum.StrEnum):
    """Where a deadline stands."""

    OPEN = "open"
    PAUSED = "paused"
    MET = "met"
    PASSED = "passed"
    CANCELLED = "cancelled"


def _enum(cls: type[enum.Enum], name: str) -> Enum:
    return Enum(cls, name=name, native_enum=False, create_constraint=True, length=12,
                values_callable=lambda items: [i.value for i in items])


class Deadline(TenantScoped, PublicIdMixin, TimestampMixin, Base):
    """Someone must act on a case by ``due_at``."""

    __tablename__ = "deadlines"
    __table_args__ = (
        Index("ix_deadlines_status_next_action_at", "status", "next_action_at"),
        Index("ix_deadlines_case_id_status", "case_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    kind: Mapped[DeadlineKind] = mapped_column(_enum(DeadlineKind, "deadline_kind"))
    tier: Mapped[int]
    party: Mapped[str] = mapped_column(String(20))  # customer, insurer, case_manager, mediator, provider
    what: Mapped[str] = mapped_column(String(300))  # in the language of the day; see what_message
    what_message: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # put into words for each reader
    due_at: Mapped[datetime]
    reminder_days: Mapped[list[int]] = mapped_column(JSON, default=list)
    status: Mapped[DeadlineStatus] = mapped_column(_enum(DeadlineStatus, "deadline_status"),
                                                   default=DeadlineStatus.OPEN)
    next_action_at: Mapped[datetime | None]
    paused_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]

    case: Mapped[Case] = relationship(lazy="joined")

    @property
    def expected(self) -> str:
        """What is expected, in the reader's language (the stored text for older rows)."""
        return rendered(self.what_message) if self.what_message else self.what


class DeadlineAction(TenantScoped, Base):
    """A reminder or escalation taken for a deadline; the unique key makes each happen once."""

    __tablename__ = "deadline_actions"
    __table_args__ = (UniqueConstraint("deadline_id", "action"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    deadline_id: Mapped[int] = mapped_column(ForeignKey("deadlines.id", ondelete="CASCADE"), index=True)
    action: Mapped[str] = mapped_column(String(30))  # reminder:3, reminder:1, escalation
    done_at: Mapped[datetime]


class CaseTask(TenantScoped, PublicIdMixin, TimestampMixin, Base):
    """Work for the case manager, such as phoning a silent party; done with a note."""

    __tablename__ = "case_tasks"
    __table_args__ = (Index("ix_case_tasks_case_id_done_at", "case_id", "done_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(30))  # phone_party
    party: Mapped[str | None] = mapped_column(String(20))
    description: Mapped[str] = mapped_column(Text)
    description_message: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # for each reader's language
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    done_at: Mapped[datetime | None]
    done_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    outcome: Mapped[str | None] = mapped_column(Text)
    outcome_message: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # an outcome the platform wrote

    case: Mapped[Case] = relationship(lazy="joined")
    done_by: Mapped[User | None] = relationship(foreign_keys=[done_by_id])

    @property
    def shown_description(self) -> str:
        """What is to be done, in the reader's language (the stored text for older rows)."""
        return rendered(self.description_message) if self.description_message else self.description

    @property
    def shown_outcome(self) -> str | None:
        """How it ended, in the reader's language when the platform wrote it; a person's note as written."""
        return rendered(self.outcome_message) if self.outcome_message else self.outcome
