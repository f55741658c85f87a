"""Use cases of the tenants domain. They take the session and the actor, flush, never commit."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from odr.platform.db import utcnow
from odr.platform.errors import NotFound, ValidationFailed
from odr.platform.permissions import require
from odr.platform.schemas import load
from odr.platform.tokens import hash_token, new_token
from odr.tenants import emails
from odr.tenants.models import Invitation, InvitationPurpose, Organisation, Role, Tenant, User
from odr.tenants.organisations import organisation_by_public_id
from odr.tenants.passwords import hash_password, needs_rehash, verify_password
from odr.tenants.policy import DEFAULT_POLICY
from odr.tenants.schemas import (
    InvitationSchema,
    PasswordSchema,
    SignInLinkSchema,
    SignInSchema,
    TenantSchema,
    UserSchema,
)
from odr.tenants.signals import account_created


class InvalidCredentials(ValidationFailed):
    """E-mail or password wrong: one message for both, so neither is disclosed."""

    code = "invalid_credentials"


class InvalidLink(ValidationFailed):
    """The link is unknown, used, revoked or expired: one answer for all."""

    code = "invalid_link"
    status = 404


def _field_error(field: str, message: Any) -> ValidationFailed:
    return ValidationFailed.on_field(field, message)


# Tenants -------------------------------------------------------------------------------------


def create_tenant(session: Session, data: dict[str, Any]) -> Tenant:
    """Create a tenant (an operator's command, no actor) with the default policy.

    :param data: slug, name, time_zone, default_locale
    """
    values = load(TenantSchema(), data)
    if session.scalar(select(Tenant.id).where(Tenant.slug == values["slug"])) is not None:
        raise _field_error("slug", _l("This address is taken; choose another."))
    tenant = Tenant(policy=dict(DEFAULT_POLICY), **values)
    session.add(tenant)
    session.flush()
    return tenant


def tenant_by_slug(session: Session, slug: str) -> Tenant:
    """The active tenant at ``slug``, or NotFound."""
    tenant = session.scalar(select(Tenant).where(Tenant.slug == slug, Tenant.is_active.is_(True)))
    if tenant is None:
        raise NotFound(str(_l("There is no dispute resolution service at this address.")))
    return tenant


# Users ---------------------------------------------------------------------------------------


def _email_taken(session: Session, tenant_id: int, email: str) -> bool:
    return session.scalar(select(User.id).where(User.tenant_id == tenant_id, User.email == email)) is not None


def create_user(session: Session, tenant: Tenant, data: dict[str, Any]) -> User:
    """Create a user directly (an operator's command): e-mail, full_name, role, password.

    :param data: email, full_name, role, password, organisation (name) for insurer agents
    """
    values = load(UserSchema(), data)
    if _email_taken(session, tenant.id, values["email"]):
        raise _field_error("email", _l("Someone in this tenant already uses this e-mail address."))
    organisation = None
    if values["role"] is Role.INSURER_AGENT:
        organisation = session.scalar(
            select(Organisation).where(
                Organisation.tenant_id == tenant.id, Organisation.name == values["organisation"]
            )
        )
        if organisation is None:
            raise _field_error("organisation", _l("No organisation of this name is registered."))
    user = User(
        tenant_id=tenant.id,
        email=values["email"],
        full_name=values["full_name"],
        role=values["role"],
        organisation=organisation,
        password_hash=hash_password(values["password"]) if values.get("password") else None,
    )
    session.add(user)
    session.flush()
    return user


# Invitations and sign-in links ----------------------------------------------------------------


def invitation_url(base_url: str, tenant: Tenant, token: str) -> str:
    """The link a person opens to confirm an invitation or a sign-in."""
    return f"{base_url.rstrip('/')}/t/{tenant.slug}/links/{token}"


def load_invitation(session: Session, actor: User, data: dict[str, Any]) -> dict[str, Any]:
    """The invitation form's values; an address someone in the tenant uses already is said together
    with every other field's message (``InvitationSchema``), not after they are fixed."""
    return load(InvitationSchema(), data)


def invite(session: Session, actor: User, data: dict[str, Any], **options: Any) -> tuple[Invitation, str]:
    """``create_invitation`` for data a use case puts together itself, loaded by ``InvitationSchema`` first.

    Pages and the API load their input at the boundary and call ``create_invitation``.

    :param data: email, full_name, role, organisation_id (public id, insurer agents only)
    :param options: the keyword arguments of ``create_invitation``
    """
    return create_invitation(session, actor, load(InvitationSchema(), data), **options)


def create_invitation(
    session: Session,
    actor: User,
    values: dict[str, Any],
    *,
    base_url: str,
    lifetime: timedelta,
    next_path: str | None = None,
    send_email: bool = True,
    action: str | None = None,
    target: Any = None,
) -> tuple[Invitation, str]:
    """Invite a person to the actor's tenant by e-mail; returns the invitation and its token.

    :param values: loaded by ``InvitationSchema``: email, full_name, role, organisation_id (public
        id, insurer agents only)
    :param base_url: the platform's public address, for the link in the e-mail
    :param lifetime: how long the link stays valid
    :param next_path: where the person lands after accepting (a case room)
    :param send_email: False when the caller sends its own e-mail with the link
    :param action: the permission to check instead of the default (e.g. inviting a case's representative)
    :param target: the object ``action`` is checked against
    """
    if action is None:
        action = "invitations.invite_customer" if values["role"] is Role.CUSTOMER else "invitations.manage"
    elif values["role"] is not Role.CUSTOMER:
        raise _field_error("role", _l("Choose one of the roles offered."))
    require(actor, action, target)
    tenant = actor.tenant
    if _email_taken(session, tenant.id, values["email"]):
        raise _field_error("email", _l("Someone in this tenant already uses this e-mail address."))
    organisation = None
    if values["organisation_id"] is not None:
        try:
            organisation = organisation_by_public_id(session, tenant.id, values["organisation_id"])
        except NotFound:
            raise _field_error("organisation_id", _l("Choose an organisation.")) from None
    _revoke_pending(session, tenant.id, values["email"])  # a new invitation replaces the pending one
    token, token_hash = new_token()
    invitation = Invitation(
        tenant_id=tenant.id,
        token_hash=token_hash,
        purpose=InvitationPurpose.INVITE,
        email=values["email"],
        full_name=values["full_name"],
        role=values["role"],
        organisation=organisation,
        invited_by=actor,
        next_path=next_path,
        expires_at=utcnow() + lifetime,
    )
    session.add(invitation)
    session.flush()
    if send_email:
        emails.invitation(session, tenant, invitation, invitation_url(base_url, tenant, token))
    return invitation, token


def _revoke_pending(session: Session, tenant_id: int, email: str) -> None:
    """Withdraw the pending invitations to ``email`` in the tenant."""
    session.execute(
        update(Invitation)
        .where(
            Invitation.tenant_id == tenant_id,
            Invitation.email == email,
            Invitation.purpose == InvitationPurpose.INVITE,
            Invitation.used_at.is_(None),
            Invitation.revoked_at.is_(None),
        )
        .values(revoked_at=utcnow())
        .execution_options(synchronize_session=False)
    )


def revoke_invitation(session: Session, actor: User, invitation: Invitation) -> None:
    """Withdraw a pending invitation; its link stops working at once."""
    require(actor, "invitations.manage", invitation)
    if invitation.state != "pending":
        raise ValidationFailed(str(_l("Only a pending invitation can be withdrawn.")))
    invitation.revoked_at = utcnow()
    session.flush()


def request_sign_in_link(
    session: Session, tenant: Tenant, data: dict[str, Any], *, base_url: str, lifetime: timedelta
) -> None:
    """E-mail a fresh sign-in link if the address belongs to an active user; silent otherwise.

    :param data: email
    """
    values = load(SignInLinkSchema(), data)
    user = session.scalar(
        select(User).where(User.tenant_id == tenant.id, User.email == values["email"], User.is_active.is_(True))
    )
    if user is None:
        return
    token, token_hash = new_token()
    link = Invitation(
        tenant_id=tenant.id,
        token_hash=token_hash,
        purpose=InvitationPurpose.SIGN_IN,
        email=user.email,
        full_name=user.full_name,
        role=user.role,
        organisation_id=user.organisation_id,
        user_id=user.id,
        expires_at=utcnow() + lifetime,
    )
    session.add(link)
    session.flush()
    emails.sign_in_link(
        session, tenant, user, invitation_url(base_url, tenant, token), int(lifetime.total_seconds() // 60)
    )


def find_link(session: Session, tenant: Tenant, token: str) -> Invitation:
    """The pending link for ``token`` (reading consumes nothing), or InvalidLink."""
    invitation = session.scalar(
        select(Invitation).where(Invitation.tenant_id == tenant.id, Invitation.token_hash == hash_token(token))
    )
    if invitation is None or invitation.state != "pending":
        raise InvalidLink(str(_l("This link is not valid any more.")))
    return invitation


def redeem_link(
    session: Session, tenant: Tenant, token: str, data: dict[str, Any]
) -> tuple[User, str | None]:
    """Consume a link exactly once; returns the person it signs in and where they land.

    An invitation creates the account (with a password for everyone but customers); a sign-in
    link signs its user in. Two redemptions at once: one wins, the other gets InvalidLink.

    :param data: password and password_confirm, for invitations that need a password
    """
    invitation = find_link(session, tenant, token)
    password = None
    if invitation.purpose is InvitationPurpose.INVITE:
        if invitation.role.needs_password:
            password = load(PasswordSchema(), data)["password"]
        if _email_taken(session, tenant.id, invitation.email):
            raise InvalidLink(str(_l("This link is not valid any more.")))
    consumed = session.execute(
        update(Invitation)
        .where(
            Invitation.id == invitation.id,
            Invitation.used_at.is_(None),
            Invitation.revoked_at.is_(None),
            Invitation.expires_at > utcnow(),
        )
        .values(used_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if consumed.rowcount != 1:
        raise InvalidLink(str(_l("This link is not valid any more.")))
    if invitation.purpose is InvitationPurpose.SIGN_IN:
        user = session.get(User, invitation.user_id)
        if user is None or not user.is_active:
            raise InvalidLink(str(_l("This link is not valid any more.")))
    else:
        user = User(
            tenant_id=tenant.id,
            email=invitation.email,
            full_name=invitation.full_name,
            role=invitation.role,
            organisation_id=invitation.organisation_id,
            password_hash=hash_password(password) if password else None,
        )
        session.add(user)
    session.flush()
    invitation.user_id = user.id
    user.last_login_at = utcnow()
    session.flush()
    if invitation.purpose is InvitationPurpose.INVITE:
        account_created.send(session, user=user)
    return user, invitation.next_path


def authenticate(session: Session, tenant: Tenant, data: dict[str, Any]) -> User:
    """The active user with this e-mail and password, or InvalidCredentials (one message).

    :param data: email, password
    """
    values = load(SignInSchema(), data)
    user = session.scalar(select(User).where(User.tenant_id == tenant.id, User.email == values["email"]))
    valid = verify_password(user.password_hash if user else None, values["password"])
    if not valid or user is None or not user.is_active:
        raise InvalidCredentials(str(_l("That e-mail and password do not match an account.")))
    if needs_rehash(user.password_hash or ""):
        user.password_hash = hash_password(values["password"])
    user.last_login_at = utcnow()
    session.flush()
    return user

