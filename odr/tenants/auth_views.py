"""Sign-in pages: password, invitation and sign-in links, sign-out."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import g, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.exceptions import TooManyRequests
from werkzeug.wrappers import Response

from odr.platform.errors import ValidationFailed
from odr.platform.extensions import db, limiter
from odr.platform.handlers import render_form, service_call, settings
from odr.tenants import auth, second_factor, services, signin_limits
from odr.tenants.second_factor_views import challenge
from odr.tenants.services import InvalidCredentials, InvalidLink
from odr.tenants.web import bp, landing_for


def _signin_limit() -> str:
    return settings().ratelimit_signin


def _token_limit() -> str:
    return settings().ratelimit_tokens


@bp.route("/sign-in", methods=["GET", "POST"])
@limiter.limit(_signin_limit, methods=["POST"])
def sign_in() -> Any:
    """E-mail and password; one message whether the e-mail or the password is wrong."""
    next_path = auth.safe_next(request.values.get("next"), url_for("tenants.dashboard"))
    if request.method == "GET":
        if current_user.is_authenticated:
            return redirect(next_path)
        return render_form("tenants/sign_in.html", form={}, next=next_path)
    form = request.form.to_dict()
    email = str(form.get("email", ""))
    if wait := signin_limits.wait_before_attempt(g.tenant.id, email):
        raise TooManyRequests(retry_after=wait)
    try:
        user = services.authenticate(db.session, g.tenant, form)
    except ValidationFailed as error:
        db.session.rollback()
        if isinstance(error, InvalidCredentials):
            signin_limits.record_failure(g.tenant.id, email)
        form.pop("password", None)
        return render_form("tenants/sign_in.html", error=error, form=form, next=next_path)
    signin_limits.record_success(g.tenant.id, email)
    next_path = landing_for(user, next_path)
    if second_factor.enabled(user):
        db.session.commit()
        return challenge(user, next_path)
    auth.sign_in(user)
    db.session.commit()
    return redirect(next_path, code=303)


@bp.post("/sign-out")
def sign_out() -> Response:
    """End this browser's session."""
    auth.sign_out()
    db.session.commit()
    return redirect(url_for("tenants.sign_in", signed_out=1), code=303)


@bp.route("/sign-in-link", methods=["GET", "POST"])
@limiter.limit(_token_limit, methods=["POST"])
def sign_in_link() -> Any:
    """Ask for a fresh sign-in link by e-mail; the answer never says whether the address is known."""
    if request.method == "GET":
        return render_form("tenants/sign_in_link.html", form={"email": request.args.get("email", "")})
    form = request.form.to_dict()
    try:
        service_call(
            services.request_sign_in_link,
            db.session,
            g.tenant,
            form,
            base_url=settings().base_url,
            lifetime=timedelta(minutes=settings().signin_link_minutes),
        )
    except ValidationFailed as error:
        return render_form("tenants/sign_in_link.html", error=error, form=form)
    return render_template(
        "tenants/sign_in_link_sent.html", email=form.get("email", ""), minutes=settings().signin_link_minutes
    )


def _invalid_link() -> tuple[str, int]:
    return render_template("tenants/link_invalid.html"), 404


@bp.get("/links/<token>")
def link(token: str) -> Any:
    """Show what the link is for; opening it consumes nothing (mail scanners open links)."""
    try:
        invitation = services.find_link(db.session, g.tenant, token)
    except InvalidLink:
        return _invalid_link()
    return render_form("tenants/link_confirm.html", invitation=invitation, token=token)


@bp.post("/links/<token>")
@limiter.limit(_token_limit)
def redeem(token: str) -> Any:
    """Consume the link once and sign the person in."""
    form = request.form.to_dict()
    try:
        user, landing = services.redeem_link(db.session, g.tenant, token, form)
    except InvalidLink:
        db.session.rollback()
        return _invalid_link()
    except ValidationFailed as error:
        db.session.rollback()
        invitation = services.find_link(db.session, g.tenant, token)
        return render_form("tenants/link_confirm.html", error=error, invitation=invitation, token=token)
    next_path = landing_for(user, auth.safe_next(landing, url_for("tenants.dashboard")))
    if second_factor.enabled(user):
        # A link proves the mailbox, not the person: the second factor is asked all the same.
        db.session.commit()
        return challenge(user, next_path)
    auth.sign_in(user)
    db.session.commit()
    return redirect(next_path, code=303)

