"""The tenant's own wording of the settlement agreement: which wording a new agreement starts from,
and the admin's checks, saving and reset of it (the page with its preview is in ``views``)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from odr.mediation.agreements import wording
from odr.mediation.agreements.models import AgreementTemplate
from odr.platform.errors import ValidationFailed
from odr.platform.i18n import number
from odr.platform.permissions import require
from odr.tenants.models import Tenant, User


def template_source(session: Session, tenant: Tenant, locale: str) -> str:
    """The tenant's own wording in ``locale`` if it still passes the checks, else the standard one."""
    own = session.scalar(select(AgreementTemplate).where(AgreementTemplate.tenant_id == tenant.id,
                                                         AgreementTemplate.locale == locale))
    if own is not None and not wording.problems(own.body):
        return own.body
    return wording.standard_body(locale)


def check_template(session: Session, actor: User, locale: str, body: str) -> str:
    """``body`` filled with the sample values, if it is a usable template; a field error if not."""
    require(actor, "agreement_templates.manage")
    if not body.strip():
        raise ValidationFailed.on_fields({"body": [str(_l("This field is required."))]})
    if len(body) > wording.TEXT_MAX:
        too_long = _l("Use at most %(n)s characters.", n=number(wording.TEXT_MAX))
        raise ValidationFailed.on_fields({"body": [str(too_long)]})
    found = wording.problems(body)
    if found:
        raise ValidationFailed.on_fields({"body": found})
    return wording.fill(body, wording.SAMPLES)


def save_template(session: Session, actor: User, locale: str, body: str) -> str:
    """Keep the tenant's own wording in ``locale`` after checking it; new agreements use it."""
    filled = check_template(session, actor, locale, body)
    row = session.scalar(select(AgreementTemplate).where(AgreementTemplate.tenant_id == actor.tenant_id,
                                                         AgreementTemplate.locale == locale))
    if row is None:
        row = AgreementTemplate(tenant_id=actor.tenant_id, locale=locale, body=body)
        session.add(row)
    row.body, row.updated_by_id = body, actor.id
    session.flush()
    return filled


def reset_template(session: Session, actor: User, locale: str) -> bool:
    """Drop the tenant's own wording in ``locale``; False when it had none."""
    require(actor, "agreement_templates.manage")
    row = session.scalar(select(AgreementTemplate).where(AgreementTemplate.tenant_id == actor.tenant_id,
                                                         AgreementTemplate.locale == locale))
    if row is None:
        return False
    session.delete(row)
    session.flush()
    return True
