"""In-app notifications and the tenant's own e-mail templates."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from odr.platform.db import Base, PublicIdMixin, TimestampMixin
from odr.platform.tenancy import TenantScoped


class Notification(TenantScoped, PublicIdMixin, TimestampMixin, Base):
    """A message for one user in the app; unread until they open or dismiss it."""

    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_user_id_read_at", "user_id", "read_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(60))
    title: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text, default="")
    link: Mapped[str | None] = mapped_column(String(500))
    read_at: Mapped[datetime | None]


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
