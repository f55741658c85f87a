"""The ``odr`` command: Flask's CLI bound to the factory, plus serve, worker and demo."""

from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup, with_appcontext

from odr.platform.jobs import jobs


def _create_app() -> Flask:
    from odr.platform.app import create_app

    return create_app()


@click.group(cls=FlaskGroup, create_app=_create_app, add_default_commands=True, load_dotenv=True)
def main() -> None:
    """odr: online dispute resolution."""


def register_commands(app: Flask) -> None:
    """Attach every domain's commands to the app's CLI."""
    from odr.mediation.cli import audit_cli, deadlines_cli
    from odr.mediation.documents.cli import documents_cli
    from odr.platform.demo import demo
    from odr.tenants.cli import tenant_cli, user_cli

    app.cli.add_command(serve)
    app.cli.add_command(worker)
    app.cli.add_command(demo)
    app.cli.add_command(tenant_cli)
    app.cli.add_command(user_cli)
    app.cli.add_command(audit_cli)
    app.cli.add_command(deadlines_cli)
    app.cli.add_command(documents_cli)


@click.command()
@click.option("--host", default=None, help="Defaults to ODR_HOST")
@click.option("--port", type=int, default=None, help="Defaults to ODR_PORT")
@with_appcontext
def serve(host: str | None, port: int | None) -> None:
    """Serve pages, API and Socket.IO (gunicorn, gthread worker); run the jobs in-process."""
    from odr.platform.server import run

    settings = current_app.config["ODR"]
    run(current_app._get_current_object(), host or settings.host, port or settings.port, settings)


@click.command()
@click.option("--workers", type=int, default=4, show_default=True, help="Worker threads")
@with_appcontext
def worker(workers: int) -> None:
    """Run jobs (e-mail, sweeps) in this process, for production deployments."""
    jobs.run_worker(current_app._get_current_object(), workers)
