"""The agreement's pages: its panel in the room, the page to review, change, send and sign it, and
the admin's template page with a preview."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, flash, g, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from werkzeug.wrappers import Response

from odr.mediation.agreements import services, tenant_template, wording
from odr.mediation.agreements.models import Agreement, AgreementStatus, AgreementTemplate
from odr.mediation.agreements.schemas import DetailsSchema, SignSchema, TextSchema
from odr.mediation.core.models import Case
from odr.mediation.core.queries import case_for
from odr.platform.errors import Conflict, NotFound, ServiceError, ValidationFailed
from odr.platform.extensions import db
from odr.platform.handlers import render_form, service_call, settings
from odr.platform.i18n import money
from odr.platform.permissions import can, require
from odr.platform.schemas import load
from odr.tenants.schemas import LOCALES
from odr.tenants.web import add_slug, enter_tenant

bp = Blueprint("agreements", __name__, url_prefix="/t/<slug>", template_folder="templates")
bp.url_value_preprocessor(enter_tenant)
bp.url_defaults(add_slug)

ROLE_WORDS = {"customer": lambda: _("The customer"), "insurer": lambda: _("The insurer"),
              "mediator": lambda: _("The mediator")}


def sealing_with() -> services.Sealing:
    """The store and settings sealing needs."""
    return services.Sealing(storage=current_app.extensions["odr.storage"], settings=settings())


def _status_words(agreement: Agreement) -> str:
    return {AgreementStatus.DRAFT: _("Being prepared by the mediator"),
            AgreementStatus.SENT: _("Out for signature"),
            AgreementStatus.SEALED: _("Signed by everyone and sealed")}[agreement.status]


def _signing_rows(agreement: Agreement) -> list[dict[str, Any]]:
    signed = services.current_signatures(agreement)
    return [{"role": role, "who": ROLE_WORDS[role](), "signature": signed.get(role)}
            for role in services.required_roles(db.session, agreement)]


@bp.app_template_global()
def agreement_panel(case: Case) -> dict[str, Any] | None:
    """What the room's agreement panel shows for ``case`` (None: no agreement, or not for this reader)."""
    if g.get("tenant") is None or not can(current_user, "agreements.view", case):
        return None
    agreement = services.agreement_of(db.session, case)
    if agreement is None:
        return None
    role = services.signer_role(current_user, case)
    signed = services.current_signatures(agreement)
    return {"agreement": agreement, "status": _status_words(agreement), "rows": _signing_rows(agreement),
            "amount": money(agreement.amount_minor, agreement.currency),
            "to_sign": agreement.status is AgreementStatus.SENT and role in services.required_roles(
                db.session, agreement) and role not in signed,
            "to_prepare": agreement.status is AgreementStatus.DRAFT and can(current_user, "agreements.prepare", case)}


def _page(public_id: str, *, error: ServiceError | None = None, form: dict[str, Any] | None = None) -> Any:
    case = case_for(db.session, current_user, public_id)
    agreement = services.agreement_for(db.session, current_user, case)
    role = services.signer_role(current_user, case)
    signed = services.current_signatures(agreement)
    document = None
    if agreement.document_id:
        from odr.mediation.documents.models import Document

        document = db.session.get(Document, agreement.document_id)
    context = {
        "case": case, "agreement": agreement, "status_text": _status_words(agreement),
        "blocks": wording.blocks(agreement.text), "rows": _signing_rows(agreement),
        "amount": money(agreement.amount_minor, agreement.currency),
        "may_prepare": can(current_user, "agreements.prepare", case) and agreement.status is not AgreementStatus.SEALED,
        "may_sign": agreement.status is AgreementStatus.SENT and role in services.required_roles(db.session, agreement)
        and role not in signed and can(current_user, "agreements.sign", case),
        "signed_by_me": next((s for s in signed.values() if s.user_id == current_user.id), None),
        "method": services.proof_method(current_user),
        "consented": services.has_consented(db.session, current_user),
        "consent_version": services.CONSENT_VERSION,
        "unfilled": [str(wording.PLACEHOLDERS.get(n, n)) for n in wording.unfilled(agreement.text)],
        "document": document, "form": form or {},
        "code_minutes": services.CODE_MINUTES,
    }
    return render_form("agreements/agreement.html", error=error, **context)


@bp.get("/cases/<public_id>/agreement")
@login_required
def agreement(public_id: str) -> Any:
    """The agreement: its text, who has signed, and what the reader can do with it."""
    return _page(public_id)


def _load(public_id: str) -> tuple[Case, Agreement]:
    case = case_for(db.session, current_user, public_id)
    return case, services.agreement_for(db.session, current_user, case)


def _back(public_id: str, anchor: str = "") -> Response:
    return redirect(url_for("agreements.agreement", public_id=public_id, _anchor=anchor or None), 303)


@bp.post("/cases/<public_id>/agreement/details")
@login_required
def details(public_id: str) -> Any:
    """The payment's method and days; the text is written again from the template."""
    case, agreement = _load(public_id)
    require(current_user, "agreements.prepare", case)
    form = request.form.to_dict()
    try:
        service_call(services.save_details, db.session, current_user, agreement, load(DetailsSchema(), form))
    except ValidationFailed as error:
        return _page(public_id, error=error, form=form)
    flash(_("The details are saved and the text is written again with them."), "success")
    return _back(public_id, "text")


@bp.post("/cases/<public_id>/agreement/text")
@login_required
def text(public_id: str) -> Any:
    """The mediator's changes to the draft's text."""
    case, agreement = _load(public_id)
    require(current_user, "agreements.prepare", case)
    form = request.form.to_dict()
    try:
        service_call(services.save_text, db.session, current_user, agreement, load(TextSchema(), form)["text"])
    except ValidationFailed as error:
        return _page(public_id, error=error, form=form)
    flash(_("The text is saved."), "success")
    return _back(public_id, "text")


@bp.post("/cases/<public_id>/agreement/send")
@login_required
def send(public_id: str) -> Any:
    """Send the draft to everyone who signs."""
    case, agreement = _load(public_id)
    require(current_user, "agreements.prepare", case)
    try:
        service_call(services.send, db.session, current_user, agreement)
    except ValidationFailed as error:
        return _page(public_id, error=error)
    flash(_("The agreement is sent. Everyone who signs is told, in the app and by e-mail."), "success")
    return _back(public_id)


@bp.post("/cases/<public_id>/agreement/reopen")
@login_required
def reopen(public_id: str) -> Response:
    """Take the sent agreement back to change it; the signatures so far become void."""
    case, agreement = _load(public_id)
    require(current_user, "agreements.prepare", case)
    service_call(services.reopen, db.session, current_user, agreement)
    flash(_("You can change the text now. The signatures given so far no longer count, and everyone is told."),
          "success")
    return _back(public_id, "text")


@bp.post("/cases/<public_id>/agreement/code")
@login_required
def code(public_id: str) -> Response:
    """E-mail the customer a code to sign with."""
    case, agreement = _load(public_id)
    service_call(services.send_code, db.session, current_user, agreement, secret=settings().secret_key)
    flash(_("We sent a six-digit code to %(email)s. It works for %(minutes)s minutes.", email=current_user.email,
            minutes=services.CODE_MINUTES), "success")
    return _back(public_id, "sign")


@bp.post("/cases/<public_id>/agreement/sign")
@login_required
def sign(public_id: str) -> Any:
    """Sign: the checks first (they write nothing), then the proof of identity (a code try is spent
    and kept whatever follows), then the signature."""
    case, agreement = _load(public_id)
    services.signing_role(db.session, current_user, agreement)  # before the input: 403 or 409, not a form
    form = request.form.to_dict()
    shown = {k: v for k, v in form.items() if k not in ("password", "code")}  # never drawn back into the page
    if form.get("text_sha256") != agreement.text_sha256:
        raise Conflict(_("The agreement changed since you opened it. Read the new text before you sign."))
    try:
        values = load(SignSchema(), form)
        services.check_signable(db.session, current_user, agreement, values)
    except ValidationFailed as error:
        db.session.rollback()
        return _page(public_id, error=error, form=shown)
    problem = services.prove(db.session, current_user, agreement, values, secret=settings().secret_key)
    db.session.commit()
    if problem is not None:
        field = "password" if services.proof_method(current_user) == "password" else "code"
        return _page(public_id, error=ValidationFailed.on_fields({field: [problem]}), form=shown)
    service_call(services.sign, db.session, current_user, agreement, values, ip=request.remote_addr,
                 user_agent=request.headers.get("User-Agent"), sealing_with=sealing_with())
    sealed = agreement.status is AgreementStatus.SEALED
    flash(_("You signed. Everyone has signed now: the agreement is sealed and its PDF is in the documents.")
          if sealed else _("You signed. We tell you when everyone has signed."), "success")
    return _back(public_id)


# The tenant's template ---------------------------------------------------------------------------


def _template_page(locale: str, body: str, *, error: ServiceError | None = None, preview: str | None = None) -> Any:
    own = db.session.scalar(select(AgreementTemplate).where(AgreementTemplate.locale == locale))
    return render_form("agreements/template.html", error=error, locale=locale, locales=LOCALES, body=body,
                       own=own is not None, placeholders=wording.PLACEHOLDERS,
                       preview=wording.blocks(preview) if preview else None)


@bp.get("/admin/agreement-template")
@login_required
def template_default() -> Response:
    """The template in the tenant's first language."""
    require(current_user, "agreement_templates.manage")
    return redirect(url_for("agreements.template", locale=LOCALES[0]), 303)


@bp.route("/admin/agreement-template/<locale>", methods=["GET", "POST"])
@login_required
def template(locale: str) -> Any:
    """Edit the tenant's agreement template in one language, with a preview of sample values."""
    require(current_user, "agreement_templates.manage")
    if locale not in LOCALES:
        raise NotFound(_("We could not find that."))
    tenant = g.tenant
    if request.method == "GET":
        return _template_page(locale, tenant_template.template_source(db.session, tenant, locale))
    body = (request.form.get("body") or "").replace("\r\n", "\n").strip()
    try:
        use = tenant_template.save_template if request.form.get("action") == "save" else tenant_template.check_template
        filled = service_call(use, db.session, current_user, locale, body)
    except ValidationFailed as error:
        return _template_page(locale, body, error=error)
    if request.form.get("action") == "save":
        flash(_("The agreement template is saved. New agreements use it."), "success")
        return redirect(url_for("agreements.template", locale=locale), 303)
    return _template_page(locale, body, preview=filled)


@bp.post("/admin/agreement-template/<locale>/reset")
@login_required
def template_reset(locale: str) -> Response:
    """Use the standard wording again."""
    service_call(tenant_template.reset_template, db.session, current_user, locale)
    flash(_("The standard wording applies again."), "success")
    return redirect(url_for("agreements.template", locale=locale), 303)
