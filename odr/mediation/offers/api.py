"""The offers' REST API: list a case's offers, make one (or a counter-offer), answer or withdraw one.

The same services as the room's forms: the API adds no rule of its own. The amount is given in
major units as text ("3000.50"), as the form takes it, and shown in minor units.
"""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_login import current_user, login_required
from flask_smorest import Blueprint

from odr.mediation.core.queries import case_for
from odr.mediation.offers import services
from odr.mediation.offers.models import Offer
from odr.mediation.offers.schemas import OfferOut, OfferSchema, ResponseSchema
from odr.platform.extensions import db
from odr.platform.handlers import service_call
from odr.platform.permissions import require
from odr.tenants.web import add_slug, enter_tenant

blp = Blueprint("offers_api", __name__, url_prefix="/api/v1/t/<slug>",
                description="Offers of a case: make, counter, accept, reject, withdraw.")
blp.url_value_preprocessor(enter_tenant)
blp.url_defaults(add_slug)


@blp.route("/cases/<case_id>/offers")
class CaseOffers(MethodView):
    """The offers of one case."""

    decorators = [login_required]

    @blp.response(200, OfferOut(many=True))
    def get(self, case_id: str) -> list[Offer]:
        """The case's offers, the newest first."""
        case = case_for(db.session, current_user, case_id)
        require(current_user, "offers.view", case)
        return services.case_offers(db.session, case)

    @blp.arguments(OfferSchema, location="json")
    @blp.response(201, OfferOut, description="The offer was made")
    def post(self, values: dict[str, Any], case_id: str) -> tuple[Offer, int]:
        """Make an offer to the other side, or a counter-offer (``replies_to``) to their open one."""
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
        offer = services.offer_in(db.session, case, offer_id)
        return service_call(services.respond, db.session, current_user, offer, values["decision"])


@blp.route("/cases/<case_id>/offers/<offer_id>/withdraw")
class OfferWithdrawal(MethodView):
    """Taking back one's side's offer."""

    decorators = [login_required]

    @blp.response(200, OfferOut)
    def post(self, case_id: str, offer_id: str) -> Offer:
        """Withdraw an open offer of one's side; 409 when it is no longer open."""
        case = case_for(db.session, current_user, case_id)
        offer = services.offer_in(db.session, case, offer_id)
        return service_call(services.withdraw, db.session, current_user, offer)
