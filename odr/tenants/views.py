"""The tenant's pages: the dashboard; sign-in and administration live in sibling modules."""

from __future__ import annotations

from flask import g, render_template
from flask_login import current_user, login_required
from sqlalchemy import func, select

from odr.platform.db import utcnow
from odr.platform.extensions import db
from odr.platform.permissions import require
from odr.tenants import (  # noqa: F401 - they add their routes to bp
    admin_views,
    auth_views,
    policy_views,
    profile_views,
    second_factor_views,
    session_views,
)
from odr.tenants.models import Invitation, InvitationPurpose, Organisation, Role, User
from odr.tenants.web import bp

__all__ = ["bp"]


@bp.get("/")
@login_required
def dashboard() -> str:
    """Each role's start page."""
    require(current_user, "dashboard.view")
    context: dict[str, object] = {}
    if current_user.role is Role.ADMIN:
        tenant_id = g.tenant.id
        context["counts"] = {
            "users": db.session.scalar(select(func.count(User.id)).where(User.tenant_id == tenant_id)),
            "organisations": db.session.scalar(
                select(func.count(Organisation.id)).where(Organisation.tenant_id == tenant_id)
            ),
            "invitations": db.session.scalar(
                select(func.count(Invitation.id)).where(
                    Invitation.tenant_id == tenant_id,
                    Invitation.purpose == InvitationPurpose.INVITE,
                    Invitation.used_at.is_(None),
                    Invitation.revoked_at.is_(None),
                    Invitation.expires_at > utcnow(),
                )
            ),
        }
    # The cases panel comes from the ``dashboard_cases()`` template global that the cases
    # domain registers (docs/decisions.md); this package does not read cases itself.
    return render_template(f"tenants/dashboard/{current_user.role.value}.html", **context)
