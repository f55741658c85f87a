"""The insurer organisations of a tenant: registering and changing them, each name and reference
prefix used once per tenant."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from odr.platform.errors import NotFound, ValidationFailed
from odr.platform.permissions import require
from odr.platform.schemas import load
from odr.tenants.models import Organisation, User
from odr.tenants.schemas import OrganisationSchema

NAME_TAKEN = _l("An organisation with this name is already registered.")
PREFIX_TAKEN = _l("Another insurer uses this prefix already; choose one of its own.")


def create_organisation(session: Session, actor: User, values: dict[str, Any]) -> Organisation:
    """Register an insurer organisation with the actor's tenant.

    :param values: loaded by ``OrganisationSchema``: name, contact_email, reference_prefix
    """
    require(actor, "organisations.manage")
    _check_unique(session, actor.tenant_id, values)
    organisation = Organisation(tenant_id=actor.tenant_id, **values)
    _flush_unique(session, lambda: session.add(organisation))
    return organisation


def update_organisation(session: Session, actor: User, organisation: Organisation, data: dict[str, Any]) -> None:
    """Change an organisation's name, contact or reference prefix.

    :param data: the form: name, contact_email, reference_prefix
    """
    require(actor, "organisations.manage", organisation)
    values = load(OrganisationSchema(), data)
    values.setdefault("reference_prefix", None)
    _check_unique(session, organisation.tenant_id, values, but=organisation.id)

    def change() -> None:
        for key, value in values.items():
            setattr(organisation, key, value)

    _flush_unique(session, change)


def _check_unique(session: Session, tenant_id: int, values: dict[str, Any], but: int | None = None) -> None:
    """Refuse a name (in any letter case) or a reference prefix another organisation of the tenant has;
    both at once when both are taken."""
    others = select(Organisation.id).where(Organisation.tenant_id == tenant_id)
    if but is not None:
        others = others.where(Organisation.id != but)
    errors: dict[str, list[str]] = {}
    if session.scalar(others.where(func.lower(Organisation.name) == values["name"].lower())) is not None:
        errors["name"] = [str(NAME_TAKEN)]
    prefix = values.get("reference_prefix")
    if prefix and session.scalar(others.where(Organisation.reference_prefix == prefix)) is not None:
        errors["reference_prefix"] = [str(PREFIX_TAKEN)]
    if errors:
        raise ValidationFailed.on_fields(errors)


def _flush_unique(session: Session, write: Any) -> None:
    """Write and flush in a savepoint; a request that raced this one to the same name or prefix (both
    checked, both found it free) meets the unique constraint, and hears it as that field's error."""
    try:
        with session.begin_nested():
            write()
            session.flush()
    except IntegrityError as exc:
        field = "reference_prefix" if "reference_prefix" in str(exc.orig) else "name"
        raise ValidationFailed.on_field(field, PREFIX_TAKEN if field == "reference_prefix" else NAME_TAKEN) from exc


def organisation_by_public_id(session: Session, tenant_id: int, public_id: Any) -> Organisation:
    """The tenant's organisation with ``public_id``, or NotFound."""
    organisation = session.scalar(
        select(Organisation).where(Organisation.public_id == public_id, Organisation.tenant_id == tenant_id)
    )
    if organisation is None:
        raise NotFound(str(_l("No such organisation is registered.")))
    return organisation
