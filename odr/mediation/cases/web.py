"""The cases' web area: a blueprint in the tenant's URL space, and what its pages and API share."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, g, url_for
from flask_babel import format_number, ngettext
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from odr.mediation.cases import queries, services
from odr.mediation.core.labels import STATE_EXPLANATIONS, state_label, tier_label
from odr.mediation.core.models import Case
from odr.mediation.core.queries import case_for
from odr.mediation.core.states import CaseState
from odr.mediation.rooms.unread import has_unread_for_mediator, unread_counts
from odr.platform.db import retry_on_conflict
from odr.platform.extensions import db
from odr.platform.handlers import service_call
from odr.platform.i18n import money
from odr.platform.permissions import can
from odr.tenants.models import Role
from odr.tenants.web import add_slug, enter_tenant

# Pages live under /t/<slug>/cases, beside the tenant's own pages and entered the same way.
bp = Blueprint("cases", __name__, url_prefix="/t/<slug>", template_folder="templates")
bp.url_value_preprocessor(enter_tenant)
bp.url_defaults(add_slug)
bp.add_app_template_global(state_label)
bp.add_app_template_global(tier_label)

DASHBOARD_SIZE = 5


def case_or_404(public_id: str) -> Case:
    """The case at ``public_id`` if the signed-in user may see it; otherwise not found."""
    return case_for(db.session, current_user, public_id)


def refer_once(data: dict[str, Any]) -> tuple[Case, bool]:
    """Refer and commit; a referral racing another with the same key comes back as that one.

    Two submissions with one idempotency key can both pass the service's look-up on PostgreSQL;
    the unique key then stops the second at the insert. Trying again finds the first.
    """
    return retry_on_conflict(db.session, lambda: service_call(services.refer, db.session, current_user, data))


@bp.app_template_global()
def dashboard_cases() -> dict[str, Any] | None:
    """The signed-in user's most recent cases, for the tenant's dashboard.

    The dashboard belongs to the tenants package, which knows nothing of cases: it calls this
    global when it is defined and shows what it returns (items with a title, a link and a line
    of detail; the total; a link to the whole list; the actions on offer).
    """
    if g.get("tenant") is None or not can(current_user, "cases.list"):
        return None
    filters = queries.default_filters(current_user)
    # A mediator starts where someone waits for an answer: cases with unread messages first.
    first = has_unread_for_mediator(current_user) if Role(current_user.role) is Role.MEDIATOR else None
    page = queries.list_cases(db.session, current_user, filters, page_size=DASHBOARD_SIZE,
                              count_limit=queries.COUNT_LIMIT, first=first)
    unread = unread_counts(db.session, current_user, page.items)
    items = [
        {
            "title": case.reference,
            "url": url_for("cases.show", public_id=case.public_id),
            "detail": " · ".join([state_label(case.state), tier_label(case.tier), case.organisation.name,
                                  case.customer_name, money(case.amount_minor, case.currency)]),
            "flag": _("Overdue") if case.id in page.overdue_ids else "",
            "unread": unread.get(case.id, 0),
            "unread_url": url_for("rooms.room", public_id=case.public_id),
        }
        for case in page.items
    ]
    actions = []
    if can(current_user, "cases.refer"):
        actions.append({"label": _("Refer a case"), "url": url_for("cases.refer")})
    list_args = {"state": [s.value for s in filters.get("state", [])]}
    return {
        "items": items,
        "total": page.total,
        "more_url": url_for("cases.index", **list_args),
        "more_label": (_("See more than %(num)s in the list of cases", num=format_number(page.total)) if page.more
                       else ngettext("See it in the list of cases", "See all %(num)s in the list of cases",
                                     page.total)),
        "actions": actions,
    }


# A customer's way in ------------------------------------------------------------------------------


def _customer_cases(user: Any) -> list[Case]:
    """The customer's own cases, the most recent first."""
    return list(db.session.scalars(select(Case).where(Case.customer_id == user.id)
                                   .order_by(Case.referred_at.desc(), Case.id.desc()).limit(20)))


def customer_landing(user: Any) -> str | None:
    """Where a customer starts after signing in: the room of their one case in mediation, if so."""
    if Role(user.role) is not Role.CUSTOMER:
        return None
    open_cases = [c for c in _customer_cases(user) if c.state is CaseState.OPEN]
    if len(open_cases) != 1:
        return None
    return url_for("rooms.room", public_id=open_cases[0].public_id)


# The three steps a customer is told about, and which of them each state has reached (done, current).
_REACHED = {CaseState.REFERRED: 0, CaseState.SCREENING: 0, CaseState.OPEN: 1, CaseState.SETTLED: 2}


@bp.app_template_global()
def customer_next() -> dict[str, Any] | None:
    """What happens next in the signed-in customer's latest case, for their dashboard: the step it has
    reached, a sentence on where it stands, and the way to its room when it is open."""
    if g.get("tenant") is None or not current_user.is_authenticated or Role(current_user.role) is not Role.CUSTOMER:
        return None
    cases = _customer_cases(current_user)
    if not cases:
        return None
    case = cases[0]
    reached = _REACHED.get(case.state)
    where = str(STATE_EXPLANATIONS[case.state])
    if case.state is CaseState.OPEN:
        where = (_("Your case %(ref)s is open. Your mediator is %(name)s.", ref=case.reference,
                   name=case.mediator.full_name) if case.mediator
                 else _("Your case %(ref)s is open. A mediator is being assigned.", ref=case.reference))
    return {
        "reference": case.reference,
        "reached": reached,  # None: the case ended, and the steps no longer apply
        "where": where,
        "room_url": url_for("rooms.room", public_id=case.public_id) if case.state is CaseState.OPEN else None,
        "case_url": url_for("cases.show", public_id=case.public_id),
    }
