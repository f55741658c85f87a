"""Notify people in the app and by e-mail; edit and preview the tenant's e-mail templates."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask_babel import lazy_gettext as _l
from jinja2 import StrictUndefined, TemplateError
from jinja2.sandbox import ImmutableSandboxedEnvironment
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from odr.platform.db import utcnow
from odr.platform.errors import ValidationFailed
from odr.platform.mail import queue_email
from odr.platform.permissions import require
from odr.tenants.models import Tenant, User
from odr.tenants.notifications.catalogue import STANDARDS
from odr.tenants.notifications.models import EmailTemplate, Notification

_sandbox = ImmutableSandboxedEnvironment(undefined=StrictUndefined, autoescape=False)


def render_text(source: str, values: dict[str, Any]) -> str:
    """Render a tenant's template in the sandbox with only ``values`` available."""
    return _sandbox.from_string(source).render(**values)


def template_for(session: Session, tenant: Tenant, key: str, locale: str) -> tuple[str, str]:
    """The subject and body of ``key``: the tenant's own wording, else the standard one."""
    own = session.scalar(
        select(EmailTemplate).where(
            EmailTemplate.tenant_id == tenant.id, EmailTemplate.key == key, EmailTemplate.locale == locale
        )
    ) or session.scalar(
        select(EmailTemplate).where(
            EmailTemplate.tenant_id == tenant.id, EmailTemplate.key == key, EmailTemplate.locale == "en"
        )
    )
    if own is not None:
        return own.subject, own.body
    standard = STANDARDS[key]
    return standard.subject, standard.body


def notify(
    session: Session,
    tenant: Tenant,
    recipients: Iterable[User],
    *,
    kind: str,
    title: str,
    body: str = "",
    link: str | None = None,
    email_key: str | None = None,
    email_values: dict[str, Any] | None = None,
) -> None:
    """Tell ``recipients`` in the app and, when ``email_key`` is given, by e-mail (through the outbox).

    :param kind: what the notification is about (for filtering), e.g. ``deadline.reminder``
    :param title: one line for the bell's list
    :param email_key: a standard e-mail of the catalogue, rendered from the tenant's template
    :param email_values: the placeholders' values (recipient_name and tenant_name are added)
    """
    seen: set[int] = set()
    for user in recipients:
        if user is None or user.id in seen or not user.is_active:
            continue
        seen.add(user.id)
        session.add(
            Notification(tenant_id=tenant.id, user_id=user.id, kind=kind, title=title[:300], body=body, link=link)
        )
        if email_key:
            send_templated(session, tenant, user.email, user.full_name, user.locale or tenant.default_locale,
                           email_key, email_values or {})
    session.flush()


def send_templated(
    session: Session, tenant: Tenant, email: str, name: str, locale: str, key: str, values: dict[str, Any]
) -> None:
    """Queue one standard e-mail to ``email``, in the tenant's wording."""
    subject, body = template_for(session, tenant, key, locale)
    context = {**{p: "" for p in STANDARDS[key].placeholders}, **values,
               "recipient_name": name, "tenant_name": tenant.name}
    queue_email(session, tenant_id=tenant.id, to=email, subject=render_text(subject, context).strip(),
                body=render_text(body, context))


def mark_read(session: Session, user: User, public_ids: list[Any] | None = None) -> int:
    """Mark the user's notifications read (all, or those listed); returns how many changed."""
    statement = update(Notification).where(Notification.user_id == user.id, Notification.read_at.is_(None))
    if public_ids is not None:
        statement = statement.where(Notification.public_id.in_(public_ids))
    result = session.execute(statement.values(read_at=utcnow()).execution_options(synchronize_session=False))
    return result.rowcount or 0


def check_template(key: str, subject: str, body: str) -> dict[str, str]:
    """Render ``subject`` and ``body`` with the sample values; a field error for anything unsafe or unknown."""
    standard = STANDARDS.get(key)
    if standard is None:
        raise ValidationFailed(str(_l("Unknown template.")))
    errors: dict[str, list[str]] = {}
    rendered: dict[str, str] = {}
    for field, source in (("subject", subject), ("body", body)):
        if not source.strip():
            errors[field] = [str(_l("This field is required."))]
            continue
        try:
            rendered[field] = render_text(source, standard.samples)
        except TemplateError as exc:
            errors[field] = [str(_l("This template cannot be used: %(problem)s. Use only the placeholders listed.",
                                   problem=exc.message or type(exc).__name__))]
    if errors:
        raise ValidationFailed(str(_l("Some fields need to be corrected.")), errors)
    return rendered


def save_template(session: Session, actor: User, key: str, locale: str, subject: str, body: str) -> EmailTemplate:
    """Store the tenant's wording of a standard e-mail after checking it renders safely."""
    require(actor, "templates.manage")
    check_template(key, subject, body)
    row = session.scalar(
        select(EmailTemplate).where(
            EmailTemplate.tenant_id == actor.tenant_id, EmailTemplate.key == key, EmailTemplate.locale == locale
        )
    )
    if row is None:
        row = EmailTemplate(tenant_id=actor.tenant_id, key=key, locale=locale, subject=subject, body=body)
        session.add(row)
    row.subject, row.body, row.updated_by_id = subject, body, actor.id
    session.flush()
    return row
