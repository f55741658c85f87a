"""The mediator's saved replies: the tenant's (no owner) and each mediator's own."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from odr.mediation.core.models import Case
from odr.mediation.rooms.models import ReplyTemplate
from odr.mediation.rooms.schemas import ReplyTemplateSchema
from odr.platform.db import utcnow
from odr.platform.errors import NotFound, public_key
from odr.platform.permissions import require
from odr.platform.schemas import load
from odr.tenants.models import User


def reply_templates(session: Session, actor: User) -> list[ReplyTemplate]:
    """The templates ``actor`` may use: the tenant's and their own, by title."""
    require(actor, "rooms.use_templates")
    return list(session.scalars(
        select(ReplyTemplate)
        .where(ReplyTemplate.tenant_id == actor.tenant_id,
               (ReplyTemplate.owner_id.is_(None)) | (ReplyTemplate.owner_id == actor.id))
        .order_by(ReplyTemplate.owner_id.is_not(None), ReplyTemplate.title)
    ))


def reply_template(session: Session, actor: User, public_id: Any, *, for_change: bool = False) -> ReplyTemplate:
    """One template ``actor`` may use (or change); anyone else's is not found."""
    require(actor, "rooms.use_templates")
    message = str(_l("We could not find that template."))
    found = session.scalar(select(ReplyTemplate).where(
        ReplyTemplate.public_id == public_key(public_id, message), ReplyTemplate.tenant_id == actor.tenant_id,
        (ReplyTemplate.owner_id.is_(None)) | (ReplyTemplate.owner_id == actor.id)))
    if found is None:
        raise NotFound(message)
    if for_change and found.owner_id is None:
        require(actor, "rooms.manage_shared_templates")
    return found


def save_reply_template(session: Session, actor: User, data: dict[str, Any],
                        template: ReplyTemplate | None = None) -> ReplyTemplate:
    """Create a template, or change ``template``; ``shared`` makes it the whole tenant's."""
    require(actor, "rooms.use_templates")
    values = load(ReplyTemplateSchema(), data)
    if values["shared"]:
        require(actor, "rooms.manage_shared_templates")
    if template is None:
        template = ReplyTemplate(tenant_id=actor.tenant_id)
        session.add(template)
    elif template.owner_id is None:
        require(actor, "rooms.manage_shared_templates")
    template.owner_id = None if values["shared"] else actor.id
    template.title = values["title"]
    template.text = values["text"]
    template.updated_at = utcnow()
    session.flush()
    return template


def delete_reply_template(session: Session, actor: User, template: ReplyTemplate) -> None:
    """Remove a template one may change."""
    if template.owner_id is None:
        require(actor, "rooms.manage_shared_templates")
    elif template.owner_id != actor.id:
        raise NotFound(str(_l("We could not find that template.")))
    session.delete(template)
    session.flush()


def fill_template(text: str, case: Case) -> str:
    """A template's text for one case: ``{customer}``, ``{insurer}`` and ``{reference}`` filled in."""
    return (text.replace("{customer}", case.customer_name)
            .replace("{insurer}", case.organisation.name)
            .replace("{reference}", case.reference))
