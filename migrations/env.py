"""Alembic environment: the app's engine and metadata; batch mode for SQLite."""

from __future__ import annotations

from alembic import context
from flask import current_app

from odr.app.models import all_metadata
from odr.platform.db import schema_filter

config = context.config
target_metadata = all_metadata()


def run_migrations_offline() -> None:
    """Emit SQL without a database."""
    engine = current_app.extensions["odr.db"].engine
    context.configure(
        url=str(engine.url),
        target_metadata=target_metadata,
        include_object=schema_filter(engine.dialect.name),
        literal_binds=True,
        render_as_batch=True,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    """Run against the app's database."""
    engine = current_app.extensions["odr.db"].engine
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            include_object=schema_filter(connection.dialect.name),
            **current_app.extensions["migrate"].configure_args,
        )
        if connection.dialect.name != "sqlite":
            with context.begin_transaction():
                context.run_migrations()
            return
        # Batch mode rebuilds a table by dropping it; with foreign keys on, SQLite would first
        # delete every row that refers to it (ON DELETE CASCADE): a new column on tenants would
        # take the tenants' organisations with it. The keys are off while the tables are rebuilt
        # (outside a transaction, where the pragma takes effect) and checked before they are on again.
        driver = connection.connection.driver_connection
        driver.execute("PRAGMA foreign_keys=OFF")
        try:
            with context.begin_transaction():
                context.run_migrations()
                broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                if broken:
                    raise RuntimeError(f"the migration left rows without the row they refer to: {broken[:5]}")
        finally:
            driver.execute("PRAGMA foreign_keys=ON")


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
