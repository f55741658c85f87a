"""The tenant admin's pages: users, invitations and insurer organisations."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from uuid import UUID

from flask import flash, g, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy import select
from werkzeug.wrappers import Response

from odr.platform.errors import NotFound, ValidationFailed
from odr.platform.extensions import db
from odr.platform.handlers import render_form, service_call, settings
from odr.platform.permissions import can, require
from odr.platform.schemas import clean_form, load
from odr.tenants import accounts, services
from odr.tenants import organisations as insurers
from odr.tenants.models import Invitation, InvitationPurpose, Organisation, Role, User
from odr.tenants.schemas import ASSIGNABLE_ROLES, InvitationSchema, OrganisationSchema, UserUpdateSchema
from odr.tenants.web import bp, role_label


def _by_public_id(model: Any, public_id: str) -> Any:
    """The tenant's record with this public id; a malformed or foreign id is not found."""
    try:
        key = UUID(public_id)
    except ValueError:
        raise NotFound(_("We could not find that.")) from None
    record = db.session.scalar(select(model).where(model.public_id == key))
    if record is None:
        raise NotFound(_("We could not find that."))
    return record


def _organisations() -> list[Organisation]:
    return list(db.session.scalars(select(Organisation).order_by(Organisation.name)))


# The administration hub ----------------------------------------------------------------------

ADMIN_PAGES = [
    # (permission, endpoint, title, what it is for); a capability adds its own with ``add_admin_page``
    ("users.list", "tenants.users", _l("Users"), _l("Everyone who can sign in: change a role, disable an account, "
                                                   "require two-step verification.")),
    ("invitations.manage", "tenants.invitations", _l("Invitations"), _l("Invite staff and insurer agents, resend "
                                                                       "or withdraw an invitation.")),
    ("organisations.list", "tenants.organisations", _l("Insurers"), _l("The insurers that refer cases, with their "
                                                                      "contacts and reference prefixes.")),
    ("policy.view", "tenants.policy", _l("Policy"), _l("Deadlines, eligibility rules, document limits and "
                                                      "reminders, with every change recorded.")),
    ("templates.manage", "tenants.email_templates", _l("E-mails"), _l("The wording of the e-mails people "
                                                                     "receive.")),
]


def add_admin_page(permission: str, endpoint: str, title: Any, text: Any) -> None:
    """List a capability's administration page on the hub (once, at registration)."""
    if all(page[1] != endpoint for page in ADMIN_PAGES):
        ADMIN_PAGES.append((permission, endpoint, title, text))


def admin_pages(user: Any) -> list[tuple[str, Any, Any]]:
    """The administration pages ``user`` may open: (endpoint, title, description)."""
    return [(endpoint, title, text) for permission, endpoint, title, text in ADMIN_PAGES if can(user, permission)]


@bp.get("/admin")
@login_required
def administration() -> Any:
    """The pages that run the tenant, each with what it is for."""
    pages = admin_pages(current_user)
    if not pages:
        raise NotFound(_("We could not find that."))
    return render_form("tenants/admin/index.html", pages=pages)


# Users ---------------------------------------------------------------------------------------


@bp.get("/admin/users")
@login_required
def users() -> Any:
    """Everyone in the tenant."""
    require(current_user, "users.list")
    rows = db.session.scalars(select(User).order_by(User.role, User.full_name)).all()
    return render_form("tenants/admin/users.html", users=rows)


@bp.post("/admin/users/<public_id>/active")
@login_required
def user_active(public_id: str) -> Response:
    """Disable or re-enable a user."""
    user = _by_public_id(User, public_id)
    active = request.form.get("active") == "1"
    try:
        service_call(accounts.set_user_active, db.session, current_user, user, active)
    except ValidationFailed as error:
        flash(error.message, "error")
    else:
        flash(_("%(name)s can sign in again.", name=user.full_name) if active
              else _("%(name)s is disabled and signed out everywhere.", name=user.full_name), "success")
    return redirect(url_for("tenants.users"), code=303)


def _user_edit_page(user: User, form: dict[str, Any], **context: Any) -> Any:
    roles = [user.role] if user.role is Role.CUSTOMER else ASSIGNABLE_ROLES
    return render_form(
        "tenants/admin/user_edit.html",
        user=user,
        form=form,
        role_options=[(role.value, role_label(role)) for role in roles],
        organisation_options=[(o.public_id, o.name) for o in _organisations()],
        **context,
    )


@bp.get("/admin/users/<public_id>")
@login_required
def user_edit(public_id: str) -> Any:
    """The form to change a user's name, role and organisation."""
    user = managed_user(public_id)
    organisation = user.organisation
    current = {"full_name": user.full_name, "role": user.role.value,
               "organisation_id": str(organisation.public_id) if organisation else ""}
    return _user_edit_page(user, current)


def managed_user(public_id: str) -> User:
    """The tenant's user with this public id, whom the signed-in admin may manage."""
    user = _by_public_id(User, public_id)
    require(current_user, "users.manage", user)
    return user


@bp.post("/admin/users/<public_id>")
@login_required
def user_update(public_id: str) -> Any:
    """Save a user's new name, role and organisation."""
    user = managed_user(public_id)
    form = clean_form(request.form.to_dict())
    try:
        changes = service_call(accounts.update_user, db.session, current_user, user,
                               load(UserUpdateSchema(), form))
    except ValidationFailed as error:
        return _user_edit_page(user, form, error=error)
    flash(_("The changes to %(name)s are saved.", name=user.full_name) if changes
          else _("Nothing was changed."), "success")
    return redirect(url_for("tenants.users"), code=303)


# Invitations ---------------------------------------------------------------------------------


def _invitation_page(**context: Any) -> Any:
    rows = db.session.scalars(
        select(Invitation)
        .where(Invitation.purpose == InvitationPurpose.INVITE)
        .order_by(Invitation.created_at.desc())
        .limit(200)
    ).all()
    context.setdefault("form", {})
    # Someone who has an account already is not invited again (the service would refuse it).
    members = set(db.session.scalars(select(User.email).where(User.email.in_({row.email for row in rows}))))
    return render_form(
        "tenants/admin/invitations.html",
        invitations=rows,
        members=members,
        role_options=[(role.value, role_label(role)) for role in Role],
        organisation_options=[(o.public_id, o.name) for o in _organisations()],
        **context,
    )


@bp.get("/admin/invitations")
@login_required
def invitations() -> Any:
    """Pending and past invitations, and the form to invite someone."""
    require(current_user, "invitations.manage")
    return _invitation_page(form={"role": request.args.get("role", "")})


@bp.post("/admin/invitations")
@login_required
def invitation_create() -> Any:
    """Invite someone by e-mail."""
    # Checked before the form: a refused form re-renders the page with every invitation on it.
    require(current_user, "invitations.manage")
    form = clean_form(request.form.to_dict())
    try:
        invitation, _token = service_call(
            services.create_invitation,
            db.session,
            current_user,
            services.load_invitation(db.session, current_user, form),
            base_url=settings().base_url,
            lifetime=timedelta(days=g.tenant.policy.get("invitation_days", settings().invitation_days)),
        )
    except ValidationFailed as error:
        return _invitation_page(error=error, form=form)
    flash(_("Invitation sent to %(email)s.", email=invitation.email), "success")
    return redirect(url_for("tenants.invitations"), code=303)


@bp.post("/admin/invitations/<public_id>/revoke")
@login_required
def invitation_revoke(public_id: str) -> Response:
    """Withdraw a pending invitation."""
    invitation = _by_public_id(Invitation, public_id)
    try:
        service_call(services.revoke_invitation, db.session, current_user, invitation)
    except ValidationFailed as error:
        flash(error.message, "error")
    else:
        flash(_("The invitation to %(email)s is withdrawn.", email=invitation.email), "success")
    return redirect(url_for("tenants.invitations"), code=303)


@bp.post("/admin/invitations/<public_id>/resend")
@login_required
def invitation_resend(public_id: str) -> Response:
    """Send a fresh invitation to the same person (the old link stops working)."""
    old = _by_public_id(Invitation, public_id)
    require(current_user, "invitations.manage", old)
    data = {
        "email": old.email,
        "full_name": old.full_name,
        "role": old.role.value,
        "organisation_id": str(old.organisation.public_id) if old.organisation else None,
    }
    try:
        service_call(
            services.create_invitation,
            db.session,
            current_user,
            load(InvitationSchema(), data),
            base_url=settings().base_url,
            lifetime=timedelta(days=g.tenant.policy.get("invitation_days", settings().invitation_days)),
            next_path=old.next_path,
        )
    except ValidationFailed as error:
        flash(error.message + " " + " ".join(m for ms in error.fields.values() for m in ms), "error")
    else:
        flash(_("A new invitation is on its way to %(email)s.", email=old.email), "success")
    return redirect(url_for("tenants.invitations"), code=303)


# Organisations -------------------------------------------------------------------------------


@bp.get("/admin/organisations")
@login_required
def organisations() -> Any:
    """The insurers registered with the tenant."""
    require(current_user, "organisations.list")
    return render_form("tenants/admin/organisations.html", organisations=_organisations(), form={})


@bp.post("/admin/organisations")
@login_required
def organisation_create() -> Any:
    """Register an insurer."""
    # Checked before the form, as the service checks it before its input.
    require(current_user, "organisations.manage")
    form = clean_form(request.form.to_dict())
    try:
        organisation = service_call(
            insurers.create_organisation, db.session, current_user, load(OrganisationSchema(), form)
        )
    except ValidationFailed as error:
        return render_form(
            "tenants/admin/organisations.html", error=error, organisations=_organisations(), form=form
        )
    flash(_("%(name)s is registered.", name=organisation.name), "success")
    return redirect(url_for("tenants.organisations"), code=303)


@bp.route("/admin/organisations/<public_id>", methods=["GET", "POST"])
@login_required
def organisation_edit(public_id: str) -> Any:
    """Change an insurer's details."""
    organisation = _by_public_id(Organisation, public_id)
    require(current_user, "organisations.manage", organisation)
    if request.method == "GET":
        form = {
            "name": organisation.name,
            "contact_email": organisation.contact_email or "",
            "reference_prefix": organisation.reference_prefix or "",
        }
        return render_form("tenants/admin/organisation_edit.html", organisation=organisation, form=form)
    form = clean_form(request.form.to_dict())
    try:
        service_call(insurers.update_organisation, db.session, current_user, organisation, form)
    except ValidationFailed as error:
        return render_form(
            "tenants/admin/organisation_edit.html", error=error, organisation=organisation, form=form
        )
    flash(_("The changes are saved."), "success")
    return redirect(url_for("tenants.organisations"), code=303)
