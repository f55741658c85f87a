"""Messages, read marks, presence and the mediator's reply templates."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from odr.platform.db import Base, PublicIdMixin, TimestampMixin, utcnow
from odr.platform.tenancy import TenantScoped
from odr.tenants.models import User

MAX_TEXT = 10_000


class Message(TenantScoped, PublicIdMixin, TimestampMixin, Base):
    """A message in a case's channel; its event in the case stream holds its hash.

    ``client_id`` is chosen by the sender's browser: a retried ``send`` finds the message it
    already stored instead of storing it twice.
    """

    __tablename__ = "room_messages"
    __table_args__ = (
        UniqueConstraint("case_id", "seq"),
        UniqueConstraint("case_id", "author_id", "client_id"),
        Index("ix_room_messages_case_id_channel_seq", "case_id", "channel", "seq"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    seq: Mapped[int]
    channel: Mapped[str] = mapped_column(String(20))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    author_label: Mapped[str] = mapped_column(String(250))
    client_id: Mapped[str] = mapped_column(String(64))
    text: Mapped[str] = mapped_column(Text)
    retracted_at: Mapped[datetime | None]
    # Carried across by the mediator: where it came from and who first wrote it.
    carried_from_seq: Mapped[int | None]
    carried_from_channel: Mapped[str | None] = mapped_column(String(20))
    original_author_label: Mapped[str | None] = mapped_column(String(250))

    author: Mapped[User | None] = relationship(lazy="joined")


class ReadMark(TenantScoped, Base):
    """How far a user has read a channel of a case, and how far they were told by e-mail."""

    __tablename__ = "room_read_marks"
    __table_args__ = (UniqueConstraint("case_id", "user_id", "channel"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    channel: Mapped[str] = mapped_column(String(20))
    seq: Mapped[int] = mapped_column(default=0)
    notified_seq: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class Presence(TenantScoped, Base):
    """A socket in a case room; refreshed by the client's heartbeat, stale after a few minutes."""

    __tablename__ = "room_presence"
    __table_args__ = (UniqueConstraint("sid", "case_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    sid: Mapped[str] = mapped_column(String(64))
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    seen_at: Mapped[datetime] = mapped_column(default=utcnow)


class ReplyTemplate(TenantScoped, PublicIdMixin, TimestampMixin, Base):
    """A saved reply: the tenant's (no owner) or one mediator's own."""

    __tablename__ = "room_reply_templates"

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(120))
    text: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
