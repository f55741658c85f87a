"""The tenants domain's REST API (cookie sessions with a CSRF header; token clients come later)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from uuid import UUID

from flask import g
from flask.views import MethodView
from flask_login import current_user, login_required
from flask_smorest import Blueprint
from sqlalchemy import select

from odr.platform.extensions import db
from odr.platform.handlers import service_call, settings
from odr.platform.permissions import require
from odr.tenants import accounts, services
from odr.tenants import organisations as insurers
from odr.tenants.models import Invitation, InvitationPurpose, Organisation, User
from odr.tenants.schemas import (
    InvitationOut,
    InvitationSchema,
    OrganisationOut,
    OrganisationSchema,
    UserOut,
    UserUpdateSchema,
)
from odr.tenants.web import add_slug, enter_tenant

blp = Blueprint(
    "tenants_api",
    __name__,
    url_prefix="/api/v1/t/<slug>",
    description="The signed-in user, the tenant's users, invitations and insurer organisations.",
)
blp.url_value_preprocessor(enter_tenant)
blp.url_defaults(add_slug)


@blp.route("/me")
class Me(MethodView):
    """The signed-in user."""

    decorators = [login_required]

    @blp.response(200, UserOut)
    def get(self) -> User:
        """Who am I?"""
        return current_user._get_current_object()


@blp.route("/users")
class Users(MethodView):
    """The tenant's users."""

    decorators = [login_required]

    @blp.response(200, UserOut(many=True))
    def get(self) -> list[User]:
        """List every user of the tenant."""
        require(current_user, "users.list")
        return list(db.session.scalars(select(User).order_by(User.full_name)))


@blp.route("/users/<uuid:user_id>")
class UserItem(MethodView):
    """One user of the tenant."""

    decorators = [login_required]

    @blp.response(200, UserOut)
    def get(self, user_id: UUID) -> User:
        """One user."""
        user = accounts.user_by_public_id(db.session, g.tenant.id, user_id)
        require(current_user, "users.list")
        return user

    @blp.arguments(UserUpdateSchema, location="json")
    @blp.response(200, UserOut)
    def put(self, values: dict[str, Any], user_id: UUID) -> User:
        """Change a user's name, role and organisation (an insurer agent needs one; the last
        administrator stays one)."""
        user = accounts.user_by_public_id(db.session, g.tenant.id, user_id)
        service_call(accounts.update_user, db.session, current_user, user, values)
        return user


@blp.route("/organisations")
class Organisations(MethodView):
    """Insurer organisations."""

    decorators = [login_required]

    @blp.response(200, OrganisationOut(many=True))
    def get(self) -> list[Organisation]:
        """List the insurers registered with the tenant."""
        require(current_user, "organisations.list")
        return list(db.session.scalars(select(Organisation).order_by(Organisation.name)))

    @blp.arguments(OrganisationSchema, location="json")
    @blp.response(201, OrganisationOut)
    def post(self, values: dict[str, Any]) -> Organisation:
        """Register an insurer."""
        return service_call(insurers.create_organisation, db.session, current_user, values)


@blp.route("/invitations")
class Invitations(MethodView):
    """Invitations to join the tenant."""

    decorators = [login_required]

    @blp.response(200, InvitationOut(many=True))
    def get(self) -> list[Invitation]:
        """The latest invitations, newest first."""
        require(current_user, "invitations.manage")
        return list(
            db.session.scalars(
                select(Invitation)
                .where(Invitation.purpose == InvitationPurpose.INVITE)
                .order_by(Invitation.created_at.desc())
                .limit(200)
            )
        )

    @blp.arguments(InvitationSchema, location="json")
    @blp.response(201, InvitationOut)
    def post(self, values: dict[str, Any]) -> Invitation:
        """Invite someone by e-mail; the link goes to them, never into the response."""
        invitation, _token = service_call(
            services.create_invitation,
            db.session,
            current_user,
            values,
            base_url=settings().base_url,
            lifetime=timedelta(days=g.tenant.policy.get("invitation_days", settings().invitation_days)),
        )
        return invitation
