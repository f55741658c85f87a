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


policy_cli = AppGroup("policy", help="See and change a tenant's policy (deadlines, rules, limits).")


def _tenant(slug: str) -> Tenant:
    tenant = db.session.scalar(select(Tenant).where(Tenant.slug == slug))
    if tenant is None:
        raise click.ClickException(f"No tenant at {slug!r}; see `odr tenant create`.")
    set_tenant(db.session, tenant.id)
    return tenant


@policy_cli.command("show")
@click.option("--tenant", "slug", required=True, help="The tenant's slug")
def policy_show(slug: str) -> None:
    """Print every setting: its path, value and default."""
    from odr.tenants.policy_settings import sections

    tenant = _tenant(slug)
    for section in sections():
        click.echo(f"# {section.title}")
        for setting in section.settings:
            value = setting.value(tenant.policy or {})
            mark = "" if value == setting.default else "  (changed)"
            click.echo(f"{setting.path} = {setting.form_value(value)}  [{setting.shown(value)}; "
                       f"default {setting.shown(setting.default)}]{mark}")


@policy_cli.command("set")
@click.option("--tenant", "slug", required=True, help="The tenant's slug")
@click.option("--recompute", is_flag=True, help="Move the open deadlines to the new values")
@click.argument("assignments", nargs=-1, required=True, metavar="PATH=VALUE...")
def policy_set(slug: str, recompute: bool, assignments: tuple[str, ...]) -> None:
    """Change settings, checked as the policy page checks them, and record the change.

    A value is as the page takes it: deadlines.reminder_days=5,1; documents.max_bytes=20 (MB);
    an amount in major units; a switch as on or off; kinds of file separated by commas.
    """
    from odr.tenants.policy_changes import set_from_text

    tenant = _tenant(slug)
    pairs: dict[str, str] = {}
    for item in assignments:
        path, sep, value = item.partition("=")
        if not sep:
            raise click.ClickException(f"{item!r}: write PATH=VALUE, e.g. deadlines.response_days=21")
        pairs[path.strip()] = value.strip()
    try:
        saved = set_from_text(db.session, None, tenant, pairs, recompute=recompute)
    except ValidationFailed as error:
        fail(error)
    db.session.commit()
    if not saved.changes:
        click.echo("Nothing was changed.")
        return
    for change in saved.changes:
        click.echo(f"{change.setting.path}: {change.setting.shown(change.old)} -> {change.setting.shown(change.new)}")
    click.echo(f"Open deadlines moved: {saved.moved}" if recompute else "Open deadlines keep their dates.")
