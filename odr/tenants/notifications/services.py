"""Notify people in the app and by e-mail; edit and preview the tenant's e-mail templates."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable
from typing import Any

from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from jinja2 import StrictUndefined, TemplateError, TemplateSyntaxError, nodes
from jinja2.sandbox import ImmutableSandboxedEnvironment
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from odr.platform.db import utcnow
from odr.platform.errors import NotFound, ValidationFailed
from odr.platform.i18n import Message, number, rendered
from odr.platform.mail import queue_email
from odr.platform.permissions import require
from odr.tenants.models import Tenant, User
from odr.tenants.notifications import syntax
from odr.tenants.notifications.catalogue import STANDARDS, Standard
from odr.tenants.notifications.models import EmailTemplate, Notification
from odr.tenants.schemas import LOCALES

log = logging.getLogger(__name__)

_sandbox = ImmutableSandboxedEnvironment(undefined=StrictUndefined, autoescape=False)

SUBJECT_MAX = 300
BODY_MAX = 20_000


def is_local_path(link: str | None) -> bool:
    """True for a path on this site (``/t/...``), never another host or scheme."""
    if not link:
        return False
    return link.startswith("/") and not link.startswith("//") and "\\" not in link


# In-app notifications -------------------------------------------------------------------------


def notify(
    session: Session,
    tenant: Tenant,
    recipients: Iterable[User],
    *,
    kind: str,
    title: str | Message,
    body: str | Message = "",
    link: str | None = None,
    email_key: str | None = None,
    email_values: dict[str, Any] | None = None,
) -> None:
    """Tell ``recipients`` in the app and, when ``email_key`` is given, by e-mail (through the outbox).

    :param kind: what the notification is about (for filtering), e.g. ``deadline.reminder``
    :param title: one line for the bell's list; a Message (``_m``) is shown in each reader's language
    :param body: more detail, a Message or text the reader sees as written (a reason someone gave)
    :param link: a local path (``/t/<slug>/...``) that opening the notification leads to
    :param email_key: a standard e-mail of the catalogue, rendered from the tenant's template
    :param email_values: the placeholders' values (recipient_name and tenant_name are added); a
        Message among them is put into words in the recipient's language
    """
    if link is not None and not is_local_path(link):
        raise ValueError(f"a notification links to a local path, not {link!r}")
    seen: set[int] = set()
    for user in recipients:
        if user is None or user.id in seen or not user.is_active:
            continue
        seen.add(user.id)
        locale = reader_locale(tenant, user)
        with force_locale(locale):
            session.add(Notification(
                tenant_id=tenant.id, user_id=user.id, kind=kind, link=link,
                title=str(title)[:300], title_message=_stored(title), body=str(body), body_message=_stored(body)))
        if email_key:
            send_templated(session, tenant, user.email, user.full_name, locale, email_key, email_values or {})
    session.flush()


def reader_locale(tenant: Tenant, user: User) -> str:
    """The language ``user`` reads in: their own choice, else the tenant's default."""
    return user.locale or tenant.default_locale or "en"


def _stored(value: str | Message) -> dict[str, Any] | None:
    return value.to_json() if isinstance(value, Message) else None


def update_group(
    session: Session, tenant: Tenant, user: User, *, kind: str, group_key: str, version: int, count: int,
    title: Message, link: str | None = None,
) -> bool:
    """Keep one notification for a group of happenings (``group_key``) up to date, instead of one each.

    :param version: how far the group has come (a sequence number): only a newer one changes the row,
        makes it unread again and moves its time, so calling again with the same state does nothing
    :param count: how many happenings wait; 0 means none any more, and the row is marked read
    :param title: the line for the bell, with the count in it
    Returns whether the row changed.
    """
    if link is not None and not is_local_path(link):
        raise ValueError(f"a notification links to a local path, not {link!r}")
    row = session.scalar(select(Notification).where(Notification.user_id == user.id,
                                                    Notification.group_key == group_key))
    if count <= 0:
        if row is not None and row.read_at is None:
            row.read_at = utcnow()
            return True
        return False
    if row is not None and (row.group_version or 0) >= version:
        return False
    if row is None:
        row = Notification(tenant_id=tenant.id, user_id=user.id, group_key=group_key, body="")
        session.add(row)
    with force_locale(reader_locale(tenant, user)):
        row.title = str(title)[:300]
    row.kind, row.link, row.title_message = kind, link, title.to_json()
    row.group_version, row.created_at, row.read_at = version, utcnow(), None
    session.flush()
    return True


def mark_group_read(session: Session, user: User, group_key: str) -> int:
    """``user`` has seen what the group's notification is about (they opened that channel)."""
    result = session.execute(
        update(Notification)
        .where(Notification.user_id == user.id, Notification.group_key == group_key, Notification.read_at.is_(None))
        .values(read_at=utcnow()).execution_options(synchronize_session=False))
    return result.rowcount or 0


def unread_count(session: Session, user: User) -> int:
    """How many of the user's notifications are unread (the bell's number)."""
    return session.scalar(
        select(func.count(Notification.id)).where(Notification.user_id == user.id, Notification.read_at.is_(None))
    ) or 0


def recent(session: Session, user: User, *, limit: int, offset: int = 0) -> list[Notification]:
    """The user's notifications, newest first."""
    return list(session.scalars(
        select(Notification)
        .where(Notification.user_id == user.id)
        .order_by(Notification.created_at.desc(), Notification.id.desc())
        .limit(limit)
        .offset(offset)
    ))


def mark_read(session: Session, user: User, public_ids: list[Any] | None = None) -> int:
    """Mark the user's notifications read (all, or those listed); returns how many changed."""
    statement = update(Notification).where(Notification.user_id == user.id, Notification.read_at.is_(None))
    if public_ids is not None:
        statement = statement.where(Notification.public_id.in_(public_ids))
    result = session.execute(statement.values(read_at=utcnow()).execution_options(synchronize_session=False))
    return result.rowcount or 0


def open_notification(session: Session, user: User, public_id: str) -> Notification:
    """The user's notification ``public_id``, now marked read; anyone else's is not found."""
    require(user, "notifications.view")
    try:
        key = uuid.UUID(public_id)
    except ValueError:
        raise NotFound(str(_l("We could not find that."))) from None
    notification = session.scalar(
        select(Notification).where(Notification.public_id == key, Notification.user_id == user.id)
    )
    if notification is None:
        raise NotFound(str(_l("We could not find that.")))
    if notification.read_at is None:
        notification.read_at = utcnow()
        session.flush()
    return notification


# E-mail templates ---------------------------------------------------------------------------------


def render_text(source: str, values: dict[str, Any]) -> str:
    """Render a template in the sandbox with only ``values`` available."""
    return _sandbox.from_string(source).render(**values)


def standard_wording(key: str, locale: str) -> tuple[str, str]:
    """The standard subject and body of ``key`` in ``locale``."""
    standard = STANDARDS[key]
    with force_locale(locale):
        return str(standard.subject), str(standard.body)


def own_template(session: Session, tenant_id: int, key: str, locale: str) -> EmailTemplate | None:
    """The tenant's own wording of ``key`` in ``locale``, if it has one."""
    return session.scalar(
        select(EmailTemplate).where(
            EmailTemplate.tenant_id == tenant_id, EmailTemplate.key == key, EmailTemplate.locale == locale
        )
    )


def template_for(session: Session, tenant: Tenant, key: str, locale: str) -> tuple[str, str]:
    """The subject and body of ``key`` in ``locale``: the tenant's own wording, else the standard one.

    A language without the tenant's own wording gets the standard wording in that language, so
    the reader always gets an e-mail in their language. A stored wording that no longer passes
    the checks (they only get stricter) is not used either.
    """
    locale = locale if locale in LOCALES else "en"
    own = own_template(session, tenant.id, key, locale)
    if own is not None:
        standard = STANDARDS[key]
        if not template_problems(own.subject, standard) and not template_problems(own.body, standard):
            return own.subject, own.body
        log.warning("tenant %s: the %s wording of %s is refused; the standard one is sent", tenant.id, locale, key)
    return standard_wording(key, locale)


def send_templated(
    session: Session, tenant: Tenant, email: str, name: str, locale: str, key: str, values: dict[str, Any]
) -> None:
    """Queue one standard e-mail to ``email``, in the tenant's wording."""
    subject, body = template_for(session, tenant, key, locale)
    context = {**{p: "" for p in STANDARDS[key].placeholders}, **values,
               "recipient_name": name, "tenant_name": tenant.name}
    with force_locale(locale):
        context = {k: rendered(v) for k, v in context.items()}
    queue_email(session, tenant_id=tenant.id, to=email, subject=" ".join(render_text(subject, context).split()),
                body=render_text(body, context))


_STATEMENT_NAMES = {"For": "for", "If": "if", "Macro": "macro", "CallBlock": "call", "FilterBlock": "filter",
                    "With": "with", "Assign": "set", "AssignBlock": "set", "Block": "block", "Extends": "extends",
                    "Include": "include", "Import": "import", "FromImport": "from", "ExprStmt": "do",
                    "Scope": "scope", "ScopedEvalContextModifier": "autoescape", "EvalContextModifier": "autoescape"}


def template_problems(source: str, standard: Standard) -> list[str]:
    """What makes ``source`` unusable: anything but text and the standard's placeholders.

    A template may hold ``{{ placeholder }}`` and nothing else: no attributes, calls, filters,
    loops or other instructions, so it cannot run code, loop for ever or read anything but the
    values it is given.
    """
    try:
        tree = _sandbox.parse(source)
    except TemplateSyntaxError as exc:
        return [syntax.explain(source, exc.lineno)]
    problems: list[str] = []
    for node in tree.body:
        if not isinstance(node, nodes.Output):
            tag = _STATEMENT_NAMES.get(type(node).__name__, type(node).__name__.lower())
            problems.append(str(_l("Line %(line)s: instructions such as “%(tag)s” are not allowed; use only the "
                                   "placeholders listed.", line=node.lineno, tag=tag)))
            continue
        for child in node.nodes:
            if isinstance(child, nodes.TemplateData):
                continue
            if isinstance(child, nodes.Name) and child.ctx == "load":
                if child.name not in standard.placeholders:
                    problems.append(str(_l("Line %(line)s: {{ %(name)s }} is not a placeholder of this template; "
                                           "use only the placeholders listed.", line=child.lineno, name=child.name)))
                continue
            problems.append(str(_l("Line %(line)s: only a placeholder's name may stand between {{ and }}, like "
                                   "{{ case_reference }}; attributes, calls, filters and other code are not "
                                   "allowed.", line=child.lineno)))
    return list(dict.fromkeys(problems))[:5]


def check_template(key: str, subject: str, body: str) -> dict[str, str]:
    """Render ``subject`` and ``body`` with the sample values; a field error for anything unsafe or unknown."""
    standard = STANDARDS.get(key)
    if standard is None:
        raise NotFound(str(_l("We could not find that.")))
    errors: dict[str, list[str]] = {}
    rendered: dict[str, str] = {}
    body = body.replace("\r\n", "\n")
    for field, source, limit in (("subject", subject, SUBJECT_MAX), ("body", body, BODY_MAX)):
        if not source.strip():
            errors[field] = [str(_l("This field is required."))]
            continue
        if len(source) > limit:
            errors[field] = [str(_l("Use at most %(n)s characters.", n=number(limit)))]
            continue
        if field == "subject" and ("\n" in source.strip() or "\r" in source):
            errors[field] = [str(_l("The subject must be one line."))]
            continue
        problems = template_problems(source, standard)
        if problems:
            errors[field] = problems
            continue
        try:
            rendered[field] = render_text(source, standard.samples)
        except TemplateError as exc:  # the checks above should leave nothing for the sandbox to refuse
            errors[field] = [str(_l("This template cannot be used: %(problem)s. Use only the placeholders listed.",
                                   problem=exc.message or type(exc).__name__))]
    if errors:
        raise ValidationFailed.on_fields(errors)
    rendered["subject"] = " ".join(rendered["subject"].split())
    return rendered


def _check_key_and_locale(key: str, locale: str) -> None:
    if key not in STANDARDS or locale not in LOCALES:
        raise NotFound(str(_l("We could not find that.")))


def save_template(session: Session, actor: User, key: str, locale: str, subject: str, body: str) -> EmailTemplate:
    """Store the tenant's wording of a standard e-mail after checking it renders safely.

    :param key: a standard e-mail of the catalogue (``deadline_reminder``...)
    :param locale: the language of this wording (``en``, ``de``)
    """
    require(actor, "templates.manage")
    _check_key_and_locale(key, locale)
    subject, body = subject.strip(), body.replace("\r\n", "\n").strip()
    check_template(key, subject, body)
    row = own_template(session, actor.tenant_id, key, locale)
    if row is None:
        row = EmailTemplate(tenant_id=actor.tenant_id, key=key, locale=locale, subject=subject, body=body)
        session.add(row)
    row.subject, row.body, row.updated_by_id = subject, body, actor.id
    session.flush()
    return row


def reset_template(session: Session, actor: User, key: str, locale: str) -> bool:
    """Drop the tenant's wording of ``key`` in ``locale``: the standard wording applies again.

    Returns False when there was no wording of the tenant's own to drop.
    """
    require(actor, "templates.manage")
    _check_key_and_locale(key, locale)
    row = own_template(session, actor.tenant_id, key, locale)
    if row is None:
        return False
    session.delete(row)
    session.flush()
    return True
