"""The offers panel of the room and of the case page, and its forms: make or counter an offer (to everyone
or to the mediator only), accept, reject, withdraw; the mediator conveys one or puts a proposal, which
each party answers."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, g, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from odr.mediation.core.models import Case
from odr.mediation.core.queries import case_for
from odr.mediation.offers import panel, proposals, services
from odr.mediation.offers.schemas import ConveySchema, OfferSchema, ProposalSchema, ResponseSchema
from odr.mediation.rooms.views import render_room
from odr.platform.db import utcnow
from odr.platform.errors import ValidationFailed
from odr.platform.extensions import db
from odr.platform.handlers import service_call
from odr.platform.i18n import when
from odr.platform.permissions import require
from odr.platform.schemas import load
from odr.tenants.web import add_slug, enter_tenant

bp = Blueprint("offers", __name__, url_prefix="/t/<slug>", template_folder="templates")
bp.url_value_preprocessor(enter_tenant)
bp.url_defaults(add_slug)


@bp.app_template_global()
def offers_panel(case: Case) -> dict[str, Any] | None:
    """What the offers panel shows the signed-in user for ``case`` (None: they may not see it)."""
    if g.get("tenant") is None:
        return None
    return panel.build(db.session, current_user, case, utcnow())


def _case(public_id: str) -> Case:
    return case_for(db.session, current_user, public_id)


def _values(form: Any, *, with_reply: bool = True) -> dict[str, Any]:
    """The posted offer (or proposal) form as its schema reads it: the terms from the boxes ticked."""
    other = (form.get("term_text") or "").strip()
    kinds = [k for k in form.getlist("term_kind") if k]
    terms = [{"kind": k, "text": other if k == "other" else ""} for k in kinds]
    if other and "other" not in kinds:
        terms.append({"kind": "other", "text": other})
    data: dict[str, Any] = {"amount": form.get("amount", ""), "currency": form.get("currency", ""), "terms": terms}
    if form.get("expires_in_days"):
        data["expires_in_days"] = form.get("expires_in_days")
    if with_reply and form.get("replies_to"):
        data["replies_to"] = form.get("replies_to")
    if with_reply and form.get("channel"):
        data["channel"] = form.get("channel")
    return data


def _typed(form: Any) -> dict[str, Any]:
    """What the person typed or chose, to show again after a refusal."""
    return {"amount": form.get("amount", ""), "term_kind": form.getlist("term_kind"),
            "term_text": form.get("term_text", ""), "expires_in_days": form.get("expires_in_days", ""),
            "replies_to": form.get("replies_to", ""), "channel": form.get("channel", "")}


@bp.post("/cases/<public_id>/offers")
@login_required
def make(public_id: str) -> Any:
    """Make an offer, or a counter-offer to the other side's open one, or an offer to the mediator only."""
    case = _case(public_id)
    require(current_user, "offers.make", case)  # before the input: who may not gets 403, not a form
    try:
        offer = service_call(services.make_offer, db.session, current_user, case,
                             load(OfferSchema(), _values(request.form)))
    except ValidationFailed as error:
        return render_room(public_id, error=_flat(error), offer_form=_typed(request.form))
    if offer.channel != "joint":
        flash(_("Your offer is with the mediator only. They may tell the other side about it, with or without "
                "the figure."), "success")
    elif offer.answer_extended and offer.answer_by is not None:
        flash(_("Your counter-offer is made. Because it came late, the other side has until %(when)s to answer.",
                when=when(offer.answer_by)), "success")
    else:
        flash(_("Your offer is made. The other side is asked to answer it."), "success")
    return _back(public_id)


def _flat(error: ValidationFailed, prefix: str = "") -> ValidationFailed:
    """Nested term messages (``terms.0.text``) under the terms' own field; the channel under the form's
    own name for it; a proposal's fields under ``proposal_``."""
    fields: dict[str, list[str]] = {}
    for name, texts in error.fields.items():
        key = "terms" if name.startswith("terms") else name
        key = "offer_channel" if key == "channel" else key
        fields.setdefault(f"{prefix}{key}", []).extend(texts)
    return ValidationFailed(error.message, fields)


@bp.post("/cases/<public_id>/offers/<offer_id>/respond")
@login_required
def respond(public_id: str, offer_id: str) -> Response:
    """Accept or reject the other side's offer."""
    case = _case(public_id)
    require(current_user, "offers.respond", case)
    offer = services.offer_in(db.session, case, offer_id, current_user)
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
    offer = services.offer_in(db.session, case, offer_id, current_user)
    service_call(services.withdraw, db.session, current_user, offer)
    flash(_("Your offer is withdrawn."), "success")
    return _back(public_id)


@bp.post("/cases/<public_id>/offers/<offer_id>/convey")
@login_required
def convey(public_id: str, offer_id: str) -> Response:
    """The mediator conveys a party's caucus offer to everyone, with or without its figure."""
    case = _case(public_id)
    require(current_user, "offers.convey", case)
    offer = services.offer_in(db.session, case, offer_id, current_user)
    with_figure = load(ConveySchema(), request.form.to_dict())["with_figure"]
    service_call(services.convey, db.session, current_user, offer, with_figure)
    flash(_("The offer is conveyed with its figure: the other side can now answer it.") if with_figure else
          _("The other side is told that a move was made, without the figure."), "success")
    return _back(public_id)


@bp.post("/cases/<public_id>/proposals")
@login_required
def propose(public_id: str) -> Any:
    """The mediator puts a proposal to both parties."""
    case = _case(public_id)
    proposals.check_may_propose(db.session, current_user, case)  # before the input, like the rule
    try:
        service_call(proposals.propose, db.session, current_user, case,
                     load(ProposalSchema(), _values(request.form, with_reply=False)))
    except ValidationFailed as error:
        return render_room(public_id, error=_flat(error, "proposal_"), proposal_form=_typed(request.form))
    flash(_("Your proposal is put to both parties. Each answers privately; the outcome is shown when both have "
            "answered or it expires."), "success")
    return _back(public_id)


@bp.post("/cases/<public_id>/proposals/<proposal_id>/answer")
@login_required
def answer_proposal(public_id: str, proposal_id: str) -> Response:
    """A party accepts or rejects the mediator's proposal, privately."""
    case = _case(public_id)
    require(current_user, "offers.respond", case)
    proposal = proposals.proposal_in(db.session, case, proposal_id)
    decision = load(ResponseSchema(), request.form.to_dict())["decision"]
    service_call(proposals.answer, db.session, current_user, proposal, decision)
    flash(_("Your answer is recorded. Only you and the mediator know it; the outcome is shown when both parties "
            "have answered or the proposal expires."), "success")
    return _back(public_id)


def _back(public_id: str) -> Response:
    return redirect(url_for("rooms.room", public_id=public_id, _anchor="offers"), 303)
