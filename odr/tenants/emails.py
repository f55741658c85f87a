"""The tenants domain's e-mails, rendered in the recipient's language and queued in the outbox."""

from __future__ import annotations

from flask import render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from odr.platform.mail import queue_email
from odr.tenants.models import Invitation, Tenant, User


def invitation(session: Session, tenant: Tenant, invitation: Invitation, link: str) -> None:
    """Queue the invitation e-mail with its link."""
    with force_locale(tenant.default_locale):
        subject = _("You are invited to %(tenant)s", tenant=tenant.name)
        body = render_template(
            "tenants/emails/invitation.txt", tenant=tenant, invitation=invitation, link=link
        )
    queue_email(session, tenant_id=tenant.id, to=invitation.email, subject=subject, body=body)


def sign_in_link(session: Session, tenant: Tenant, user: User, link: str, minutes: int) -> None:
    """Queue a fresh sign-in link."""
    with force_locale(user.locale or tenant.default_locale):
        subject = _("Your sign-in link for %(tenant)s", tenant=tenant.name)
        body = render_template(
            "tenants/emails/sign_in_link.txt", tenant=tenant, user=user, link=link, minutes=minutes
        )
    queue_email(session, tenant_id=tenant.id, to=user.email, subject=subject, body=body)
