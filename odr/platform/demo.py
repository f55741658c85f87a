"""``odr demo``: a tenant with one user of each role, safe to run again and again."""

from __future__ import annotations

from datetime import timedelta

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select

from odr.platform.extensions import db
from odr.platform.tenancy import set_tenant
from odr.tenants import services
from odr.tenants.models import Organisation, Role, Tenant, User

TENANT = {"slug": "harbour", "name": "Harbour Mediation", "time_zone": "Europe/London"}
INSURER = "Northwind Insurance"
PASSWORD = "harbour-demo-2026"  # noqa: S105 - printed for the demo, never used in production
PEOPLE = [
    ("admin@harbour.example", "Ada Admin", Role.ADMIN),
    ("cases@harbour.example", "Cai Casemanager", Role.CASE_MANAGER),
    ("mediator@harbour.example", "Mira Mediator", Role.MEDIATOR),
    ("agent@northwind.example", "Nils Northwind", Role.INSURER_AGENT),
]
CUSTOMER = ("customer@example.com", "Chris Customer")


@click.command()
@with_appcontext
def demo() -> None:
    """Load demo data (idempotent) and print how to sign in."""
    settings = current_app.config["ODR"]
    session = db.session
    tenant = session.scalar(select(Tenant).where(Tenant.slug == TENANT["slug"]))
    if tenant is None:
        tenant = services.create_tenant(session, TENANT)
    set_tenant(session, tenant.id)
    if session.scalar(select(Organisation).where(Organisation.name == INSURER)) is None:
        session.add(Organisation(tenant_id=tenant.id, name=INSURER, contact_email="complaints@northwind.example",
                                 reference_prefix="NW"))
        session.flush()
    for email, name, role in PEOPLE:
        if session.scalar(select(User).where(User.email == email)) is None:
            services.create_user(session, tenant, {
                "email": email, "full_name": name, "role": role.value, "password": PASSWORD,
                "organisation": INSURER if role is Role.INSURER_AGENT else None,
            })
    admin = session.scalar(select(User).where(User.email == PEOPLE[0][0]))
    link = None
    if session.scalar(select(User).where(User.email == CUSTOMER[0])) is None:
        _invitation, token = services.invite(
            session, admin, {"email": CUSTOMER[0], "full_name": CUSTOMER[1], "role": "customer"},
            base_url=settings.base_url, lifetime=timedelta(days=settings.invitation_days),
        )
        link = services.invitation_url(settings.base_url, tenant, token)
    session.commit()

    base = settings.base_url.rstrip("/")
    click.echo(f"\n{tenant.name}: {base}/t/{tenant.slug}/")
    click.echo(f"Sign in at {base}/t/{tenant.slug}/sign-in with password {PASSWORD!r}:")
    for email, _name, role in PEOPLE:
        click.echo(f"  {role.value:<14} {email}")
    if link:
        click.echo(f"  customer       {CUSTOMER[0]}: no password; open the invitation link\n    {link}")
    else:
        click.echo(f"  customer       {CUSTOMER[0]}: ask for a sign-in link at {base}/t/{tenant.slug}/sign-in-link "
                   "(the e-mail is written to the log)")
