"""The tenant's web area: every page and API route under ``/t/<slug>`` runs in its tenant."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from flask import Blueprint, abort, g, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from odr.platform.errors import NotFound
from odr.platform.extensions import db
from odr.platform.permissions import can
from odr.platform.tenancy import set_tenant
from odr.tenants.models import Role, Tenant
from odr.tenants.services import tenant_by_slug

bp = Blueprint("tenants", __name__, url_prefix="/t/<slug>", template_folder="templates")

ROLE_LABELS = {
    Role.ADMIN: _l("Administrator"),
    Role.CASE_MANAGER: _l("Case manager"),
    Role.MEDIATOR: _l("Mediator"),
    Role.INSURER_AGENT: _l("Insurer agent"),
    Role.CUSTOMER: _l("Customer"),
}


def role_label(role: Role | str) -> str:
    """The role's name in the reader's language."""
    return str(ROLE_LABELS[Role(role)])


def enter_tenant(endpoint: str | None, values: dict[str, Any] | None) -> None:
    """Load the tenant named in the URL (404 if unknown) and scope the session to it."""
    slug = (values or {}).pop("slug", None)
    if slug is None:
        return
    try:
        tenant = tenant_by_slug(db.session, slug)
    except NotFound:
        abort(404)
    g.tenant = tenant
    set_tenant(db.session, tenant.id)


def add_slug(endpoint: str, values: dict[str, Any]) -> None:
    """``url_for`` inside a tenant fills in its slug."""
    tenant: Tenant | None = g.get("tenant")
    if tenant is not None and "slug" not in values:
        values["slug"] = tenant.slug


bp.url_value_preprocessor(enter_tenant)
bp.url_defaults(add_slug)

_TENANT_PATH = re.compile(r"^/t/([a-z0-9-]+)(?:/|$)")


@bp.before_app_request
def _enter_tenant_of_unrouted_path() -> None:
    """A request under ``/t/<slug>/`` that matched no route (a GET of a form's POST-only address, a
    mistyped link) still runs in its tenant, so its error page shows the tenant's name and layout."""
    if request.routing_exception is None or g.get("tenant") is not None:
        return
    match = _TENANT_PATH.match(request.path)
    if match is None:
        return
    try:
        tenant = tenant_by_slug(db.session, match[1])
    except NotFound:
        return
    g.tenant = tenant
    set_tenant(db.session, tenant.id)


@bp.app_context_processor
def _template_helpers() -> dict[str, Any]:
    return {"role_label": role_label, "can": lambda action, target=None: can(current_user, action, target)}


# Where a person starts after signing in when no page was asked for: a domain may know better than
# the dashboard (a customer whose case is in mediation starts in its room).
_LANDINGS: list[Callable[[Any], str | None]] = []


def register_landing(landing: Callable[[Any], str | None]) -> None:
    """Add a rule for where a user starts; the first that answers wins, else the dashboard."""
    _LANDINGS.append(landing)


def landing_for(user: Any, asked: str) -> str:
    """Where ``user`` goes after signing in: ``asked``, unless that is just the dashboard."""
    if asked != url_for("tenants.dashboard"):
        return asked
    for landing in _LANDINGS:
        if path := landing(user):
            return path
    return asked
