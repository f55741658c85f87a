"""The platform's commands: ``odr serve`` and ``odr worker``."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from odr.platform.jobs import jobs


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
