"""The front door: where someone lands without their provider's address."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template
from sqlalchemy import select

from odr.platform.extensions import db
from odr.tenants.models import Tenant

bp = Blueprint("front_door", __name__, template_folder="templates")


@bp.get("/")
def front_door() -> str:
    """The front door; outside production it lists the tenants (the demo's among them)."""
    tenants: list[Tenant] = []
    if not current_app.config["ODR"].production:
        tenants = list(db.session.scalars(select(Tenant).where(Tenant.is_active.is_(True)).order_by(Tenant.name)))
    return render_template("front_door.html", tenants=tenants)
