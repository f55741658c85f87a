"""case access version

Revision ID: f8c5a3e4b605
Revises: e7b4f2d3a504
Create Date: 2026-11-23 01:10:00
"""

from alembic import op
import sqlalchemy as sa


revision = 'f8c5a3e4b605'
down_revision = 'e7b4f2d3a504'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('access_version', sa.Integer(), server_default='0', nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_column('access_version')
