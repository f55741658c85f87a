"""rooms, messages and read marks

Revision ID: c5f2d0b1e302
Revises: b4e1c9a0d201
Create Date: 2026-11-22 22:30:00
"""

from alembic import op
import sqlalchemy as sa
import odr.platform.db


revision = 'c5f2d0b1e302'
down_revision = 'b4e1c9a0d201'
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
