"""In-app notifications and the tenant's own e-mail templates."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from odr.platform.db import Base, PublicIdMixin, TimestampMixin
from odr.platform.i18n import rendered
from odr.platform.tenancy import TenantScoped


class Notification(TenantScoped, PublicIdMixin, TimestampMixin, Base):
    """A message for one user in the app; unread until they open or dismiss it.

    ``title_message`` and ``body_message`` hold the catalogue id and parameters, put into words in
    the reader's language when shown; ``title`` and ``body`` keep the text in the recipient's
    language at the time (rows from before the messages were stored have only these). A row with
    a ``group_key`` stands for a group of happenings (the unread messages of one channel of a case):
    it is updated, not repeated, and ``group_version`` says up to where it counts them.
    """

    __tablename__ = "notifications"
    __table_args__ = (
        Index("ix_notifications_user_id_read_at", "user_id", "read_at"),
        UniqueConstraint("user_id", "group_key", name="uq_notifications_user_id_group_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(60))
    title: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text, default="")
    link: Mapped[str | None] = mapped_column(String(500))
    read_at: Mapped[datetime | None]
    title_message: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    body_message: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    group_key: Mapped[str | None] = mapped_column(String(120))
    group_version: Mapped[int | None]

    @property
    def shown_title(self) -> str:
        """The title in the reader's language (the stored text for rows without a message)."""
        return rendered(self.title_message) if self.title_message else self.title

    @property
    def shown_body(self) -> str:
        """The body in the reader's language (the stored text for rows without a message)."""
        return rendered(self.body_message) if self.body_message else self.body


class EmailTemplate(TenantScoped, TimestampMixin, Base):
    """A tenant's own wording of one standard e-mail, per language."""

    __tablename__ = "email_templates"
    __table_args__ = (UniqueConstraint("tenant_id", "key", "locale"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(60))
    locale: Mapped[str] = mapped_column(String(10), default="en")
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
