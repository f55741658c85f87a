"""Use cases on accounts: an admin changes or disables a user; a person keeps their own profile.

Every change an admin makes to someone's account, and every change to one's own credentials, is
written to the ``odr.audit`` log: who, to whom, what, in which tenant.
"""

from __future__ import annotations

import logging
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from odr.platform.errors import NotFound, ValidationFailed
from odr.platform.permissions import require
from odr.tenants.models import Organisation, Role, User
from odr.tenants.passwords import hash_password, verify_password
from odr.tenants.schemas import ASSIGNABLE_ROLES
from odr.tenants.sessions import revoke_other_sessions, revoke_user_sessions

audit = logging.getLogger("odr.audit")


def record(actor: User, action: str, user: User, **details: Any) -> None:
    """Write one account change to the audit log."""
    audit.info(
        "tenant=%s actor=%s action=%s user=%s %s",
        actor.tenant_id,
        actor.public_id,
        action,
        user.public_id,
        " ".join(f"{key}={value}" for key, value in sorted(details.items())),
        extra={"audit": {"action": action, "actor": str(actor.public_id), "user": str(user.public_id), **details}},
    )


def _other_active_admins(session: Session, user: User) -> int:
    return session.scalar(
        select(func.count(User.id)).where(
            User.tenant_id == user.tenant_id,
            User.role == Role.ADMIN,
            User.is_active.is_(True),
            User.id != user.id,
        )
    ) or 0


def update_user(session: Session, actor: User, user: User, values: dict[str, Any]) -> dict[str, Any]:
    """Change a user's name, role and organisation; returns what changed (field: (old, new)).

    An insurer agent needs an organisation; a customer's role is not changed here, and nobody
    is made a customer (customers join through their case); the tenant's last active
    administrator stays one.

    :param values: loaded by ``UserUpdateSchema``: full_name, role, organisation_id (public id)
    """
    require(actor, "users.manage", user)
    role: Role = values["role"]
    if user.role is Role.CUSTOMER and role is not Role.CUSTOMER:
        raise ValidationFailed.on_field("role", _l("A customer's role cannot be changed."))
    if user.role is not Role.CUSTOMER and role not in ASSIGNABLE_ROLES:
        raise ValidationFailed.on_field("role", _l("Choose one of the roles offered."))
    if user.role is Role.ADMIN and role is not Role.ADMIN and _other_active_admins(session, user) == 0:
        raise ValidationFailed.on_field(
            "role", _l("%(name)s is the only administrator: make someone else one first.", name=user.full_name)
        )
    organisation = None
    if values["organisation_id"] is not None:
        organisation = session.scalar(
            select(Organisation).where(
                Organisation.tenant_id == user.tenant_id, Organisation.public_id == values["organisation_id"]
            )
        )
        if organisation is None:
            raise ValidationFailed.on_field("organisation_id", _l("Choose an organisation."))
    changes: dict[str, Any] = {}
    wanted = {"full_name": values["full_name"], "role": role, "organisation": organisation}
    for key, value in wanted.items():
        old = getattr(user, key)
        if old != value:
            changes[key] = (old, value)
            setattr(user, key, value)
    session.flush()
    if changes:
        record(actor, "user.updated", user, **{key: _shown(new) for key, (_old, new) in changes.items()})
    return changes


def _shown(value: Any) -> str:
    if isinstance(value, Organisation):
        return str(value.public_id)
    if isinstance(value, Role):
        return value.value
    return repr(value)


def set_user_active(session: Session, actor: User, user: User, active: bool) -> None:
    """Disable (ending every session at once) or re-enable a user."""
    require(actor, "users.manage", user)
    if user.id == actor.id and not active:
        raise ValidationFailed(str(_l("You cannot disable your own account.")))
    user.is_active = active
    if not active:
        revoke_user_sessions(session, user)
    session.flush()
    record(actor, "user.enabled" if active else "user.disabled", user)


def user_by_public_id(session: Session, tenant_id: int, public_id: Any) -> User:
    """The tenant's user with ``public_id``, or NotFound."""
    user = session.scalar(select(User).where(User.tenant_id == tenant_id, User.public_id == public_id))
    if user is None:
        raise NotFound(str(_l("We could not find that.")))
    return user


# One's own profile -----------------------------------------------------------------------------


def update_profile(session: Session, user: User, values: dict[str, Any]) -> None:
    """Change one's own name and language.

    :param values: loaded by ``ProfileSchema``: full_name, locale (None: the browser's)
    """
    require(user, "profile.edit")
    user.full_name = values["full_name"]
    user.locale = values["locale"]
    session.flush()


def change_password(session: Session, user: User, values: dict[str, Any], *, keep_token: str | None) -> None:
    """Set a new password after checking the current one; every other session is signed out.

    :param values: loaded by ``PasswordChangeSchema``: current_password, password
    :param keep_token: this browser's session token, which stays signed in
    """
    require(user, "profile.password")
    if not verify_password(user.password_hash, values["current_password"]):
        raise ValidationFailed.on_field("current_password", _l("This is not your current password."))
    if values["password"] == values["current_password"]:
        raise ValidationFailed.on_field("password", _l("Choose a password different from the current one."))
    user.password_hash = hash_password(values["password"])
    revoke_other_sessions(session, user, keep_token)
    session.flush()
    record(user, "password.changed", user)


def sign_out_elsewhere(session: Session, user: User, *, keep_token: str | None) -> int:
    """End every session of ``user`` but this browser's; returns how many were ended.

    :param keep_token: this browser's session token
    """
    require(user, "profile.edit")
    ended = revoke_other_sessions(session, user, keep_token)
    session.flush()
    record(user, "sessions.ended_elsewhere", user, count=ended)
    return ended
