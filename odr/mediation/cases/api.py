"""The cases' REST API: refer a case, list the cases one may see, read one."""

from __future__ import annotations

from typing import Any

from flask import request
from flask.views import MethodView
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_smorest import Blueprint

from odr.mediation.cases import queries
from odr.mediation.cases.schemas import CaseFilterSchema, CaseOut, CasePageOut, ReferralSchema
from odr.mediation.cases.web import case_or_404, refer_once
from odr.mediation.core.models import Case
from odr.platform.errors import ValidationFailed
from odr.platform.extensions import db
from odr.platform.handlers import json_body
from odr.platform.permissions import require
from odr.tenants.web import add_slug, enter_tenant

blp = Blueprint(
    "cases_api",
    __name__,
    url_prefix="/api/v1/t/<slug>",
    description="Cases: refer a complaint, list the cases you may see, read one.",
)
blp.url_value_preprocessor(enter_tenant)
blp.url_defaults(add_slug)

IDEMPOTENCY_HEADER = "Idempotency-Key"


def _with_idempotency_key(body: dict[str, Any]) -> dict[str, Any]:
    """The body with the ``Idempotency-Key`` header as its key; the two may not disagree."""
    header = request.headers.get(IDEMPOTENCY_HEADER)
    if not header:
        return body
    if body.get("idempotency_key") not in (None, header):
        raise ValidationFailed.on_fields({
            "idempotency_key": [_("The Idempotency-Key header and idempotency_key differ; send one of them.")]})
    return {**body, "idempotency_key": header}


@blp.route("/cases")
class Cases(MethodView):
    """The cases of the tenant that the signed-in user may see."""

    decorators = [login_required]

    @blp.arguments(CaseFilterSchema, location="query")
    @blp.response(200, CasePageOut)
    def get(self, filters: dict[str, Any]) -> dict[str, Any]:
        """List cases, newest referral first, 25 a page; filter by state (repeatable), tier, overdue,
        insurer and mediator (an id, or ``none``), and search with ``q``: part of a reference or a customer's
        name, the start of a policy number, or a customer's whole e-mail address."""
        require(current_user, "cases.list")
        page = queries.list_cases(db.session, current_user, filters)
        return {"items": page.items, "total": page.total, "page": page.page, "pages": page.pages,
                "page_size": page.page_size}

    @blp.doc(
        requestBody={"required": True, "content": {"application/json": {"schema": ReferralSchema}}},
        parameters=[{
            "in": "header", "name": IDEMPOTENCY_HEADER, "required": False, "schema": {"type": "string"},
            "description": "Makes a repeated request create one case (or send idempotency_key in the body)",
        }],
    )
    @blp.response(201, CaseOut, description="The case was created")
    @blp.alt_response(200, schema=CaseOut, description="A case with this idempotency key exists; it is returned")
    def post(self) -> tuple[Case, int]:
        """Refer a complaint (insurer agents for their insurer; staff name it with ``organisation_id``)."""
        case, created = refer_once(_with_idempotency_key(json_body()))
        return case, 201 if created else 200


@blp.route("/cases/<public_id>")
class CaseItem(MethodView):
    """One case."""

    decorators = [login_required]

    @blp.response(200, CaseOut)
    def get(self, public_id: str) -> Case:
        """Read a case; one you may not see does not exist (404)."""
        case = case_or_404(public_id)
        require(current_user, "cases.view", case)
        return case
