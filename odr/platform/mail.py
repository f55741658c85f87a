"""E-mail through an outbox: written with the change that implies it, delivered by a job."""

from __future__ import annotations

import logging
import smtplib
from datetime import datetime
from email.message import EmailMessage
from urllib.parse import unquote, urlparse

from flask import current_app
from sqlalchemy import String, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from odr.platform.db import Base, PublicIdMixin, TimestampMixin, after_commit, utcnow
from odr.platform.extensions import db
from odr.platform.jobs import JobSet, jobs
from odr.platform.tenancy import TenantScoped

JOBS = JobSet()

log = logging.getLogger(__name__)


class OutboxEmail(TenantScoped, PublicIdMixin, TimestampMixin, Base):
    """One e-mail to send; its row is the record that it was (or will be) sent."""

    __tablename__ = "outbox_emails"

    id: Mapped[int] = mapped_column(primary_key=True)
    recipient: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(300))
    body_text: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10), default="pending", index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    sent_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(String(500))


def queue_email(session: Session, *, tenant_id: int, to: str, subject: str, body: str) -> OutboxEmail:
    """Write an e-mail to the outbox in the caller's transaction; it is sent after commit."""
    email = OutboxEmail(tenant_id=tenant_id, recipient=to, subject=subject, body_text=body)
    session.add(email)
    session.flush()
    email_id = email.id
    after_commit(session, lambda: jobs.enqueue(deliver_email, email_id))
    return email


@JOBS.task(retries=5, retry_delay=60)
def deliver_email(email_id: int) -> None:
    """Send one outbox e-mail; a second run of the same id sends nothing."""
    with db.new_session() as session:
        email = session.scalars(
            select(OutboxEmail).where(OutboxEmail.id == email_id).with_for_update()
        ).one_or_none()
        if email is None or email.status == "sent":
            return
        email.attempts += 1
        try:
            send(email)
        except Exception as exc:
            email.last_error = str(exc)[:500]
            session.commit()
            raise
        email.status = "sent"
        email.sent_at = utcnow()
        email.last_error = None
        session.commit()


@JOBS.periodic(minute="*")
def deliver_pending() -> None:
    """Pick up e-mails whose job was lost (a crash between commit and enqueue)."""
    with db.new_session() as session:
        ids = session.scalars(
            select(OutboxEmail.id).where(OutboxEmail.status == "pending", OutboxEmail.attempts < 10)
        ).all()
    for email_id in ids:
        deliver_email(email_id)


def send(email: OutboxEmail) -> None:
    """Hand ``email`` to SMTP when configured, else write it to the log (embedded mode)."""
    settings = current_app.config["ODR"]
    if not settings.smtp_url:
        log.info("e-mail to %s: %s\n%s", email.recipient, email.subject, email.body_text)
        return
    message = EmailMessage()
    message["From"] = settings.mail_from
    message["To"] = email.recipient
    message["Subject"] = email.subject
    message.set_content(email.body_text)
    url = urlparse(settings.smtp_url)
    smtp_class = smtplib.SMTP_SSL if url.scheme == "smtps" else smtplib.SMTP
    with smtp_class(url.hostname or "localhost", url.port or (465 if url.scheme == "smtps" else 25),
                    timeout=30) as smtp:
        if url.scheme == "smtp+starttls":
            smtp.starttls()
        if url.username:
            smtp.login(unquote(url.username), unquote(url.password or ""))
        smtp.send_message(message)
