"""The offers panel of the room, and its forms: make or counter an offer, accept, reject, withdraw."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import Blueprint, flash, g, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from odr.mediation.core.access import side_of
from odr.mediation.core.models import Case
from odr.mediation.core.queries import case_for
from odr.mediation.offers import services
from odr.mediation.offers.models import OfferStatus
from odr.mediation.offers.schemas import TERM_KINDS, OfferSchema, ResponseSchema
from odr.mediation.rooms.views import render_room
from odr.platform.db import utcnow
from odr.platform.errors import ValidationFailed
from odr.platform.extensions import db
from odr.platform.handlers import service_call
from odr.platform.i18n import money
from odr.platform.permissions import can, require
from odr.platform.schemas import load
from odr.tenants.web import add_slug, enter_tenant

bp = Blueprint("offers", __name__, url_prefix="/t/<slug>", template_folder="templates")
bp.url_value_preprocessor(enter_tenant)
bp.url_defaults(add_slug)

def _status_words() -> dict[OfferStatus, str]:
    return {OfferStatus.OPEN: _("Open"), OfferStatus.ACCEPTED: _("Accepted"), OfferStatus.REJECTED: _("Rejected"),
            OfferStatus.COUNTERED: _("Answered by a counter-offer"), OfferStatus.WITHDRAWN: _("Withdrawn"),
            OfferStatus.EXPIRED: _("Expired")}


@bp.app_template_global()
def offers_panel(case: Case) -> dict[str, Any] | None:
    """What the offers panel shows the signed-in user for ``case`` (None: they may not see it)."""
    if g.get("tenant") is None or not can(current_user, "offers.view", case):
        return None
    side = side_of(current_user, case)
    mine = side.value if side else None
    may_act = can(current_user, "offers.respond", case) and mine is not None
    now = utcnow()
    words = _status_words()
    rows = []
    for offer in services.case_offers(db.session, case):
        is_open = offer.status is OfferStatus.OPEN and offer.expires_at > now
        rows.append({
            "offer": offer,
            "amount": money(offer.amount_minor, offer.currency),
            "terms": [str(TERM_KINDS.get(t["kind"], t["kind"])) + (f": {t['text']}" if t.get("text") else "")
                      for t in offer.terms],
            "status": words[offer.status] if offer.status is not OfferStatus.OPEN or is_open else words[
                OfferStatus.EXPIRED],
            "is_open": is_open,
            "ours": offer.side == mine,
            "may_answer": may_act and is_open and offer.side != mine,
            "may_withdraw": may_act and is_open and offer.side == mine,
            "counter_of": offer.replies_to.public_id if offer.replies_to else None,
        })
    return {
        "rows": rows,
        "may_make": can(current_user, "offers.make", case) and mine is not None,
        "currency": case.currency,
        "term_kinds": [(key, str(label)) for key, label in TERM_KINDS.items()],
        "expiry_choices": [(d, (now + timedelta(days=d))) for d in (3, 7, 14, 30)],
    }


def _case(public_id: str) -> Case:
    return case_for(db.session, current_user, public_id)


def _values(form: Any) -> dict[str, Any]:
    """The posted offer form as ``OfferSchema`` reads it: the terms from the boxes ticked."""
    other = (form.get("term_text") or "").strip()
    kinds = [k for k in form.getlist("term_kind") if k]
    terms = [{"kind": k, "text": other if k == "other" else ""} for k in kinds]
    if other and "other" not in kinds:
        terms.append({"kind": "other", "text": other})
    data: dict[str, Any] = {"amount": form.get("amount", ""), "currency": form.get("currency", ""), "terms": terms}
    if form.get("expires_in_days"):
        data["expires_in_days"] = form.get("expires_in_days")
    if form.get("replies_to"):
        data["replies_to"] = form.get("replies_to")
    return data


@bp.post("/cases/<public_id>/offers")
@login_required
def make(public_id: str) -> Any:
    """Make an offer, or a counter-offer to the other side's open one."""
    case = _case(public_id)
    require(current_user, "offers.make", case)  # before the input: who may not gets 403, not a form
    form = {"amount": request.form.get("amount", ""), "term_kind": request.form.getlist("term_kind"),
            "term_text": request.form.get("term_text", ""), "expires_in_days": request.form.get("expires_in_days", ""),
            "replies_to": request.form.get("replies_to", "")}
    try:
        service_call(services.make_offer, db.session, current_user, case, load(OfferSchema(), _values(request.form)))
    except ValidationFailed as error:
        return render_room(public_id, error=_flat(error), offer_form=form)
    flash(_("Your offer is made. The other side is asked to answer it."), "success")
    return _back(public_id)


def _flat(error: ValidationFailed) -> ValidationFailed:
    """Nested term messages (``terms.0.text``) under the terms' own field."""
    fields: dict[str, list[str]] = {}
    for name, texts in error.fields.items():
        fields.setdefault("terms" if name.startswith("terms") else name, []).extend(texts)
    return ValidationFailed(error.message, fields)


@bp.post("/cases/<public_id>/offers/<offer_id>/respond")
@login_required
def respond(public_id: str, offer_id: str) -> Response:
    """Accept or reject the other side's offer."""
    case = _case(public_id)
    require(current_user, "offers.respond", case)
    offer = services.offer_in(db.session, case, offer_id)
    decision = load(ResponseSchema(), request.form.to_dict())["decision"]
    service_call(services.respond, db.session, current_user, offer, decision)
    flash(_("You accepted the offer. Your mediator takes it from here and tells you both what happens next.")
          if decision == "accept" else _("You rejected the offer. You can make one of your own."), "success")
    return _back(public_id)


@bp.post("/cases/<public_id>/offers/<offer_id>/withdraw")
@login_required
def withdraw(public_id: str, offer_id: str) -> Response:
    """Withdraw one's side's open offer."""
    case = _case(public_id)
    offer = services.offer_in(db.session, case, offer_id)
    service_call(services.withdraw, db.session, current_user, offer)
    flash(_("Your offer is withdrawn."), "success")
    return _back(public_id)


def _back(public_id: str) -> Response:
    return redirect(url_for("rooms.room", public_id=public_id, _anchor="offers"), 303)
