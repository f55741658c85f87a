"""The offers' REST API: list a case's offers, make one (or a counter-offer, or one to the mediator only),
answer or withdraw one; the mediator conveys a caucus offer and puts a proposal, which each party answers.

The same services as the room's forms: the API adds no rule of its own. The amount is given in
major units as text ("3000.50"), as the form takes it, and shown in minor units. A caucus offer of
the other side is a 404, as any record one may not see; a proposal shows a party its own answer only.
"""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_login import current_user, login_required
from flask_smorest import Blueprint

from odr.mediation.core.queries import case_for
from odr.mediation.offers import proposals, services
from odr.mediation.offers.models import Offer
from odr.mediation.offers.schemas import (
    ConveySchema,
    OfferOut,
    OfferSchema,
    ProposalOut,
    ProposalSchema,
    ResponseSchema,
)
from odr.platform.extensions import db
from odr.platform.handlers import service_call
from odr.platform.permissions import require
from odr.tenants.web import add_slug, enter_tenant

blp = Blueprint("offers_api", __name__, url_prefix="/api/v1/t/<slug>",
                description="Offers of a case: make, counter, accept, reject, withdraw, convey; the mediator's "
                            "proposals and their private answers.")
blp.url_value_preprocessor(enter_tenant)
blp.url_defaults(add_slug)


@blp.route("/cases/<case_id>/offers")
class CaseOffers(MethodView):
    """The offers of one case."""

    decorators = [login_required]

    @blp.response(200, OfferOut(many=True))
    def get(self, case_id: str) -> list[Offer]:
        """The case's offers the caller may see, the newest first."""
        case = case_for(db.session, current_user, case_id)
        require(current_user, "offers.view", case)
        return services.case_offers(db.session, case, current_user)

    @blp.arguments(OfferSchema, location="json")
    @blp.response(201, OfferOut, description="The offer was made")
    def post(self, values: dict[str, Any], case_id: str) -> tuple[Offer, int]:
        """Make an offer to the other side, a counter-offer (``replies_to``) to their open one, or an offer to
        the mediator only (``channel`` "caucus")."""
        case = case_for(db.session, current_user, case_id)
        return service_call(services.make_offer, db.session, current_user, case, values), 201


@blp.route("/cases/<case_id>/offers/<offer_id>/respond")
class OfferResponse(MethodView):
    """An answer to the other side's offer."""

    decorators = [login_required]

    @blp.arguments(ResponseSchema, location="json")
    @blp.response(200, OfferOut)
    def post(self, values: dict[str, Any], case_id: str, offer_id: str) -> Offer:
        """Accept or reject an open offer of the other side; 409 when it is no longer open."""
        case = case_for(db.session, current_user, case_id)
        offer = services.offer_in(db.session, case, offer_id, current_user)
        return service_call(services.respond, db.session, current_user, offer, values["decision"])


@blp.route("/cases/<case_id>/offers/<offer_id>/withdraw")
class OfferWithdrawal(MethodView):
    """Taking back one's side's offer."""

    decorators = [login_required]

    @blp.response(200, OfferOut)
    def post(self, case_id: str, offer_id: str) -> Offer:
        """Withdraw an open offer of one's side; 409 when it is no longer open."""
        case = case_for(db.session, current_user, case_id)
        offer = services.offer_in(db.session, case, offer_id, current_user)
        return service_call(services.withdraw, db.session, current_user, offer)


@blp.route("/cases/<case_id>/offers/<offer_id>/convey")
class OfferConveyance(MethodView):
    """The mediator conveys a party's caucus offer to the joint channel."""

    decorators = [login_required]

    @blp.arguments(ConveySchema, location="json")
    @blp.response(200, OfferOut)
    def post(self, values: dict[str, Any], case_id: str, offer_id: str) -> Offer:
        """Convey with the figure (the other side may then answer it) or without (they learn only that a move
        was made); 409 for a joint offer, one no longer open, or one conveyed already."""
        case = case_for(db.session, current_user, case_id)
        require(current_user, "offers.convey", case)
        offer = services.offer_in(db.session, case, offer_id, current_user)
        return service_call(services.convey, db.session, current_user, offer, values["with_figure"])


@blp.route("/cases/<case_id>/proposals")
class CaseProposals(MethodView):
    """The mediator's proposals of one case."""

    decorators = [login_required]

    @blp.response(200, ProposalOut(many=True))
    def get(self, case_id: str) -> list[dict[str, Any]]:
        """The case's proposals, the newest first; a party sees its own answer, never the other side's."""
        case = case_for(db.session, current_user, case_id)
        require(current_user, "offers.view", case)
        return [proposals.view_of(p, current_user) for p in proposals.case_proposals(db.session, case)]

    @blp.arguments(ProposalSchema, location="json")
    @blp.response(201, ProposalOut, description="The proposal was put to both parties")
    def post(self, values: dict[str, Any], case_id: str) -> tuple[dict[str, Any], int]:
        """Put a proposal to both parties (the mediator); 409 while another one waits for answers."""
        case = case_for(db.session, current_user, case_id)
        proposal = service_call(proposals.propose, db.session, current_user, case, values)
        return proposals.view_of(proposal, current_user), 201


@blp.route("/cases/<case_id>/proposals/<proposal_id>/answer")
class ProposalAnswer(MethodView):
    """A party's private answer to the mediator's proposal."""

    decorators = [login_required]

    @blp.arguments(ResponseSchema, location="json")
    @blp.response(200, ProposalOut)
    def post(self, values: dict[str, Any], case_id: str, proposal_id: str) -> dict[str, Any]:
        """Accept or reject, once; 409 when answered already, disclosed or expired."""
        case = case_for(db.session, current_user, case_id)
        require(current_user, "offers.respond", case)
        proposal = proposals.proposal_in(db.session, case, proposal_id)
        answered = service_call(proposals.answer, db.session, current_user, proposal, values["decision"])
        return proposals.view_of(answered, current_user)
