"""``odr documents verify``: re-read the stored bytes and compare them with the recorded SHA-256."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select

from odr.mediation.core.models import Case
from odr.mediation.documents import integrity
from odr.platform.extensions import db
from odr.tenants.models import Tenant

documents_cli = AppGroup("documents", help="Documents: check that the stored bytes are the ones uploaded.")


@documents_cli.command("verify")
@click.option("--case", "reference", default=None, help="Only the documents of this case (its reference)")
@click.option("--tenant", "slug", default=None, help="The tenant's slug, when several use the same prefix")
def verify(reference: str | None, slug: str | None) -> None:
    """Re-read every stored document and compare its SHA-256; name each one that is missing or changed."""
    with db.new_session(write=False) as session:
        case = None
        if reference:
            query = select(Case).where(Case.reference == reference)
            if slug:
                query = query.join(Tenant, Tenant.id == Case.tenant_id).where(Tenant.slug == slug)
            cases = session.scalars(query).all()
            if not cases:
                raise click.ClickException(f"No case {reference}.")
            if len(cases) > 1:
                raise click.ClickException(f"{len(cases)} tenants have a case {reference}; name one with --tenant.")
            case = cases[0]
        checked, findings = integrity.verify_bytes(session, current_app.extensions["odr.storage"], case=case)
        for finding in findings:
            document = finding.document
            detail = {
                "missing": "its bytes are missing",
                "changed": f"its bytes changed: SHA-256 {finding.actual_sha256}, recorded {document.sha256}",
                "unavailable": "the store did not answer",
            }[finding.problem]
            click.echo(f"{document.case.reference} document {document.public_id} v{document.version} "
                       f"({document.file_name}): {detail}", err=True)
    if findings:
        raise click.ClickException(f"{len(findings)} of {checked} documents failed the check.")
    click.echo(f"{checked} documents checked: every one matches its SHA-256.")
