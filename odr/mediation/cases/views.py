"""The cases' pages: the case lists, the referral form and the case page."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

from flask import flash, g, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from odr.mediation.cases import action_views, queries  # noqa: F401 - action_views adds its routes
from odr.mediation.cases.case_page import render_case
from odr.mediation.cases.forms import (
    STEP_FIELDS,
    STEP_ROWS,
    by_form_rows,
    form_values,
    referral_input,
    step_name,
)
from odr.mediation.cases.schemas import UNASSIGNED, CaseFilterSchema, filters_from_args
from odr.mediation.cases.web import bp, case_or_404, refer_once
from odr.mediation.core import labels
from odr.mediation.core.access import STAFF, visible_cases
from odr.mediation.core.models import Case, ServiceKind
from odr.mediation.core.queries import case_by_reference
from odr.mediation.core.states import CaseState
from odr.mediation.rooms.unread import unread_counts
from odr.platform.errors import ValidationFailed, is_public_id
from odr.platform.extensions import db
from odr.platform.handlers import render_form
from odr.platform.i18n import LANGUAGES, language_name
from odr.platform.permissions import require
from odr.platform.schemas import load
from odr.tenants.models import Organisation, Role, User

__all__ = ["bp"]


# Lists ----------------------------------------------------------------------------------------------


def _filter_options() -> dict[str, Any]:
    """The choices of the list's filters; insurers and mediators only for those who see many."""
    role = Role(current_user.role)
    options: dict[str, Any] = {
        "state_options": [(state.value, labels.state_label(state)) for state in CaseState],
        "tier_options": [(str(tier), str(label)) for tier, label in labels.TIERS.items()],
        "insurer_options": [],
        "mediator_options": [],
    }
    if role in STAFF or role is Role.MEDIATOR:
        options["insurer_options"] = [
            (str(o.public_id), o.name) for o in db.session.scalars(
                select(Organisation)
                .where(Organisation.tenant_id == current_user.tenant_id)
                .order_by(Organisation.name))
        ]
    if role in STAFF:
        mediators = db.session.scalars(
            select(User).where(User.tenant_id == current_user.tenant_id, User.role == Role.MEDIATOR)
            .order_by(User.full_name)
        )
        options["mediator_options"] = [(UNASSIGNED, _("Not assigned yet"))] + [
            (str(m.public_id), m.full_name) for m in mediators
        ]
    return options


@bp.get("/cases")
@login_required
def index() -> Any:
    """The cases the signed-in user may see, with filters, search and pages."""
    require(current_user, "cases.list")
    raw = filters_from_args(request.args)
    args = request.args.to_dict(flat=False)
    context = {"form": raw, "args": args, **_filter_options()}
    try:
        filters = load(CaseFilterSchema(), raw)
    except ValidationFailed as error:
        # The page number has no field of its own: its message goes at the top, without a link.
        fields = {("_schema" if key == "page" else key): value for key, value in error.fields.items()}
        return render_form("cases/list.html", error=ValidationFailed(error.message, fields), page=None,
                           filtered=True, show_filters=True, **context)
    page = queries.list_cases(db.session, current_user, filters, count_limit=queries.COUNT_LIMIT)
    filtered = any(filters.get(key) for key in ("state", "tier", "overdue", "insurer", "mediator", "q"))
    # A customer has a case or two: the filters would only be in the way until they have many.
    show_filters = Role(current_user.role) is not Role.CUSTOMER or filtered or page.more or page.total > page.page_size
    return render_form("cases/list.html", page=page, filtered=filtered, show_filters=show_filters,
                       unread=unread_counts(db.session, current_user, page.items), **context)


# The referral ---------------------------------------------------------------------------------------


def _referral_page(form: dict[str, Any], error: ValidationFailed | None = None) -> Any:
    staff = Role(current_user.role) is not Role.INSURER_AGENT
    return render_form(
        "cases/refer.html",
        error=error,
        form=form,
        staff=staff,
        organisation_options=[
            (str(o.public_id), o.name)
            for o in db.session.scalars(
                select(Organisation)
                .where(Organisation.tenant_id == current_user.tenant_id, Organisation.is_active.is_(True))
                .order_by(Organisation.name))
        ] if staff else [],
        product_options=[(k.value, str(v)) for k, v in labels.PRODUCT_LINES.items()],
        category_options=[(k.value, str(v)) for k, v in labels.CATEGORIES.items()],
        service_options=[(k.value, str(v)) for k, v in labels.SERVICES.items()],
        level_options=[(k.value, str(v)) for k, v in labels.LEVELS.items()],
        language_options=[(code, language_name(code)) for code in LANGUAGES],
        step_rows=STEP_ROWS,
        step_fields=STEP_FIELDS,
        step_name=step_name,
    )


@bp.route("/cases/new", methods=["GET", "POST"])
@login_required
def refer() -> Any:
    """Refer a complaint: the customer, the policy, the complaint, the money, the insurer's own handling."""
    require(current_user, "cases.refer")
    if request.method == "GET":
        return _referral_page({
            "idempotency_key": uuid4().hex,
            "customer_language": g.tenant.default_locale,
            "service": ServiceKind.MEDIATION.value,
        })
    data, rows = referral_input(request.form)
    try:
        case, created = refer_once(data)
    except ValidationFailed as error:
        return _referral_page(form_values(request.form), by_form_rows(error, rows))
    flash(_referral_message(case, created), "success")
    return redirect(url_for("cases.show", public_id=case.public_id), code=303)


def _referral_message(case: Case, created: bool) -> str:
    if not created:
        return _("This referral was already received as case %(ref)s; nothing new was created.", ref=case.reference)
    message = _("Thank you. The case is referred as %(ref)s, and the customer is told by e-mail.",
                ref=case.reference)
    if case.possible_duplicate_of_id is not None:
        earlier = db.session.scalar(
            select(Case.reference).where(Case.id == case.possible_duplicate_of_id, visible_cases(current_user)))
        if earlier:
            message += " " + _("It may repeat case %(ref)s (same policy and complaint date); a case manager "
                               "will check.", ref=earlier)
        else:
            message += " " + _("It may repeat an earlier referral (same policy and complaint date); a case "
                               "manager will check.")
    return message


# The case -------------------------------------------------------------------------------------------


@bp.get("/cases/<public_id>")
@login_required
def show(public_id: str) -> Any:
    """Everything about one case that the viewer may see: summary, clock, next steps, timeline.

    A case's human reference in place of its id (``MED-2026-000003``) leads to the case's own address.
    """
    if not is_public_id(public_id):
        case = case_by_reference(db.session, current_user, public_id)
        require(current_user, "cases.view", case)
        return redirect(url_for("cases.show", public_id=case.public_id))
    case = case_or_404(public_id)
    require(current_user, "cases.view", case)
    return render_case(case)
