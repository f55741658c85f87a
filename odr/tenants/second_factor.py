"""The second factor of staff and insurer agents: an authenticator app's codes, single-use
recovery codes (stored only hashed), and a tenant's requirement that its staff use one."""

from __future__ import annotations

import secrets
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from odr.platform.db import utcnow
from odr.platform.errors import ValidationFailed
from odr.platform.permissions import require
from odr.platform.tokens import hash_token
from odr.tenants import totp
from odr.tenants.accounts import record
from odr.tenants.models import RecoveryCode, Tenant, User

RECOVERY_CODES = 10
_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i: read off paper and typed


def enabled(user: User) -> bool:
    """Whether ``user`` signs in with a second factor."""
    return user.totp_enabled_at is not None and user.totp_secret is not None


def _key() -> str:
    return str(current_app.config["ODR"].secret_key)


def required(user: User) -> bool:
    """Whether ``user``'s tenant makes them use a second factor (its staff, when it says so)."""
    return user.role.is_staff and bool(user.tenant.require_second_factor)


def _normal(code: str) -> str:
    return "".join(code.lower().split()).replace("-", "")


def _new_recovery_codes(session: Session, user: User) -> list[str]:
    """Replace ``user``'s recovery codes by fresh ones; returns them, the only time they are seen."""
    session.query(RecoveryCode).filter(RecoveryCode.user_id == user.id).delete(synchronize_session=False)
    codes = []
    for _ in range(RECOVERY_CODES):
        code = "".join(secrets.choice(_ALPHABET) for _ in range(10))
        codes.append(f"{code[:5]}-{code[5:]}")
        session.add(RecoveryCode(tenant_id=user.tenant_id, user_id=user.id, code_hash=hash_token(code)))
    session.flush()
    return codes


def _bad_code() -> ValidationFailed:
    return ValidationFailed.on_field("code", _l("That code is not right. Type the six digits your app shows now."))


def enable(session: Session, user: User, secret: str, code: str) -> list[str]:
    """Turn on the second factor with ``secret`` once the app proves it has it (``code``);
    returns the recovery codes to show once.

    :param secret: the secret shown to the person when they began
    :param code: the code their app shows now
    """
    require(user, "profile.password")
    if enabled(user):
        raise ValidationFailed(str(_l("Two-step verification is already on.")))
    step = totp.matching_step(secret, code, after=None)
    if step is None:
        raise _bad_code()
    user.totp_secret, user.totp_enabled_at, user.totp_last_step = totp.seal(secret, _key()), utcnow(), step
    codes = _new_recovery_codes(session, user)
    record(user, "second_factor.enabled", user)
    return codes


def check_code(session: Session, user: User, code: str) -> bool:
    """Accept ``code`` once: the app's current code, or one of the unused recovery codes."""
    if not enabled(user):
        return False
    secret = totp.unseal(user.totp_secret or "", _key(), current_app.config["ODR"].previous_secret_keys)
    step = totp.matching_step(secret, code, after=user.totp_last_step) if secret else None
    if step is not None:
        # Conditional, so that two requests with the same code cannot both pass.
        won = session.execute(
            update(User)
            .where(User.id == user.id, (User.totp_last_step.is_(None)) | (User.totp_last_step < step))
            # Sealed again under the current key: an old key's or a plain secret moves to it.
            .values(totp_last_step=step, totp_secret=totp.seal(secret, _key()))
            .execution_options(synchronize_session=False)
        ).rowcount
        user.totp_last_step = step
        return won == 1
    used = session.execute(
        update(RecoveryCode)
        .where(RecoveryCode.user_id == user.id, RecoveryCode.code_hash == hash_token(_normal(code)),
               RecoveryCode.used_at.is_(None))
        .values(used_at=utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount
    if used == 1:
        record(user, "second_factor.recovery_code_used", user, left=recovery_codes_left(session, user))
    return used == 1


def recovery_codes_left(session: Session, user: User) -> int:
    """How many of ``user``'s recovery codes are unused."""
    return len(session.scalars(
        select(RecoveryCode.id).where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))
    ).all())


def _turn_off(session: Session, user: User) -> None:
    user.totp_secret = user.totp_enabled_at = user.totp_last_step = None
    session.query(RecoveryCode).filter(RecoveryCode.user_id == user.id).delete(synchronize_session=False)
    session.flush()


def disable(session: Session, user: User, code: str) -> None:
    """Turn one's own second factor off, proven with a current code or a recovery code; not while
    the tenant requires it."""
    require(user, "profile.password")
    if required(user):
        raise ValidationFailed(str(_l("Your organisation requires two-step verification: it stays on.")))
    if not check_code(session, user, code):
        raise _bad_code()
    _turn_off(session, user)
    record(user, "second_factor.disabled", user)


def renew_recovery_codes(session: Session, user: User, code: str) -> list[str]:
    """Fresh recovery codes (the old ones stop working), proven with a current code."""
    require(user, "profile.password")
    if not check_code(session, user, code):
        raise _bad_code()
    codes = _new_recovery_codes(session, user)
    record(user, "second_factor.recovery_codes_renewed", user)
    return codes


def reset(session: Session, actor: User, user: User) -> None:
    """An admin turns off someone's second factor (a lost phone); they set it up again when they
    next sign in if the tenant requires it."""
    require(actor, "users.manage", user)
    if not enabled(user):
        raise ValidationFailed(str(_l("%(name)s has no two-step verification to turn off.", name=user.full_name)))
    _turn_off(session, user)
    record(actor, "second_factor.reset", user)


def set_requirement(session: Session, actor: User, tenant: Tenant, values: dict[str, Any]) -> None:
    """Require a second factor of the tenant's staff, or stop requiring it.

    :param values: required (bool)
    """
    require(actor, "users.manage", tenant)
    tenant.require_second_factor = bool(values["required"])
    session.flush()
    record(actor, "tenant.second_factor_required" if tenant.require_second_factor
           else "tenant.second_factor_optional", actor)
