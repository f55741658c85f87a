"""Everyone's own profile: name and language; password and other sessions for staff and agents."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace
from typing import Any

from flask import flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext, refresh
from flask_login import current_user, login_required
from marshmallow import Schema
from werkzeug.wrappers import Response

from odr.platform.errors import ValidationFailed
from odr.platform.extensions import db
from odr.platform.handlers import FormErrors, service_call, settings
from odr.platform.i18n import LANGUAGES
from odr.platform.permissions import require
from odr.platform.schemas import clean_form, load
from odr.tenants import accounts, second_factor
from odr.tenants.auth import SESSION_KEY
from odr.tenants.passwords import MIN_LENGTH
from odr.tenants.schemas import PasswordChangeSchema, ProfileSchema
from odr.tenants.sessions import other_sessions
from odr.tenants.web import bp


def profile_page(status: int = 200, **context: Any) -> tuple[str, int]:
    """The profile page; a refused section comes back with its own errors, message and input."""
    user = current_user._get_current_object()
    others = other_sessions(
        db.session, user, session.get(SESSION_KEY),
        idle=timedelta(minutes=settings().session_idle_minutes),
        absolute=timedelta(hours=settings().session_max_hours),
    )
    # A refused section's messages record each field's label as the page draws them, so a second
    # drawing's summary names and links each field (as render_form does for a page of one form).
    refused = {section: SimpleNamespace(fields=FormErrors(error.fields), message=error.message)
               for section, error in context.get("refused", {}).items()}
    context["refused"] = refused
    context["two_step"] = {"enabled": second_factor.enabled(user), "required": second_factor.required(user),
                           "codes_left": second_factor.recovery_codes_left(db.session, user)}
    context.setdefault("submitted", {})
    html = ""
    for _drawing in range(2 if refused else 1):
        html = render_template(
            "tenants/profile.html", languages=list(LANGUAGES.items()), min_length=MIN_LENGTH,
            other_sessions=others, **context,
        )
    return html, status


def _save_section(section: str, action: str, schema: type[Schema], service: Any, done: Any, *,
                  after: Any = None, **options: Any) -> Any:
    """Load one section's form and call its service; a refusal shows the page again with the
    section's errors (never a password typed), success flashes ``done`` and shows it afresh."""
    require(current_user, action)
    form = clean_form(request.form.to_dict())
    try:
        values = load(schema(), form)
        service_call(service, db.session, current_user, values, **options)
    except ValidationFailed as error:
        kept = {key: value for key, value in form.items() if "password" not in key}
        return profile_page(400, refused={section: error}, submitted={section: kept})
    if after is not None:
        after(values)
    flash(str(done), "success")
    return redirect(url_for("tenants.profile"), code=303)


def _use_language(values: dict[str, Any]) -> None:
    """The language chosen on the profile is the one shown from now on, over the footer's choice."""
    if values["locale"]:
        session["locale"] = values["locale"]
    else:
        session.pop("locale", None)
    refresh()  # the message that follows in the language just chosen


@bp.get("/profile")
@login_required
def profile() -> Any:
    """One's own account."""
    require(current_user, "profile.edit")
    return profile_page()


@bp.post("/profile")
@login_required
def profile_update() -> Any:
    """Save one's name and language."""
    return _save_section("profile", "profile.edit", ProfileSchema, accounts.update_profile,
                         _l("Your profile is saved."), after=_use_language)


@bp.post("/profile/password")
@login_required
def password_change() -> Any:
    """Change one's password; every other browser is signed out."""
    return _save_section("password", "profile.password", PasswordChangeSchema, accounts.change_password,
                         _l("Your password is changed. Any other browser signed in as you is signed out."),
                         keep_token=session.get(SESSION_KEY))


@bp.post("/profile/sessions/end")
@login_required
def sessions_end() -> Response:
    """Sign out of every other browser and device."""
    require(current_user, "profile.edit")
    ended = service_call(accounts.sign_out_elsewhere, db.session, current_user, keep_token=session.get(SESSION_KEY))
    flash(ngettext("%(num)s other session is signed out.", "%(num)s other sessions are signed out.", ended)
          if ended else _("You were not signed in anywhere else."), "success")
    return redirect(url_for("tenants.profile"), code=303)
