"""The kernel's command: ``odr audit verify``."""

from __future__ import annotations

import click
from flask.cli import AppGroup
from sqlalchemy import select

from odr.mediation.core.events import verify_chain
from odr.mediation.core.models import Case
from odr.platform.extensions import db
from odr.tenants.models import Tenant

audit_cli = AppGroup("audit", help="Check cases' audit chains.")


@audit_cli.command("verify")
@click.argument("reference")
@click.option("--tenant", "slug", default=None, help="The tenant's slug, when several use the same prefix")
def audit_verify(reference: str, slug: str | None) -> None:
    """Verify the hash chain of the case REFERENCE; name the first broken entry."""
    query = select(Case).where(Case.reference == reference)
    if slug:
        query = query.join(Tenant, Tenant.id == Case.tenant_id).where(Tenant.slug == slug)
    cases = db.session.scalars(query).all()
    if not cases:
        raise click.ClickException(f"No case {reference}.")
    if len(cases) > 1:
        raise click.ClickException(f"{len(cases)} tenants have a case {reference}; name one with --tenant.")
    report = verify_chain(db.session, cases[0])
    if report.ok:
        click.echo(f"{reference}: the chain of {report.entries} entries is intact.")
        return
    raise click.ClickException(f"{reference}: entry {report.broken_seq} is broken: {report.reason}.")
