"""``odr agreements verify``: check a sealed settlement agreement end to end."""

from __future__ import annotations

import click
from flask.cli import AppGroup
from sqlalchemy import select

from odr.mediation.core.models import Case
from odr.platform.extensions import db
from odr.tenants.models import Tenant

agreements = AppGroup("agreements", help="Settlement agreements: check a sealed one.")


@agreements.command("verify")
@click.option("--case", "reference", required=True, help="The case's reference")
@click.option("--tenant", "slug", default=None, help="The tenant's slug, when several use the same prefix")
def verify(reference: str, slug: str | None) -> None:
    """Re-compute the text's hash, check each signature against it and the audit chain, the PDF
    against its recorded SHA-256 and its seal against the tenant's certificate; exit 1 naming the
    first failure."""
    from odr.mediation.agreements.verification import verify as check
    from odr.mediation.agreements.views import sealing_with

    with db.new_session(write=False) as session:
        query = select(Case).where(Case.reference == reference)
        if slug:
            query = query.join(Tenant, Tenant.id == Case.tenant_id).where(Tenant.slug == slug)
        cases = session.scalars(query).all()
        if not cases:
            raise click.ClickException(f"No case {reference}.")
        if len(cases) > 1:
            raise click.ClickException(f"{len(cases)} tenants have a case {reference}; name one with --tenant.")
        failures = check(session, cases[0], sealing_with())
    if failures:
        for failure in failures[1:]:
            click.echo(f"also: {failure}", err=True)
        raise click.ClickException(f"{reference}: {failures[0]}.")
    click.echo(f"{reference}: the agreement's text, every signature, the audit chain, the PDF and its seal "
               "are as signed.")
