"""Who may do what in the tenants domain, registered into the one ``can()``; default policy."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

from odr.platform.permissions import Rules
from odr.tenants.models import Role
from odr.tenants.policy_settings import Kind, Section, Setting

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


@RULES.rule("policy.view", description="See the tenant's policy: its deadlines, rules and limits")
def _policy_view(user: Any, target: Any) -> bool:
    return _role(user) in {Role.ADMIN, Role.CASE_MANAGER}


@RULES.rule("policy.manage", description="Change the tenant's policy")
def _policy_manage(user: Any, target: Any) -> bool:
    return _role(user) is Role.ADMIN


@RULES.rule("notifications.view", description="See one's own notifications")
def _notifications(user: Any, target: Any) -> bool:
    return True


def policy_section() -> Section:
    """The tenants domain's settings on the policy page: invitations and case references."""
    return Section(
        key="general", order=10, title=_l("Invitations and references"),
        description=_l("How long an invitation stays valid, and how new case references begin."),
        settings=(
            Setting("invitation_days", _l("An invitation is valid for"),
                    _l("After this, the link in an invitation e-mail stops working and a new one must be sent."),
                    Kind.DAYS, DEFAULT_POLICY["invitation_days"], 1, 60),
            Setting("case_reference_prefix", _l("Case references begin with"),
                    _l("New cases get references like MED-2026-00042; cases already referred keep theirs."),
                    Kind.CODE, DEFAULT_POLICY["case_reference_prefix"], 2, 6),
        ),
    )
