"""documents

Revision ID: d6a3e1c2f403
Revises: c5f2d0b1e302
Create Date: 2026-11-22 22:30:00
"""

from alembic import op
import sqlalchemy as sa
import odr.platform.db


revision = 'd6a3e1c2f403'
down_revision = 'c5f2d0b1e302'
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
