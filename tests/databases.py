"""Databases of a test's own, outside the rolled-back session: for threads, several connections and servers."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from odr.app import create_app
from odr.platform.extensions import db
from tests.conftest import PG_URL, fresh_postgres_database, test_settings, worker_id


def drop_database(url: str) -> None:
    """Drop the PostgreSQL database of ``url``, whoever is still connected to it."""
    parsed = make_url(url)
    admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)'))
    admin.dispose()


@contextmanager
def scratch_database(tmp: Path, suffix: str, *, postgres: bool = bool(PG_URL)) -> Iterator[str]:
    """The URL of a fresh, empty database: PostgreSQL (dropped on the way out) or a SQLite file in ``tmp``."""
    url = fresh_postgres_database(PG_URL, suffix) if postgres else f"sqlite:///{tmp / f'{suffix}.sqlite3'}"
    try:
        yield url
    finally:
        if postgres:
            drop_database(url)


@contextmanager
def committed_app(tmp: Path, name: str, *, postgres: bool = bool(PG_URL)) -> Iterator[Flask]:
    """An app of its own on a fresh, migrated database whose transactions really commit.

    Built like the ``app`` fixture, for tests that need several connections at once (threads).
    """
    with scratch_database(tmp, f"{name}_{worker_id()}", postgres=postgres) as url:
        app = create_app(test_settings(tmp, url))
        with app.app_context():
            upgrade()
        try:
            yield app
        finally:
            db.state(app).engine.dispose()


# Holds SQLite's write lock until its standard input closes, as another server process would.
HOLD_LOCK = """
import sqlite3, sys
conn = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=30)
conn.execute("BEGIN IMMEDIATE")
conn.execute("UPDATE tenants SET name = name")
print("locked", flush=True)
sys.stdin.read()
conn.execute("ROLLBACK")
"""


class LockedByAnotherProcess:
    """Another process holding the write lock of the SQLite database at ``path`` while in the block."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.process: subprocess.Popen[str] | None = None

    def __enter__(self) -> LockedByAnotherProcess:
        self.process = subprocess.Popen([sys.executable, "-c", HOLD_LOCK, self.path], stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, text=True)
        assert self.process.stdout is not None and self.process.stdout.readline().strip() == "locked"
        return self

    def __exit__(self, *exc: object) -> None:
        assert self.process is not None and self.process.stdin is not None
        self.process.stdin.close()
        self.process.wait(30)
        if self.process.stdout is not None:
            self.process.stdout.close()
