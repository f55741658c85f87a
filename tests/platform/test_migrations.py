"""The Alembic revisions build exactly the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect

from odr.app import create_app
from odr.app.models import all_metadata
from odr.platform.db import schema_filter
from odr.platform.extensions import db
from tests.conftest import PG_URL, fresh_postgres_database, test_settings, worker_id

BACKENDS = ["sqlite"] + (["postgresql"] if PG_URL else [])


@pytest.fixture(params=BACKENDS)
def empty_app(request, tmp_path):
    """An app on an empty database of each backend."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'migrations.sqlite3'}"
    else:
        url = fresh_postgres_database(PG_URL, f"mig_{worker_id()}")
    app = create_app(test_settings(tmp_path, url))
    yield app
    with app.app_context():
        db.engine.dispose()


def _diff(app):
    with app.app_context(), db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={
            "compare_type": True, "include_object": schema_filter(connection.dialect.name)})
        return compare_metadata(context, all_metadata())


def test_upgrade_from_nothing_matches_the_models(empty_app):
    with empty_app.app_context():
        upgrade()
    assert _diff(empty_app) == []


def test_downgrade_to_base_and_up_again(empty_app):
    with empty_app.app_context():
        upgrade()
        downgrade(revision="base")
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
        upgrade()
    assert _diff(empty_app) == []
