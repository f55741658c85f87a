"""case list search and overdue

Revision ID: b4e1c9a0d201
Revises: 31f8067b7929
Create Date: 2026-11-22 22:30:00
"""

from alembic import op
import sqlalchemy as sa
import odr.platform.db


revision = 'b4e1c9a0d201'
down_revision = '31f8067b7929'
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
