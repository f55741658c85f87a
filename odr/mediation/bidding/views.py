"""The blind-bidding panel of the room, and its forms: opt in for one's side, put in this round's figure."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, g, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from odr.mediation.agreements.services import agreement_of
from odr.mediation.bidding import services
from odr.mediation.bidding.rule import Rule
from odr.mediation.bidding.schemas import BlindBidSchema
from odr.mediation.bidding.words import rule_words
from odr.mediation.core.models import Case
from odr.mediation.core.queries import case_for
from odr.mediation.core.states import CaseState
from odr.mediation.rooms.views import render_room
from odr.platform.errors import ValidationFailed
from odr.platform.extensions import db
from odr.platform.handlers import service_call
from odr.platform.i18n import money
from odr.platform.permissions import can, require
from odr.platform.schemas import load
from odr.tenants.web import add_slug, enter_tenant

bp = Blueprint("bidding", __name__, url_prefix="/t/<slug>", template_folder="templates")
bp.url_value_preprocessor(enter_tenant)
bp.url_defaults(add_slug)


def _party_words() -> dict[str, str]:
    return {"customer": _("The customer"), "insurer": _("The insurer")}


@bp.app_template_global()
def bidding_panel(case: Case) -> dict[str, Any] | None:
    """What the blind-bidding panel shows the signed-in user for ``case`` (None: nothing to show them).

    Everything it shows comes from ``services.status_for``, which never holds the other side's figure.
    """
    if g.get("tenant") is None or not can(current_user, "bidding.view", case):
        return None
    status = services.status_for(db.session, current_user, case)
    if status["status"] == "not_started" and (case.state is not CaseState.OPEN
                                              or agreement_of(db.session, case) is not None):
        return None  # nothing to opt in to: the case ended, or the parties agreed another way
    currency = status["rule"]["currency"]
    rule = Rule(status["rule"]["rounds"], status["rule"]["percent"], status["rule"]["amount_minor"],
                status["rule"]["mediator_sees_figures"])

    def shown(minor: int | None) -> str | None:
        return None if minor is None else money(minor, currency)

    rounds = [{**r, "your_figure": shown(r["your_figure_minor"]),
               "figures": {side: shown(minor) for side, minor in (r["figures_minor"] or {}).items()}}
              for r in status["rounds"]]
    mine = status["your_side"]
    other = {"customer": "insurer", "insurer": "customer"}.get(mine or "")
    current = next((r for r in rounds if r["result"] == "open"), None)
    return {
        **status,
        "words": rule_words(rule, currency),
        "rounds": rounds,
        "current": current,
        "other_side": other,
        "other_opted_in": bool(other and status["sides"][other]["opted_in"]),
        "we_opted_in": bool(mine and status["sides"][mine]["opted_in"]),
        "parties": _party_words(),
        "settled_amount": shown(status["settled_amount_minor"]),
        "currency": currency,
        "case_open": case.state is CaseState.OPEN,
    }


def _case(public_id: str) -> Case:
    return case_for(db.session, current_user, public_id)


@bp.post("/cases/<public_id>/blind-bidding/opt-in")
@login_required
def opt_in(public_id: str) -> Response:
    """Opt in to blind bidding for one's side."""
    case = _case(public_id)
    bidding = service_call(services.opt_in, db.session, current_user, case)
    if bidding.status.value == "bidding":
        flash(_("Both sides have opted in: blind bidding has started. Put in your figure for round 1."), "success")
    else:
        flash(_("You opted in to blind bidding. It starts when the other side opts in too."), "success")
    return _back(public_id)


@bp.post("/cases/<public_id>/blind-bidding/bids")
@login_required
def bid(public_id: str) -> Any:
    """Put in one's side's figure for this round."""
    case = _case(public_id)
    require(current_user, "bidding.take_part", case)  # before the input: who may not gets 403, not a form
    form = {"figure": request.form.get("figure", ""), "round": request.form.get("round", "")}
    try:
        service_call(services.submit_bid, db.session, current_user, case, load(BlindBidSchema(), form))
    except ValidationFailed as error:
        return render_room(public_id, error=error, bid_form=form)
    flash(_("Your figure is in. The other side never sees it."), "success")
    return _back(public_id)


def _back(public_id: str) -> Response:
    return redirect(url_for("rooms.room", public_id=public_id, _anchor="bidding"), 303)
