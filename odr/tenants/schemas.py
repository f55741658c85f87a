"""Input schemas of the tenants domain: the one place where its input is validated."""

from __future__ import annotations

import re
from typing import Any
from zoneinfo import available_timezones

from flask import has_app_context
from flask_babel import lazy_gettext as _l
from marshmallow import Schema, ValidationError, fields, post_load, validate, validates, validates_schema
from sqlalchemy import select

from odr.platform.extensions import db
from odr.platform.schemas import BaseSchema, Email, Text, at_most, required_text
from odr.platform.tenancy import current_tenant_id
from odr.tenants.models import Role, User
from odr.tenants.passwords import MIN_LENGTH

SLUG = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")
LOCALES = ("en", "de")


class SignInSchema(BaseSchema):
    """E-mail and password."""

    email = Email(**required_text())
    password = fields.String(**required_text())


class SignInLinkSchema(BaseSchema):
    """The e-mail to send a fresh sign-in link to."""

    email = Email(**required_text())


class PasswordSchema(BaseSchema):
    """A new password, typed twice."""

    password = fields.String(
        **required_text(),
        validate=validate.Length(
            min=MIN_LENGTH, max=200, error=_l("Use at least %(n)s characters.", n=MIN_LENGTH)
        ),
    )
    password_confirm = fields.String(**required_text())

    # Cross-field rules run even when a field failed, so that every message shows at once.
    @validates_schema(skip_on_field_errors=False, pass_original=True)
    def _match(self, data: dict[str, Any], original: Any, **kwargs: Any) -> None:
        # Compared as typed, so that a password too short still hears that the two differ.
        typed = original if isinstance(original, dict) else {}
        password, confirm = typed.get("password"), typed.get("password_confirm")
        if password and confirm and password != confirm:
            raise ValidationError({"password_confirm": [str(_l("The two passwords differ."))]})


class PasswordChangeSchema(PasswordSchema):
    """The current password, and a new one typed twice."""

    current_password = fields.String(**required_text())


class ProfileSchema(BaseSchema):
    """One's own name and language (none: the browser's)."""

    full_name = Text(**required_text(), validate=at_most(200))
    locale = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.OneOf(LOCALES, error=_l("Choose one of the languages offered.")),
    )


class RoleSchema(BaseSchema):
    """A role, and the organisation an insurer agent belongs to."""

    role = fields.Enum(
        Role,
        by_value=True,
        required=True,
        error_messages={"unknown": _l("Choose one of the roles offered."), "required": _l("This field is required.")},
    )
    organisation_id = fields.UUID(
        load_default=None, allow_none=True, error_messages={"invalid_uuid": _l("Choose an organisation.")}
    )

    # Runs even when another field failed, so that every message shows at once.
    @validates_schema(skip_on_field_errors=False, pass_original=True)
    def _agent_needs_organisation(self, data: dict[str, Any], original: Any, **kwargs: Any) -> None:
        # A malformed organisation id has its own message already; this one says that none is chosen.
        chosen = isinstance(original, dict) and original.get("organisation_id") not in (None, "")
        if data.get("role") is Role.INSURER_AGENT and data.get("organisation_id") is None and not chosen:
            raise ValidationError({"organisation_id": [str(_l("An insurer agent needs an organisation."))]})

    @post_load
    def _only_agents_belong(self, data: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        if data["role"] is not Role.INSURER_AGENT:
            data["organisation_id"] = None
        return data


class InvitationSchema(RoleSchema):
    """Whom to invite, and as what."""

    email = Email(**required_text())
    full_name = Text(**required_text(), validate=at_most(200))

    @validates("email")
    def _not_in_use(self, value: str, **_: Any) -> None:
        """An address someone in the tenant uses already is said with every other field's message
        (the pages and the API alike), not after they are fixed; the service checks it again."""
        tenant_id = current_tenant_id(db.session) if has_app_context() else None
        if tenant_id is not None and db.session.scalar(
                select(User.id).where(User.tenant_id == tenant_id, User.email == value)) is not None:
            raise ValidationError(str(_l("Someone in this tenant already uses this e-mail address.")))


# The roles an admin can give: customers join through a case's invitation and stay customers.
ASSIGNABLE_ROLES = (Role.ADMIN, Role.CASE_MANAGER, Role.MEDIATOR, Role.INSURER_AGENT)


class UserUpdateSchema(RoleSchema):
    """An admin's change to a user: name, role and (for insurer agents) organisation."""

    full_name = Text(**required_text(), validate=at_most(200))


class OrganisationSchema(BaseSchema):
    """An insurer organisation."""

    name = Text(**required_text(), validate=at_most(200))
    contact_email = Email(load_default=None, allow_none=True)
    reference_prefix = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.Regexp(r"^[A-Z0-9]{2,10}$", error=_l("Use 2 to 10 capital letters or digits.")),
    )


class TenantSchema(BaseSchema):
    """A new tenant (an ADR provider)."""

    slug = fields.String(
        **required_text(),
        validate=validate.Regexp(SLUG, error=_l("Use lower-case letters, digits and hyphens.")),
    )
    name = Text(**required_text(), validate=at_most(200))
    time_zone = fields.String(load_default="Europe/London")
    default_locale = fields.String(
        load_default="en",
        validate=validate.OneOf(
            LOCALES,
            error=_l("Use one of these language codes: %(codes)s.", codes=", ".join(LOCALES)),
        ),
    )

    @validates("time_zone")
    def _known_zone(self, value: str, **kwargs: Any) -> None:
        if value not in available_timezones():
            raise ValidationError(str(_l("Unknown time zone; use a name like Europe/Dublin.")))


class UserSchema(InvitationSchema):
    """A user created directly (command line), with an optional password."""

    password = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.Length(
            min=MIN_LENGTH, error=_l("Use at least %(n)s characters.", n=MIN_LENGTH)
        ),
    )
    organisation = fields.String(load_default=None, allow_none=True)

    @validates_schema(skip_on_field_errors=False, pass_original=True)
    def _agent_needs_organisation(self, data: dict[str, Any], original: Any, **kwargs: Any) -> None:
        role = data.get("role")
        errors: dict[str, list[str]] = {}
        if role is Role.INSURER_AGENT and not (data.get("organisation") or data.get("organisation_id")):
            errors["organisation"] = [str(_l("An insurer agent needs an organisation."))]
        if role is not None and role.needs_password and not data.get("password"):
            errors["password"] = [str(_l("Staff and agents need a password."))]
        if errors:
            raise ValidationError(errors)

    @post_load
    def _only_agents_belong(self, data: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        return data  # a user made on the command line keeps the organisation it was given


# Output schemas (the REST API) ---------------------------------------------------------------


class OrganisationOut(Schema):
    """An insurer organisation as the API shows it."""

    id = fields.UUID(attribute="public_id", dump_only=True)
    name = fields.String()
    contact_email = fields.String(allow_none=True)
    reference_prefix = fields.String(allow_none=True)
    is_active = fields.Boolean()


class UserOut(Schema):
    """A user as the API shows it."""

    id = fields.UUID(attribute="public_id", dump_only=True)
    email = fields.String()
    full_name = fields.String()
    role = fields.Enum(Role, by_value=True)
    organisation = fields.Nested(OrganisationOut, allow_none=True)
    is_active = fields.Boolean()
    last_login_at = fields.DateTime(allow_none=True)
    two_step = fields.Function(lambda user: user.totp_enabled_at is not None, dump_only=True,
                               metadata={"description": "Signs in with a second factor"})


class InvitationOut(Schema):
    """An invitation as the API shows it (never its token)."""

    id = fields.UUID(attribute="public_id", dump_only=True)
    email = fields.String()
    full_name = fields.String()
    role = fields.Enum(Role, by_value=True)
    organisation = fields.Nested(OrganisationOut, allow_none=True)
    state = fields.String()
    expires_at = fields.DateTime()
    created_at = fields.DateTime()
