"""The migration that makes an insurer's reference prefix unique keeps it for the oldest insurer of a
tenant that used it twice, and clears it for the later ones, so that the upgrade goes through."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import sqlalchemy as sa
from flask_migrate import upgrade

from odr.platform.extensions import db
from tests.platform import test_migrations

BEFORE = "f8c5a3e4b605"
empty_app = test_migrations.empty_app  # an app on an empty database, once per backend

# The two tables as they are at BEFORE.
TENANTS = sa.table("tenants", *(sa.column(name, kind) for name, kind in (
    ("id", sa.Integer), ("public_id", sa.Uuid), ("slug", sa.String), ("name", sa.String), ("time_zone", sa.String),
    ("default_locale", sa.String), ("policy", sa.JSON), ("is_active", sa.Boolean), ("created_at", sa.DateTime))))
ORGANISATIONS = sa.table("organisations", *(sa.column(name, kind) for name, kind in (
    ("id", sa.Integer), ("public_id", sa.Uuid), ("tenant_id", sa.Integer), ("name", sa.String),
    ("reference_prefix", sa.String), ("is_active", sa.Boolean), ("created_at", sa.DateTime))))


def test_duplicate_prefixes_are_left_to_the_oldest_insurer(empty_app):
    now = datetime.now(UTC)
    with empty_app.app_context():
        upgrade(revision=BEFORE)
        with db.engine.begin() as connection:
            connection.execute(TENANTS.insert(), [
                {"id": n, "public_id": uuid.uuid4(), "slug": slug, "name": slug.title(), "time_zone": "Europe/London",
                 "default_locale": "en", "policy": {}, "is_active": True, "created_at": now}
                for n, slug in ((1, "harbour"), (2, "fjord"))])
            connection.execute(ORGANISATIONS.insert(), [
                {"id": n, "public_id": uuid.uuid4(), "tenant_id": tenant, "name": name, "reference_prefix": prefix,
                 "is_active": True, "created_at": now}
                for n, (tenant, name, prefix) in enumerate([(1, "Northwind", "NW"), (1, "Northwind Direct", "NW"),
                                                            (1, "Fjord Mutual", "FJ"), (2, "Nordic West", "NW")],
                                                           start=1)])
        upgrade()
        with db.engine.connect() as connection:
            rows = connection.execute(sa.select(ORGANISATIONS.c.name, ORGANISATIONS.c.reference_prefix)
                                      .order_by(ORGANISATIONS.c.id)).all()
    assert [tuple(row) for row in rows] == [("Northwind", "NW"), ("Northwind Direct", None), ("Fjord Mutual", "FJ"),
                                           ("Nordic West", "NW")]
