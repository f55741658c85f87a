"""Use cases of cases: refer, screen, open, reject, assign, withdraw, close. They flush, never commit."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from odr.mediation.cases import kinds, references, rules
from odr.mediation.cases.schemas import OverrideSchema, ReasonSchema, ReferralSchema, RepresentativeSchema
from odr.mediation.core.events import STAFF, append_event
from odr.mediation.core.lifecycle import move
from odr.mediation.core.models import Case, EscalationStep, Representative, Side
from odr.mediation.core.states import ACTIVE, CaseState
from odr.mediation.deadlines import services as deadlines
from odr.platform import calendar as clock
from odr.platform.db import utcnow
from odr.platform.errors import Conflict, ValidationFailed
from odr.platform.i18n import _m
from odr.platform.permissions import require
from odr.platform.schemas import load
from odr.tenants import services as tenant_services
from odr.tenants.models import Organisation, Role, Tenant, User
from odr.tenants.notifications.services import notify, send_templated


def _tenant(session: Session, actor: User) -> Tenant:
    return session.get(Tenant, actor.tenant_id)  # type: ignore[return-value]


# Referral -------------------------------------------------------------------------------------------


def refer(session: Session, actor: User, data: dict[str, Any], *, now: datetime | None = None) -> tuple[Case, bool]:
    """Refer a complaint; returns the case and whether it was created now (False: the same key again).

    :param data: the referral (see ``ReferralSchema``); an insurer agent refers for their own
        organisation, staff name the organisation with ``organisation_id``
    """
    require(actor, "cases.refer")
    values = _load_referral(actor, data)
    now = now or utcnow()
    tenant = _tenant(session, actor)
    organisation = _referring_organisation(session, actor, values.pop("organisation_id"))
    key = values.get("idempotency_key")
    if key:
        existing = session.scalar(select(Case).where(
            Case.tenant_id == tenant.id, Case.organisation_id == organisation.id, Case.idempotency_key == key))
        if existing is not None:
            return existing, False
    steps = values.pop("escalation_steps")
    duplicate_of = session.scalar(
        select(Case.id).where(
            Case.tenant_id == tenant.id,
            Case.policy_number == values["policy_number"],
            Case.complaint_date == values["complaint_date"],
        ).order_by(Case.id).limit(1)
    )
    case = Case(
        tenant_id=tenant.id,
        reference=references.next_reference(session, tenant, now),
        organisation_id=organisation.id,
        referred_by_id=actor.id,
        possible_duplicate_of_id=duplicate_of,
        referred_at=now,
        **values,
    )
    case.escalation_steps = [EscalationStep(tenant_id=tenant.id, **step) for step in steps]
    session.add(case)
    session.flush()
    append_event(session, case, kinds.REFERRED, actor=actor, payload={
        "organisation": organisation.name, "amount_minor": case.amount_minor, "currency": case.currency,
        "possible_duplicate": bool(duplicate_of)})
    deadlines.start_tier(session, case, 1, now)
    notify(session, tenant, deadlines.staff_for(session, case), kind=kinds.REFERRED,
           title=_m("New referral %(ref)s from %(insurer)s", ref=case.reference, insurer=organisation.name),
           link=deadlines.case_path(tenant, case))
    send_templated(session, tenant, case.customer_email, case.customer_name, case.customer_language,
                   "referral_received", {"case_reference": case.reference, "insurer_name": organisation.name})
    return case, True


def _load_referral(actor: User, data: dict[str, Any]) -> dict[str, Any]:
    """The referral's values; staff who name no insurer hear so with every other message at once."""
    try:
        return load(ReferralSchema(), data)
    except ValidationFailed as error:
        if actor.role is not Role.INSURER_AGENT and not data.get("organisation_id"):
            error.fields.setdefault("organisation_id", [str(_l("Choose the insurer."))])
        raise


def _referring_organisation(session: Session, actor: User, public_id: Any) -> Organisation:
    if actor.role is Role.INSURER_AGENT:
        if actor.organisation is None:
            raise ValidationFailed(str(_l("Your account has no insurer; ask your administrator.")))
        return actor.organisation
    if public_id is None:
        raise ValidationFailed.on_fields({"organisation_id": [str(_l("Choose the insurer."))]})
    organisation = session.scalar(select(Organisation).where(
        Organisation.public_id == public_id, Organisation.tenant_id == actor.tenant_id))
    if organisation is None:
        raise ValidationFailed.on_fields({"organisation_id": [str(_l("Choose the insurer."))]})
    return organisation


# Screening ------------------------------------------------------------------------------------------


def screening_results(session: Session, case: Case) -> list[rules.RuleResult]:
    """Each eligibility rule's verdict, with the overrides recorded on the case."""
    tenant = session.get(Tenant, case.tenant_id)
    assert tenant is not None
    results = rules.evaluate(case, tenant.policy, clock.local_date(case.referred_at, tenant.time_zone))
    overrides = case.screening.get("overrides", {})
    return [
        rules.RuleResult(r.rule, True, str(_l("Overridden: %(reason)s", reason=overrides[r.rule]["reason"])),
                         r.enabled) if not r.passed and r.rule in overrides else r
        for r in results
    ]


def start_screening(session: Session, actor: User, case: Case) -> None:
    """A case manager takes up a referral; it becomes theirs if it had no case manager."""
    require(actor, "cases.screen", case)
    move(session, case, CaseState.SCREENING, actor=actor)
    if case.case_manager_id is None and actor.role is Role.CASE_MANAGER:
        case.case_manager_id = actor.id
    session.flush()


def override_rule(session: Session, actor: User, case: Case, data: dict[str, Any]) -> None:
    """Override a failed rule with a recorded reason.

    :param data: rule (its key) and reason
    """
    require(actor, "cases.screen", case)
    values = load(OverrideSchema(), data)
    if case.state not in {CaseState.REFERRED, CaseState.SCREENING}:
        raise Conflict(str(_l("Only a referral being screened can have a rule overridden.")))
    failed = {r.rule for r in screening_results(session, case) if not r.passed}
    if values["rule"] not in failed:
        raise ValidationFailed.on_fields({"rule": [str(_l("Only a rule that failed can be overridden."))]})
    screening = dict(case.screening)
    screening["overrides"] = {**screening.get("overrides", {}), values["rule"]: {
        "reason": values["reason"], "by": actor.full_name, "at": utcnow().isoformat()}}
    case.screening = screening
    append_event(session, case, kinds.RULE_OVERRIDDEN, actor=actor, channel=STAFF,
                 payload={"rule": values["rule"], "reason": values["reason"]})


def accept(session: Session, actor: User, case: Case, *, base_url: str, invitation_days: int,
           now: datetime | None = None) -> None:
    """Open the case: every rule passed or overridden; the clock starts; the customer is invited."""
    require(actor, "cases.screen", case)
    now = now or utcnow()
    if case.state is CaseState.REFERRED:
        move(session, case, CaseState.SCREENING, actor=actor)
    failed = [r for r in screening_results(session, case) if not r.passed]
    if failed:
        raise ValidationFailed(str(_l("Rules still fail: %(rules)s. Override them with a reason, or reject.",
                                      rules=", ".join(r.title for r in failed))))
    case.screening = {**case.screening, "results": [
        {"rule": r.rule, "passed": r.passed, "reason": r.reason} for r in screening_results(session, case)]}
    move(session, case, CaseState.OPEN, actor=actor)
    if case.case_manager_id is None:
        case.case_manager_id = actor.id if actor.role is Role.CASE_MANAGER else None
    deadlines.start_tier(session, case, 2, now)
    deadlines.start_clock(session, case, now)
    _invite_customer(session, actor, case, base_url=base_url, invitation_days=invitation_days)


def _invite_customer(session: Session, actor: User, case: Case, *, base_url: str, invitation_days: int) -> None:
    tenant = _tenant(session, actor)
    path = deadlines.case_path(tenant, case)
    existing = session.scalar(select(User).where(User.tenant_id == tenant.id, User.email == case.customer_email))
    if existing is not None:
        if existing.role is not Role.CUSTOMER:
            raise ValidationFailed(str(_l("The customer's e-mail belongs to a staff or insurer account.")))
        case.customer_id = existing.id
        notify(session, tenant, [existing], kind="case.opened",
               title=_m("Your case %(ref)s is open", ref=case.reference), link=path)
        append_event(session, case, kinds.CUSTOMER_LINKED, actor=actor, channel=STAFF, payload={"user": existing.id})
        return
    invitation, token = tenant_services.invite(
        session, actor,
        {"email": case.customer_email, "full_name": case.customer_name, "role": "customer"},
        base_url=base_url, lifetime=timedelta(days=invitation_days), next_path=path, send_email=False,
    )
    send_templated(session, tenant, case.customer_email, case.customer_name, case.customer_language, "case_opened",
                   {"case_reference": case.reference, "link": tenant_services.invitation_url(base_url, tenant, token),
                    "mediator_name": case.mediator.full_name if case.mediator else ""})
    append_event(session, case, kinds.CUSTOMER_INVITED, actor=actor, channel=STAFF,
                 payload={"invitation": str(invitation.public_id)})


def link_customer(session: Session, user: User) -> int:
    """A customer joined: link them to the open cases referred with their e-mail (called on redemption)."""
    if user.role is not Role.CUSTOMER:
        return 0
    # Bulk UPDATEs: they move the cases' access_version themselves (the flush hook does not see them).
    result = session.execute(
        update(Case)
        .where(Case.tenant_id == user.tenant_id, Case.customer_email == user.email, Case.customer_id.is_(None))
        .values(customer_id=user.id, access_version=Case.access_version + 1)
        .execution_options(synchronize_session=False)
    )
    joining = (Representative.tenant_id == user.tenant_id, Representative.email == user.email,
               Representative.user_id.is_(None), Representative.removed_at.is_(None))
    session.execute(
        update(Case)
        .where(Case.id.in_(select(Representative.case_id).where(*joining)))
        .values(access_version=Case.access_version + 1)
        .execution_options(synchronize_session=False)
    )
    session.execute(
        update(Representative).where(*joining).values(user_id=user.id).execution_options(synchronize_session=False)
    )
    return result.rowcount or 0


def reject(session: Session, actor: User, case: Case, data: dict[str, Any]) -> None:
    """Decline a referral with a reason that the customer and the insurer see."""
    require(actor, "cases.screen", case)
    values = load(ReasonSchema(), data)
    if case.state is CaseState.REFERRED:
        move(session, case, CaseState.SCREENING, actor=actor)
    move(session, case, CaseState.REJECTED, actor=actor, reason=values["reason"])
    case.rejection_reason = values["reason"]
    tenant = _tenant(session, actor)
    parties = deadlines.party_users(session, case, "insurer") + deadlines.party_users(session, case, "customer")
    notify(session, tenant, parties, kind="case.rejected",
           title=_m("Case %(ref)s was not accepted", ref=case.reference), body=values["reason"],
           link=deadlines.case_path(tenant, case))
    if case.customer_id is None:
        send_templated(session, tenant, case.customer_email, case.customer_name, case.customer_language,
                       "rejection", {"case_reference": case.reference, "reason": values["reason"]})


# Assignment -----------------------------------------------------------------------------------------


def mediator_load(session: Session, tenant_id: int) -> list[tuple[User, int]]:
    """Every active mediator with the number of their open cases, least loaded first."""
    open_cases = (
        select(Case.mediator_id, func.count(Case.id).label("n"))
        .where(Case.tenant_id == tenant_id, Case.state.in_(list(ACTIVE)))
        .group_by(Case.mediator_id)
        .subquery()
    )
    rows = session.execute(
        select(User, func.coalesce(open_cases.c.n, 0))
        .outerjoin(open_cases, open_cases.c.mediator_id == User.id)
        .where(User.tenant_id == tenant_id, User.role == Role.MEDIATOR, User.is_active.is_(True))
        .order_by(func.coalesce(open_cases.c.n, 0), User.full_name)
    ).all()
    return [(user, int(n)) for user, n in rows]


def assign_mediator(session: Session, actor: User, case: Case, mediator_public_id: Any) -> User:
    """Assign (or change) the mediator of a case; both the old and the new one are told."""
    require(actor, "cases.assign", case)
    if case.state not in ACTIVE:
        raise Conflict(str(_l("A closed case cannot get a new mediator.")))
    mediator = session.scalar(select(User).where(
        User.public_id == mediator_public_id, User.tenant_id == case.tenant_id,
        User.role == Role.MEDIATOR, User.is_active.is_(True)))
    if mediator is None:
        raise ValidationFailed.on_fields({"mediator_id": [str(_l("Choose one of the mediators listed."))]})
    if case.mediator_id == mediator.id:
        raise Conflict(str(_l("%(name)s is already the mediator of this case; nothing was changed.",
                              name=mediator.full_name)))
    previous = case.mediator
    case.mediator_id = mediator.id
    session.flush()
    session.refresh(case, ["mediator"])
    append_event(session, case, kinds.MEDIATOR_ASSIGNED, actor=actor,
                 payload={"mediator": mediator.full_name, "previous": previous.full_name if previous else None},
                 live={"access_lost": [previous.id] if previous else []})
    tenant = _tenant(session, actor)
    notify(session, tenant, [mediator], kind="case.assigned",
           title=_m("You mediate case %(ref)s", ref=case.reference), link=deadlines.case_path(tenant, case))
    return mediator


# Ending ---------------------------------------------------------------------------------------------


def withdraw(session: Session, actor: User, case: Case, data: dict[str, Any]) -> None:
    """A party (or staff) withdraws the case, with a reason."""
    require(actor, "cases.withdraw", case)
    values = load(ReasonSchema(), data)
    move(session, case, CaseState.WITHDRAWN, actor=actor, reason=values["reason"])


def record_outcome(session: Session, actor: User, case: Case, outcome: CaseState, data: dict[str, Any]) -> None:
    """The mediation ended without settlement (``not_settled``); settlement comes from a signed agreement."""
    require(actor, "cases.close", case)
    values = load(ReasonSchema(), data)
    if outcome is not CaseState.NOT_SETTLED:
        raise Conflict(str(_l("A case is settled by a signed agreement, not by hand.")))
    move(session, case, outcome, actor=actor, reason=values["reason"])


def close(session: Session, actor: User, case: Case) -> None:
    """Close a case whose outcome is recorded."""
    require(actor, "cases.close", case)
    move(session, case, CaseState.CLOSED, actor=actor)


# Representatives --------------------------------------------------------------------------------------


def add_representative(session: Session, actor: User, case: Case, data: dict[str, Any], *, base_url: str,
                       invitation_days: int) -> Representative:
    """Invite someone to act for a party; they see and act for that side only.

    :param data: email, full_name, relationship, and side (staff only; a customer adds to their own side)
    """
    require(actor, "cases.manage_representatives", case)
    values = load(RepresentativeSchema(), data)
    side = Side.CUSTOMER if actor.role is Role.CUSTOMER else values["side"]
    if any(r.email == values["email"] for r in case.representatives):
        raise ValidationFailed.on_fields({"email": [str(_l("This person already represents a party of this case."))]})
    tenant = _tenant(session, actor)
    user = session.scalar(select(User).where(User.tenant_id == case.tenant_id, User.email == values["email"]))
    if user is not None and user.role is not Role.CUSTOMER:
        raise ValidationFailed.on_fields({"email": [str(_l("This address belongs to a staff or insurer account."))]})
    # One row per case and address: someone removed earlier and invited again is reactivated.
    rep = session.scalar(select(Representative).where(
        Representative.case_id == case.id, Representative.email == values["email"]))
    if rep is None:
        rep = Representative(tenant_id=case.tenant_id, case_id=case.id, email=values["email"])
        session.add(rep)
    rep.full_name, rep.side, rep.removed_at = values["full_name"], side, None
    rep.user_id = user.id if user else None
    rep.relationship_note, rep.added_by_id = values.get("relationship"), actor.id
    session.flush()
    path = deadlines.case_path(tenant, case)
    if user is None:
        tenant_services.invite(
            session, actor, {"email": values["email"], "full_name": values["full_name"], "role": "customer"},
            base_url=base_url, lifetime=timedelta(days=invitation_days), next_path=path,
            action="cases.manage_representatives", target=case,
        )
    else:
        notify(session, tenant, [user], kind=kinds.REPRESENTATIVE_ADDED,
               title=_m("You now represent a party in case %(ref)s", ref=case.reference), link=path)
    append_event(session, case, kinds.REPRESENTATIVE_ADDED, actor=actor,
                 payload={"name": values["full_name"], "side": side.value})
    session.expire(case, ["representatives"])
    return rep


def remove_representative(session: Session, actor: User, case: Case, rep: Representative) -> None:
    """End a representative's access at once."""
    require(actor, "cases.manage_representatives", case)
    rep.removed_at = utcnow()
    append_event(session, case, kinds.REPRESENTATIVE_REMOVED, actor=actor,
                 payload={"name": rep.full_name, "side": rep.side.value},
                 live={"access_lost": [rep.user_id] if rep.user_id else []})
    session.expire(case, ["representatives"])
