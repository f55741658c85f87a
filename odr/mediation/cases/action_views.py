"""The cases' forms that change a case: screening, assignment, the clock, escalation and the ending."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any
from uuid import UUID

from flask import abort, flash, g, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from odr.mediation.cases import services
from odr.mediation.cases.case_page import render_case
from odr.mediation.cases.rules import RULE_TITLES
from odr.mediation.cases.web import bp, case_or_404
from odr.mediation.core.labels import tier_label
from odr.mediation.core.models import Case
from odr.mediation.core.states import CaseState
from odr.mediation.deadlines import services as deadlines
from odr.platform.errors import Conflict, ServiceError, ValidationFailed
from odr.platform.extensions import db
from odr.platform.handlers import render_form, service_call, settings
from odr.platform.permissions import require
from odr.platform.schemas import clean_form

Page = Callable[..., Any]


def _form() -> dict[str, Any]:
    form = clean_form(request.form.to_dict())
    form.pop("csrf_token", None)
    return form


def _act(public_id: str, action: str, use_case: Callable[..., Any], done: Callable[[Case], str], *,
         page: Page = render_case, with_form: bool = True, target: str = "cases.show") -> Any:
    """Run ``use_case`` on the case and commit; a refusal re-renders ``page`` with the messages by the form."""
    case = case_or_404(public_id)
    # Fields are named "<action>-<field>" on the page, so that each is unique there.
    form = {key.removeprefix(f"{action}-"): value for key, value in _form().items()}
    try:
        service_call(use_case, db.session, current_user, case, *([form] if with_form else []))
    except (ValidationFailed, Conflict) as error:
        return page(case, action=action, error=error, form=form)
    flash(done(case), "success")
    return redirect(url_for(target, public_id=case.public_id), code=303)


# Screening ------------------------------------------------------------------------------------------


def render_screening(case: Case, *, action: str | None = None, error: ServiceError | None = None,
                     form: dict[str, Any] | None = None) -> Any:
    """The screening page: each rule with its verdict and reason, and the decisions on offer."""
    results = services.screening_results(db.session, case)
    context: dict[str, Any] = {
        "case": case,
        "results": results,
        "failed": [r for r in results if not r.passed],
        "overrides": case.screening.get("overrides", {}),
        "deciding": case.state in {CaseState.REFERRED, CaseState.SCREENING},
        "action": action,
        "form": form or {},
        "page_url": url_for("cases.screening", public_id=case.public_id),
    }
    if error is None:
        return render_form("cases/screening.html", **context)
    context["errors"] = {f"{action}-{field}": messages for field, messages in error.fields.items()}
    body, _status = render_form("cases/screening.html", error=error, **context)
    return body, error.status


@bp.get("/cases/<public_id>/screening")
@login_required
def screening(public_id: str) -> Any:
    """The eligibility rules, passed or failed with the reason, and the decision."""
    case = case_or_404(public_id)
    require(current_user, "cases.screen", case)
    return render_screening(case)


@bp.post("/cases/<public_id>/screening/start")
@login_required
def screening_start(public_id: str) -> Any:
    """A case manager takes up the referral."""
    return _act(public_id, "start", services.start_screening,
                lambda c: _("You are screening case %(ref)s.", ref=c.reference),
                page=render_screening, with_form=False, target="cases.screening")


@bp.post("/cases/<public_id>/screening/override")
@login_required
def screening_override(public_id: str) -> Any:
    """Override a failed rule, with the reason recorded."""
    rule = request.form.get("rule", "")
    title = str(RULE_TITLES.get(rule, rule))
    return _act(public_id, f"override-{rule}", _override,
                lambda c: _("The rule “%(rule)s” is overridden.", rule=title),
                page=render_screening, target="cases.screening")


def _override(session: Any, actor: Any, case: Case, form: dict[str, Any]) -> None:
    if form.get("rule") not in RULE_TITLES:  # not a rule of the page: there is no field to show it by
        require(actor, "cases.screen", case)
        raise ValidationFailed(_("Choose the rule to override from the list."))
    services.override_rule(session, actor, case, form)


@bp.post("/cases/<public_id>/screening/accept")
@login_required
def screening_accept(public_id: str) -> Any:
    """Accept the referral: the case opens, its clock starts, the customer is invited."""
    accept = partial(
        _accept, base_url=settings().base_url,
        invitation_days=int(g.tenant.policy.get("invitation_days", settings().invitation_days)),
    )
    return _act(public_id, "accept", accept,
                lambda c: _("Case %(ref)s is open and the customer is invited to it. Assign a mediator next.",
                            ref=c.reference),
                page=render_screening, with_form=False)


def _accept(session: Any, actor: Any, case: Case, *, base_url: str, invitation_days: int) -> None:
    services.accept(session, actor, case, base_url=base_url, invitation_days=invitation_days)


@bp.post("/cases/<public_id>/screening/reject")
@login_required
def screening_reject(public_id: str) -> Any:
    """Decline the referral with a reason that the customer and the insurer see."""
    return _act(public_id, "reject", services.reject,
                lambda c: _("Case %(ref)s is not accepted; the customer and the insurer are told why.",
                            ref=c.reference),
                page=render_screening)


# Assignment -----------------------------------------------------------------------------------------


def _assign(session: Any, actor: Any, case: Case, form: dict[str, Any]) -> None:
    try:
        mediator = UUID(form.get("mediator_id", ""))
    except ValueError:
        mediator = None
    services.assign_mediator(session, actor, case, mediator)


@bp.post("/cases/<public_id>/mediator")
@login_required
def assign_mediator(public_id: str) -> Any:
    """Assign or change the mediator."""
    return _act(public_id, "assign", _assign,
                lambda c: _("%(name)s is the mediator of case %(ref)s and has been told.",
                            name=c.mediator.full_name if c.mediator else "", ref=c.reference))


# The clock and escalation ---------------------------------------------------------------------------
# The deadline services check who may do this and that a reason is given.


def _pause(session: Any, actor: Any, case: Case, form: dict[str, Any]) -> None:
    deadlines.pause_clock(session, actor, case, form.get("reason", ""))


def _resume(session: Any, actor: Any, case: Case, form: dict[str, Any]) -> None:
    deadlines.resume_clock(session, actor, case)


def _extend(session: Any, actor: Any, case: Case, form: dict[str, Any]) -> None:
    deadlines.extend_clock(session, actor, case, form.get("reason", ""))


def _escalate(session: Any, actor: Any, case: Case, form: dict[str, Any]) -> None:
    deadlines.request_escalation(session, actor, case, form.get("reason", ""))


@bp.post("/cases/<public_id>/clock/pause")
@login_required
def clock_pause(public_id: str) -> Any:
    """Pause the regulatory clock with a reason."""
    return _act(public_id, "pause", _pause,
                lambda c: _("The time limit is paused. Both parties are told why."))


@bp.post("/cases/<public_id>/clock/resume")
@login_required
def clock_resume(public_id: str) -> Any:
    """Start the paused clock again."""
    return _act(public_id, "resume", _resume,
                lambda c: _("The time limit runs again. Both parties are told."))


@bp.post("/cases/<public_id>/clock/extend")
@login_required
def clock_extend(public_id: str) -> Any:
    """Extend the outcome limit once."""
    return _act(public_id, "extend", _extend,
                lambda c: _("The time limit is extended. Both parties are told why."))


@bp.post("/cases/<public_id>/escalation")
@login_required
def request_escalation(public_id: str) -> Any:
    """A party asks for the case to be escalated."""
    return _act(public_id, "escalate", _escalate,
                lambda c: _("Your request is recorded. The case is now at %(tier)s, and the case manager is told.",
                            tier=tier_label(c.tier)))


# The ending -----------------------------------------------------------------------------------------


@bp.post("/cases/<public_id>/withdraw")
@login_required
def withdraw(public_id: str) -> Any:
    """Withdraw the case, with a reason."""
    return _act(public_id, "withdraw", services.withdraw,
                lambda c: _("Case %(ref)s is withdrawn.", ref=c.reference))


def _not_settled(session: Any, actor: Any, case: Case, form: dict[str, Any]) -> None:
    services.record_outcome(session, actor, case, CaseState.NOT_SETTLED, form)


@bp.post("/cases/<public_id>/not-settled")
@login_required
def not_settled(public_id: str) -> Any:
    """Record that the mediation ended without an agreement."""
    return _act(public_id, "not_settled", _not_settled,
                lambda c: _("Case %(ref)s is recorded as not settled.", ref=c.reference))


@bp.post("/cases/<public_id>/close")
@login_required
def close(public_id: str) -> Response:
    """Close a case whose outcome is recorded."""
    return _act(public_id, "close", services.close,
                lambda c: _("Case %(ref)s is closed.", ref=c.reference), with_form=False)


# Representatives ------------------------------------------------------------------------------------
# The service checks who may manage them (staff, or the customer for their own side).


def _add_representative(session: Any, actor: Any, case: Case, form: dict[str, Any], *, base_url: str,
                        invitation_days: int) -> None:
    services.add_representative(session, actor, case, form, base_url=base_url, invitation_days=invitation_days)


@bp.post("/cases/<public_id>/representatives")
@login_required
def add_representative(public_id: str) -> Any:
    """Invite someone to act for a party; they get an e-mail with a link to the case."""
    name = request.form.get("representative-full_name", "").strip()
    add = partial(
        _add_representative, base_url=settings().base_url,
        invitation_days=int(g.tenant.policy.get("invitation_days", settings().invitation_days)),
    )
    return _act(public_id, "representative", add,
                lambda c: _("%(name)s is invited to act in case %(ref)s.", name=name, ref=c.reference))


@bp.post("/cases/<public_id>/representatives/<int:rep_id>/remove")
@login_required
def remove_representative(public_id: str, rep_id: int) -> Response:
    """End a representative's access to the case at once."""
    case = case_or_404(public_id)
    require(current_user, "cases.manage_representatives", case)
    rep = next((r for r in case.representatives if r.id == rep_id), None)
    if rep is None:
        abort(404)
    name = rep.full_name
    service_call(services.remove_representative, db.session, current_user, case, rep)
    flash(_("%(name)s no longer represents a party in case %(ref)s.", name=name, ref=case.reference), "success")
    return redirect(url_for("cases.show", public_id=case.public_id), code=303)
