"""case list index per insurer

Revision ID: e7b4f2d3a504
Revises: d6a3e1c2f403
Create Date: 2026-11-22 23:50:00
"""

from alembic import op
import sqlalchemy as sa
import odr.platform.db


revision = 'e7b4f2d3a504'
down_revision = 'd6a3e1c2f403'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.create_index('ix_cases_tenant_id_organisation_id_referred_at_id',
                              ['tenant_id', 'organisation_id', 'referred_at', 'id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_index('ix_cases_tenant_id_organisation_id_referred_at_id')
