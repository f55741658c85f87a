"""The ``odr`` command: Flask's CLI bound to the factory; every part adds its own commands."""

from __future__ import annotations

import sys

import click
from flask import Flask
from flask.cli import FlaskGroup

from odr.platform.config import ConfigError

CONFIG_ERROR_EXIT = 78  # EX_CONFIG of sysexits.h: a service manager sees a configuration to fix


def _create_app() -> Flask:
    from odr.app import create_app

    try:
        return create_app()
    except ConfigError as error:
        # One line naming the setting and what to do: the operator's fix, not the platform's traceback.
        click.echo(f"odr: configuration error: {error}", err=True)
        sys.exit(CONFIG_ERROR_EXIT)


@click.group(cls=FlaskGroup, create_app=_create_app, add_default_commands=True, load_dotenv=True)
def main() -> None:
    """odr: online dispute resolution."""
