"""The agreement's REST API: its state, the signatures and the signed PDF's link.

Signing stays on the page: it needs a fresh proof of identity typed by the person who signs.
"""

from __future__ import annotations

from typing import Any

from flask import url_for
from flask.views import MethodView
from flask_login import current_user, login_required
from flask_smorest import Blueprint

from odr.mediation.agreements import services
from odr.mediation.agreements.schemas import AgreementOut
from odr.mediation.core.queries import case_for
from odr.platform.extensions import db
from odr.tenants.web import add_slug, enter_tenant

blp = Blueprint("agreements_api", __name__, url_prefix="/api/v1/t/<slug>",
                description="The settlement agreement of a case: its state, signatures and sealed PDF.")
blp.url_value_preprocessor(enter_tenant)
blp.url_defaults(add_slug)


def agreement_out(agreement: Any) -> dict[str, Any]:
    """The agreement as ``AgreementOut`` dumps it."""
    from odr.mediation.documents.models import Document

    document = db.session.get(Document, agreement.document_id) if agreement.document_id else None
    return {
        "id": str(agreement.public_id), "case": str(agreement.case.public_id), "status": agreement.status.value,
        "round": agreement.round, "amount_minor": agreement.amount_minor, "currency": agreement.currency,
        "terms": agreement.terms, "payment_days": agreement.payment_days, "payment_method": agreement.payment_method,
        "text": agreement.text, "text_sha256": agreement.text_sha256,
        "signatures": [s for r in services.ROLES if (s := services.current_signatures(agreement).get(r))],
        "required_signers": list(services.required_roles(db.session, agreement)),
        "pdf_sha256": agreement.pdf_sha256, "sealed_at": agreement.sealed_at,
        "pdf_url": url_for("documents.download", doc_id=document.public_id, _external=True) if document else None,
    }


@blp.route("/cases/<case_id>/agreement")
class CaseAgreement(MethodView):
    """The settlement agreement of one case."""

    decorators = [login_required]

    @blp.response(200, AgreementOut)
    def get(self, case_id: str) -> dict[str, Any]:
        """The agreement's state; 404 while the case has none."""
        case = case_for(db.session, current_user, case_id)
        return agreement_out(services.agreement_for(db.session, current_user, case))
