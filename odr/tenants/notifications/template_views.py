"""The tenant admin's e-mail template editor: the standard e-mails, per language, with a preview."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, g, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from odr.platform.errors import ValidationFailed
from odr.platform.extensions import db
from odr.platform.handlers import render_form, service_call
from odr.platform.i18n import language_name
from odr.platform.permissions import require
from odr.tenants.notifications import services
from odr.tenants.notifications.catalogue import STANDARDS
from odr.tenants.schemas import LOCALES
from odr.tenants.web import bp


def _standard(key: str, locale: str) -> Any:
    if key not in STANDARDS or locale not in LOCALES:
        abort(404)
    return STANDARDS[key]


@bp.get("/admin/templates")
@login_required
def email_templates() -> Any:
    """The standard e-mails, and for each language whether the tenant's own wording is used."""
    require(current_user, "templates.manage")
    own = {(key, locale) for key in STANDARDS for locale in LOCALES
           if services.own_template(db.session, g.tenant.id, key, locale) is not None}
    return render_form("tenants/notifications/templates.html", standards=list(STANDARDS.values()), own=own,
                       locales=[(code, language_name(code)) for code in LOCALES])


def _edit_page(standard: Any, locale: str, form: dict[str, str], **context: Any) -> Any:
    own = services.own_template(db.session, g.tenant.id, standard.key, locale)
    return render_form("tenants/notifications/template_edit.html", standard=standard, locale=locale,
                       language=language_name(locale), form=form, own=own, **context)


@bp.route("/admin/templates/<key>/<locale>", methods=["GET", "POST"])
@login_required
def email_template_edit(key: str, locale: str) -> Any:
    """Edit one standard e-mail in one language: preview it with sample values, or save it."""
    require(current_user, "templates.manage")
    standard = _standard(key, locale)
    if request.method == "GET":
        subject, body = services.template_for(db.session, g.tenant, key, locale)
        return _edit_page(standard, locale, {"subject": subject, "body": body})
    form = {"subject": request.form.get("subject", ""), "body": request.form.get("body", "")}
    if request.form.get("action") == "preview":
        try:
            preview = services.check_template(key, form["subject"], form["body"])
        except ValidationFailed as error:
            return _edit_page(standard, locale, form, error=error)
        return _edit_page(standard, locale, form, preview=preview)
    try:
        service_call(services.save_template, db.session, current_user, key, locale, form["subject"], form["body"])
    except ValidationFailed as error:
        return _edit_page(standard, locale, form, error=error)
    flash(_("Your wording of “%(title)s” (%(language)s) is saved.", title=standard.title,
            language=language_name(locale)), "success")
    return redirect(url_for("tenants.email_template_edit", key=key, locale=locale), code=303)


@bp.post("/admin/templates/<key>/<locale>/reset")
@login_required
def email_template_reset(key: str, locale: str) -> Response:
    """Go back to the standard wording of one e-mail in one language."""
    require(current_user, "templates.manage")
    standard = _standard(key, locale)
    if service_call(services.reset_template, db.session, current_user, key, locale):
        flash(_("“%(title)s” (%(language)s) uses the standard wording again.", title=standard.title,
                language=language_name(locale)), "success")
    return redirect(url_for("tenants.email_template_edit", key=key, locale=locale), code=303)
