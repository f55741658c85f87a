"""The ``odr`` command: Flask's CLI bound to the factory; every part adds its own commands."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import FlaskGroup


def _create_app() -> Flask:
    from odr.app import create_app

    return create_app()


@click.group(cls=FlaskGroup, create_app=_create_app, add_default_commands=True, load_dotenv=True)
def main() -> None:
    """odr: online dispute resolution."""
