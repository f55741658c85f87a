"""Operator commands: ``odr tenant create``, ``odr user create``."""

from __future__ import annotations

import click
from flask.cli import AppGroup
from sqlalchemy import select

from odr.platform.errors import ValidationFailed
from odr.platform.extensions import db
from odr.platform.tenancy import set_tenant
from odr.tenants import services
from odr.tenants.models import Tenant

tenant_cli = AppGroup("tenant", help="Manage tenants (ADR providers).")
user_cli = AppGroup("user", help="Manage users.")


def fail(error: ValidationFailed) -> None:
    """Print a refused command's field messages and exit with status 2."""
    db.session.rollback()
    lines = [error.message] + [f"  {field}: {' '.join(map(str, msgs))}" for field, msgs in error.fields.items()]
    raise click.ClickException("\n".join(lines))


@tenant_cli.command("create")
@click.option("--slug", required=True, help="The address part: /t/<slug>/")
@click.option("--name", required=True)
@click.option("--time-zone", default="Europe/London", show_default=True)
@click.option("--locale", "default_locale", default="en", show_default=True)
def tenant_create(slug: str, name: str, time_zone: str, default_locale: str) -> None:
    """Create a tenant."""
    try:
        tenant = services.create_tenant(
            db.session, {"slug": slug, "name": name, "time_zone": time_zone, "default_locale": default_locale}
        )
    except ValidationFailed as error:
        fail(error)
    db.session.commit()
    click.echo(f"Created tenant {tenant.name} at /t/{tenant.slug}/")


@user_cli.command("create")
@click.option("--tenant", "slug", required=True, help="The tenant's slug")
@click.option("--email", required=True)
@click.option("--name", "full_name", required=True)
@click.option(
    "--role", required=True, type=click.Choice(["admin", "case_manager", "mediator", "insurer_agent", "customer"])
)
@click.option("--organisation", default=None, help="The insurer's name (insurer agents)")
@click.option("--password", default=None, help="Prompted for when omitted (not for customers)")
def user_create(
    slug: str, email: str, full_name: str, role: str, organisation: str | None, password: str | None
) -> None:
    """Create a user directly, without an invitation."""
    tenant = db.session.scalar(select(Tenant).where(Tenant.slug == slug))
    if tenant is None:
        raise click.ClickException(f"No tenant at {slug!r}; see `odr tenant create`.")
    set_tenant(db.session, tenant.id)
    if password is None and role != "customer":
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    data = {"email": email, "full_name": full_name, "role": role, "organisation": organisation, "password": password}
    try:
        user = services.create_user(db.session, tenant, data)
    except ValidationFailed as error:
        fail(error)
    db.session.commit()
    click.echo(f"Created {user.role.value} {user.email} in {tenant.slug}")
