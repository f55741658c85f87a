"""The blind-bidding REST API: how a case's blind bidding stands for the caller, opting in, a figure.

The same services as the room's forms: the API adds no rule of its own. A figure is given in major
units as text ("9000.50"), as the form takes it, with the round it is for; every answer is the
caller's own view of the bidding (``services.status_for``), which never holds the other side's figure.
"""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_login import current_user, login_required
from flask_smorest import Blueprint

from odr.mediation.bidding import services
from odr.mediation.bidding.schemas import BiddingStatusOut, BlindBidSchema
from odr.mediation.core.queries import case_for
from odr.platform.extensions import db
from odr.platform.handlers import service_call
from odr.tenants.web import add_slug, enter_tenant

blp = Blueprint("bidding_api", __name__, url_prefix="/api/v1/t/<slug>",
                description="Blind bidding of a case: opt in, put in a confidential figure per round.")
blp.url_value_preprocessor(enter_tenant)
blp.url_defaults(add_slug)


@blp.route("/cases/<case_id>/blind-bidding")
class BlindBiddingStatus(MethodView):
    """A case's blind bidding, as the caller may see it."""

    decorators = [login_required]

    @blp.response(200, BiddingStatusOut)
    def get(self, case_id: str) -> dict[str, Any]:
        """The rule, who opted in, each round's result and the caller's own figures (both sides' only
        for the mediator, when the rule says so)."""
        case = case_for(db.session, current_user, case_id)
        return services.status_for(db.session, current_user, case)


@blp.route("/cases/<case_id>/blind-bidding/opt-in")
class BlindBiddingOptIn(MethodView):
    """Opting in for one's side."""

    decorators = [login_required]

    @blp.response(200, BiddingStatusOut, description="Opted in; the bidding starts once both sides have")
    def post(self, case_id: str) -> dict[str, Any]:
        """Opt in to blind bidding under the rule the status shows; 409 when one's side has already."""
        case = case_for(db.session, current_user, case_id)
        service_call(services.opt_in, db.session, current_user, case)
        return services.status_for(db.session, current_user, case)


@blp.route("/cases/<case_id>/blind-bidding/bids")
class BlindBids(MethodView):
    """One's side's confidential figures."""

    decorators = [login_required]

    @blp.arguments(BlindBidSchema, location="json")
    @blp.response(201, BiddingStatusOut, description="The figure is in; the round is decided if it was the second")
    def post(self, values: dict[str, Any], case_id: str) -> tuple[dict[str, Any], int]:
        """Put in one's side's figure for the round that takes figures now; 409 before both sides opted
        in, after the bidding ended, or for a second figure of one's side in a round."""
        case = case_for(db.session, current_user, case_id)
        service_call(services.submit_bid, db.session, current_user, case, values)
        return services.status_for(db.session, current_user, case), 201
