"""Commands of mediation: ``odr audit verify``, ``odr deadlines sweep``."""

from __future__ import annotations

import click
from flask.cli import AppGroup
from sqlalchemy import select

from odr.mediation.cases.models import Case
from odr.mediation.deadlines.sweep import sweep
from odr.mediation.events import verify_chain
from odr.platform.extensions import db
from odr.tenants.models import Tenant

audit_cli = AppGroup("audit", help="Check cases' audit chains.")
deadlines_cli = AppGroup("deadlines", help="Deadlines and their reminders.")


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


@deadlines_cli.command("sweep")
def deadlines_sweep() -> None:
    """Send due reminders and escalate passed deadlines now (the jobs do this every minute)."""
    with db.new_session() as session:
        result = sweep(session)
    click.echo(f"reminders {result.reminders}, chases {result.chases}, escalations {result.escalations}"
               + (f", failed {result.failed} (see the log; tried again later)" if result.failed else ""))
