"""Pages of the second factor: setting it up on the profile, the code asked after the password
or the e-mailed link, an admin's reset and the tenant's requirement."""

from __future__ import annotations

import time
from typing import Any
from uuid import UUID

from flask import flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from werkzeug.wrappers import Response

from odr.platform.errors import ValidationFailed, json_error, wants_json
from odr.platform.extensions import db, limiter
from odr.platform.handlers import render_form, service_call, settings
from odr.platform.permissions import require
from odr.tenants import auth, second_factor, totp
from odr.tenants.admin_views import managed_user
from odr.tenants.models import User
from odr.tenants.profile_views import profile_page
from odr.tenants.web import bp

PENDING_KEY = "second_factor"  # in the cookie: who passed the first factor, where to, since when
SETUP_KEY = "second_factor_setup"  # the secret shown while the app is being set up
PENDING_SECONDS = 300
CODE_LIMIT = "5 per 15 minutes"  # wrong codes per account, on top of the sign-in limit per address


def _refused(response: Response) -> bool:
    return response.status_code == 400


def _account_key() -> str:
    pending = session.get(PENDING_KEY) or {}
    who = pending.get("user") or (current_user.get_id() if current_user.is_authenticated else None)
    return f"second-factor:{who or request.remote_addr}"


def _signin_limit() -> str:
    return settings().ratelimit_signin


# The code after the first factor ---------------------------------------------------------------


def challenge(user: User, next_path: str) -> Response:
    """Ask for the second factor before signing ``user`` in (the first one has passed)."""
    session.pop(PENDING_KEY, None)
    session[PENDING_KEY] = {"user": user.get_id(), "next": next_path, "since": int(time.time())}
    return redirect(url_for("tenants.sign_in_code"), code=303)


def _pending_user() -> tuple[User | None, str]:
    pending = session.get(PENDING_KEY) or {}
    if not pending or time.time() - pending.get("since", 0) > PENDING_SECONDS:
        return None, ""
    user = db.session.scalar(select(User).where(User.public_id == UUID(pending["user"]), User.is_active.is_(True)))
    return user, pending.get("next") or url_for("tenants.dashboard")


@bp.route("/sign-in/code", methods=["GET", "POST"])
@limiter.limit(_signin_limit, methods=["POST"], deduct_when=_refused)
@limiter.limit(CODE_LIMIT, methods=["POST"], key_func=_account_key, deduct_when=_refused)
def sign_in_code() -> Any:
    """The second step of signing in: the app's code, or a recovery code."""
    user, next_path = _pending_user()
    if user is None:
        session.pop(PENDING_KEY, None)
        flash(_("Please sign in again: the time to enter the code ran out."), "error")
        return redirect(url_for("tenants.sign_in"), code=303)
    if request.method == "GET":
        return render_form("tenants/sign_in_code.html")
    if not second_factor.check_code(db.session, user, request.form.get("code", "")):
        db.session.rollback()
        error = ValidationFailed.on_field("code", _("That code is not right. Type the six digits your app shows now."))
        return render_form("tenants/sign_in_code.html", error=error)
    session.pop(PENDING_KEY, None)
    auth.sign_in(user)
    db.session.commit()
    return redirect(next_path, code=303)


# Setting it up, on one's profile ---------------------------------------------------------------


def _setup_page(**context: Any) -> Any:
    secret = session.get(SETUP_KEY)
    if not secret:
        secret = session[SETUP_KEY] = totp.new_secret()
    uri = totp.provisioning_uri(secret, account=current_user.email, issuer=g.tenant.name)
    return render_form("tenants/second_factor_setup.html", uri=uri, secret=totp.grouped(secret),
                       qr_code=totp.qr_code(uri),
                       required=second_factor.required(current_user), **context)


def _codes_page(codes: list[str]) -> str:
    return render_template("tenants/recovery_codes.html", codes=codes)


@bp.get("/profile/two-step")
@login_required
def second_factor_setup() -> Any:
    """Set up an authenticator app: its secret, as a link and typed by hand."""
    require(current_user, "profile.password")
    if second_factor.enabled(current_user):
        return redirect(url_for("tenants.profile"))
    return _setup_page()


@bp.post("/profile/two-step")
@login_required
@limiter.limit(CODE_LIMIT, key_func=_account_key, deduct_when=_refused)
def second_factor_enable() -> Any:
    """Prove the app has the secret, turn the second factor on, show the recovery codes once."""
    require(current_user, "profile.password")
    secret = session.get(SETUP_KEY)
    if not secret:
        return redirect(url_for("tenants.second_factor_setup"), code=303)
    try:
        codes = service_call(second_factor.enable, db.session, current_user, secret, request.form.get("code", ""))
    except ValidationFailed as error:
        return _setup_page(error=error)
    session.pop(SETUP_KEY, None)
    return _codes_page(codes)


@bp.post("/profile/two-step/recovery-codes")
@login_required
@limiter.limit(CODE_LIMIT, key_func=_account_key, deduct_when=_refused)
def recovery_codes_renew() -> Any:
    """New recovery codes, the old ones withdrawn."""
    try:
        codes = service_call(second_factor.renew_recovery_codes, db.session, current_user,
                             request.form.get("code", ""))
    except ValidationFailed as error:
        return _profile_refused("two_step", error)
    return _codes_page(codes)


@bp.post("/profile/two-step/off")
@login_required
@limiter.limit(CODE_LIMIT, key_func=_account_key, deduct_when=_refused)
def second_factor_disable() -> Any:
    """Turn one's second factor off."""
    try:
        service_call(second_factor.disable, db.session, current_user, request.form.get("code", ""))
    except ValidationFailed as error:
        return _profile_refused("two_step", error)
    flash(_("Two-step verification is off."), "success")
    return redirect(url_for("tenants.profile"), code=303)


def _profile_refused(section: str, error: ValidationFailed) -> Any:
    return profile_page(400, refused={section: error})


# The tenant's requirement ------------------------------------------------------------------------

# What a staff member who must set up a second factor may still open.
SETUP_ENDPOINTS = {"tenants.second_factor_setup", "tenants.second_factor_enable", "tenants.sign_out",
                   "tenants.session_state", "tenants.session_extend", "web.choose_language", "static"}


@bp.before_app_request
def enforce_requirement() -> Any:
    """Send staff who must use a second factor and have none to set it up, whatever they open."""
    tenant = g.get("tenant")
    if tenant is None or not tenant.require_second_factor or request.endpoint in SETUP_ENDPOINTS:
        return None
    if not current_user.is_authenticated or second_factor.enabled(current_user) \
            or not second_factor.required(current_user):
        return None
    message = _("%(tenant)s requires two-step verification: set it up to carry on.", tenant=tenant.name)
    if wants_json():
        return json_error(403, "second_factor_required", message)
    flash(message, "error")
    return redirect(url_for("tenants.second_factor_setup"))


def refuse_socket_without_second_factor(user: Any) -> tuple[str, str] | None:
    """The room's socket holds the same line as the pages: staff who must set up a second factor
    and have none are refused until they have."""
    if not user.tenant.require_second_factor or second_factor.enabled(user) or not second_factor.required(user):
        return None
    return "second_factor_required", _("%(tenant)s requires two-step verification: set it up to carry on.",
                                       tenant=user.tenant.name)


@bp.post("/admin/users/<public_id>/two-step/reset")
@login_required
def second_factor_reset(public_id: str) -> Response:
    """Turn off someone's second factor, when they lost their phone and their recovery codes."""
    user = managed_user(public_id)
    try:
        service_call(second_factor.reset, db.session, current_user, user)
    except ValidationFailed as error:
        flash(error.message, "error")
    else:
        flash(_("Two-step verification of %(name)s is off; they can set it up again.", name=user.full_name),
              "success")
    return redirect(url_for("tenants.user_edit", public_id=public_id), code=303)


@bp.post("/admin/two-step")
@login_required
def second_factor_requirement() -> Response:
    """Require a second factor of the tenant's staff, or stop requiring it."""
    require(current_user, "users.manage", g.tenant)
    required = request.form.get("required") == "1"
    service_call(second_factor.set_requirement, db.session, current_user, g.tenant, {"required": required})
    flash(_("Staff must now use two-step verification.") if required
          else _("Two-step verification is now each person's choice."), "success")
    return redirect(url_for("tenants.users"), code=303)
