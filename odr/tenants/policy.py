"""Who may do what in the tenants domain, registered into the one ``can()``; default policy."""

from __future__ import annotations

from typing import Any

from odr.platform.permissions import Rules
from odr.tenants.models import Role

RULES = Rules()

# The tenant's policy document: its defaults. Later capabilities add their keys here.
DEFAULT_POLICY: dict[str, Any] = {
    "invitation_days": 7,
    "case_reference_prefix": "MED",
    "room_digest_minutes": 15,
}


def _role(user: Any) -> Role:
    return Role(user.role)


@RULES.rule("dashboard.view", description="See one's own dashboard in one's tenant")
def _dashboard(user: Any, target: Any) -> bool:
    return True


@RULES.rule("users.list", description="List the tenant's users")
def _users_list(user: Any, target: Any) -> bool:
    return _role(user) is Role.ADMIN


@RULES.rule("users.manage", target="user", description="Change a user's name and role, disable or re-enable them")
def _users_manage(user: Any, target: Any) -> bool:
    return _role(user) is Role.ADMIN


@RULES.rule("profile.edit", description="Change one's own name and language, sign out elsewhere")
def _profile(user: Any, target: Any) -> bool:
    return True


@RULES.rule("profile.password", description="Change one's own password and second factor (staff and agents)")
def _profile_password(user: Any, target: Any) -> bool:
    return _role(user).needs_password


@RULES.rule("invitations.manage", target="invitation", description="Invite staff and agents, withdraw invitations")
def _invitations(user: Any, target: Any) -> bool:
    return _role(user) is Role.ADMIN


@RULES.rule("invitations.invite_customer", description="Invite a customer")
def _invite_customer(user: Any, target: Any) -> bool:
    return _role(user) in {Role.ADMIN, Role.CASE_MANAGER}


@RULES.rule("organisations.manage", target="organisation", description="Register and edit insurer organisations")
def _organisations(user: Any, target: Any) -> bool:
    return _role(user) is Role.ADMIN


@RULES.rule("organisations.list", description="See the tenant's insurer organisations")
def _organisations_list(user: Any, target: Any) -> bool:
    return _role(user) in {Role.ADMIN, Role.CASE_MANAGER}


@RULES.rule("templates.manage", description="Edit the tenant's e-mail templates")
def _templates(user: Any, target: Any) -> bool:
    return _role(user) is Role.ADMIN


@RULES.rule("notifications.view", description="See one's own notifications")
def _notifications(user: Any, target: Any) -> bool:
    return True
